// One CloudFront distribution in front of the upload web app and the API, so the browser sees one
// site: the page, /config.json and /api/* share an origin, and the gateway's SameSite=Strict
// session cookie is first-party. The default behaviour goes to the web app's load balancer, which
// forwards only requests carrying the origin header sent here; /api/* goes to the REST API's
// stage, uncached, with every method and the viewer's headers except Host.
import type * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import type * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { suppress } from '../nag.ts';
import type { RequiredHeader } from './load-balanced-site.ts';

/** The header CloudFront adds to every request for the web app; the load balancer requires it. */
export const ORIGIN_HEADER = 'x-tessera-origin-verify';

/**
 * The origin header and a secret holding its value, made before the load balancer (which requires
 * it) and the distribution (which sends it). Both read it through a CloudFormation dynamic
 * reference, so the value never appears in a template.
 */
export function webOriginHeader(scope: Construct): RequiredHeader {
  const secret = new secretsmanager.Secret(scope, 'WebOriginSecret', {
    description:
      'The header value CloudFront sends to the web app load balancer, which refuses requests without it',
    generateSecretString: { passwordLength: 48, excludePunctuation: true },
  });
  suppress(secret, [
    {
      id: 'AwsSolutions-SMG4',
      reason:
        'CloudFormation resolves this value into the distribution and the listener rule only when it updates them, so an automatic rotation would make the load balancer refuse CloudFront; replacing it is a documented step.',
    },
  ]);
  return { name: ORIGIN_HEADER, value: secret.secretValue.unsafeUnwrap() };
}

export type WebDistributionProps = {
  /** The web app's internet-facing load balancer, reached over HTTP with the origin header. */
  loadBalancer: elbv2.ILoadBalancerV2;
  originHeader: RequiredHeader;
  /** The REST API and its stage name: /api/x on this site is /<stage>/api/x on API Gateway. */
  api: apigw.RestApiBase;
  apiStage: string;
  accessLogs: s3.IBucket;
  accessLogPrefix: string;
  /** Optional: the site's own name and its certificate, which must be an ACM certificate in us-east-1. */
  domain: { name: string; certificateArn: string } | undefined;
};

export class WebDistribution extends Construct {
  readonly distribution: cloudfront.Distribution;
  /** The origin browsers use: https://<custom name> if configured, else https://<id>.cloudfront.net. */
  readonly origin: string;
  /** Every origin that serves this site (the custom name and the CloudFront name). */
  readonly origins: string[];

  constructor(scope: Construct, id: string, props: WebDistributionProps) {
    super(scope, id);
    const { domain } = props;
    const webApp = new origins.LoadBalancerV2Origin(props.loadBalancer, {
      protocolPolicy: cloudfront.OriginProtocolPolicy.HTTP_ONLY,
      httpPort: 80,
      customHeaders: { [props.originHeader.name]: props.originHeader.value },
    });
    const api = new origins.RestApiOrigin(props.api, { originPath: `/${props.apiStage}` });
    this.distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: 'Tessera: the upload web app and /api/* on one site',
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      priceClass: cloudfront.PriceClass.PRICE_CLASS_100,
      enableLogging: true,
      logBucket: props.accessLogs,
      logFilePrefix: props.accessLogPrefix,
      ...(domain
        ? {
            domainNames: [domain.name],
            certificate: acm.Certificate.fromCertificateArn(
              this,
              'Certificate',
              domain.certificateArn,
            ),
            minimumProtocolVersion: cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
            sslSupportMethod: cloudfront.SSLMethod.SNI,
          }
        : {}),
      defaultBehavior: {
        origin: webApp,
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD,
        // Honours the web server's Cache-Control (hashed assets for good, index.html no-cache);
        // forwards no cookies, so the session cookie never travels the HTTP hop to the ALB.
        cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
        compress: true,
      },
      additionalBehaviors: {
        '/api/*': {
          origin: api,
          // A redirected POST would lose its body: API callers must use HTTPS from the start.
          viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
          allowedMethods: cloudfront.AllowedMethods.ALLOW_ALL,
          cachePolicy: cloudfront.CachePolicy.CACHING_DISABLED,
          // API Gateway routes on its own Host; everything else (cookies, Origin, CSRF header,
          // Authorization, tus headers, query strings) goes through.
          originRequestPolicy: cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
          compress: false,
        },
      },
    });
    const cloudFrontOrigin = `https://${this.distribution.distributionDomainName}`;
    this.origin = domain ? `https://${domain.name}` : cloudFrontOrigin;
    this.origins = domain ? [this.origin, cloudFrontOrigin] : [cloudFrontOrigin];
    suppress(this.distribution, [
      {
        id: 'AwsSolutions-CFR1',
        reason:
          'The upload app and API serve the company’s users wherever they are; who may act is decided by the gateway (sessions, API keys, per-principal CIDRs), not by country.',
      },
      {
        id: 'AwsSolutions-CFR2',
        reason:
          'A CloudFront web ACL must live in us-east-1 (another stack and cross-region references); the regional web ACL (rate rule, IP reputation, common and bad-input rules) already inspects every request at API Gateway and at the web app load balancer.',
      },
      {
        id: 'AwsSolutions-CFR5',
        reason:
          'The load balancer has only its *.elb.amazonaws.com name, for which no certificate can be issued, so CloudFront reaches it over HTTP; that hop carries the public static app (no cookies are forwarded) and the origin header, without which the load balancer answers 403. /api/* goes to API Gateway over TLS 1.2.',
      },
      ...(domain
        ? []
        : [
            {
              id: 'AwsSolutions-CFR4',
              reason:
                'Without a custom domain the distribution uses the default *.cloudfront.net certificate, with which CloudFront cannot enforce a minimum TLS version; configure webDomainName and webCertificateArn to get TLSv1.2_2021.',
            },
          ]),
    ]);
  }
}
