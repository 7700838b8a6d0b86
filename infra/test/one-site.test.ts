// The browser sees one site: CloudFront serves the web app (default behaviour, to its load balancer)
// and /api/* (to the API Gateway stage), so the gateway's SameSite=Strict session cookie is
// first-party and browser sign-in works on a default deploy, with no custom domain.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Match } from 'aws-cdk-lib/assertions';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import { webDomain } from '../lib/config.ts';
import { API_STAGE } from '../lib/constructs/api-front-door.ts';
import { ORIGIN_HEADER } from '../lib/constructs/web-distribution.ts';
import { config, logicalIdOf, tessera, userDataOf } from './fixture.ts';

const { templates, stacks } = tessera();
const images = templates.images;
const resources = images.toJSON().Resources;
const distributionId = logicalIdOf(stacks.images.site.distribution);
const distributionConfig = resources[distributionId].Properties.DistributionConfig;
const domainName = { 'Fn::GetAtt': [distributionId, 'DomainName'] };
/** The site's origin as user data shows it (see userDataOf). */
const siteOrigin = `https://\${${JSON.stringify(domainName)}}`;

type Origin = {
  Id: string;
  DomainName: unknown;
  OriginPath?: string;
  CustomOriginConfig: Record<string, unknown>;
  OriginCustomHeaders?: { HeaderName: string; HeaderValue: unknown }[];
};
const originOf = (id: string): Origin => {
  const origin = (distributionConfig.Origins as Origin[]).find((o) => o.Id === id);
  assert.ok(origin, `no origin ${id}`);
  return origin;
};
const secretRef = { Ref: logicalIdOf(stacks.images.node.findChild('WebOriginSecret')) };
const originHeaderValue = {
  'Fn::Join': ['', ['{{resolve:secretsmanager:', secretRef, ':SecretString:::}}']],
};

describe('"The web application which allows users to upload images is hosted on an auto-scaling EC2 cluster." — one CloudFront site for the page and the API', () => {
  test('one distribution: the default behaviour goes to the web app load balancer, over HTTPS for viewers', () => {
    images.resourceCountIs('AWS::CloudFront::Distribution', 1);
    const behaviour = distributionConfig.DefaultCacheBehavior;
    assert.equal(behaviour.ViewerProtocolPolicy, 'redirect-to-https');
    assert.deepEqual(behaviour.AllowedMethods, ['GET', 'HEAD']);
    const origin = originOf(behaviour.TargetOriginId);
    assert.deepEqual(origin.DomainName, {
      'Fn::GetAtt': [logicalIdOf(stacks.images.web.loadBalancer), 'DNSName'],
    });
    assert.equal(origin.CustomOriginConfig.OriginProtocolPolicy, 'http-only');
    assert.deepEqual(origin.OriginCustomHeaders, [
      { HeaderName: ORIGIN_HEADER, HeaderValue: originHeaderValue },
    ]);
  });

  test('/api/* goes to the API Gateway stage: stage path, no caching, all methods, viewer headers but Host, HTTPS only', () => {
    const behaviours = distributionConfig.CacheBehaviors as Record<string, unknown>[];
    assert.equal(behaviours.length, 1);
    const api = behaviours[0];
    assert.ok(api);
    assert.equal(api.PathPattern, '/api/*');
    assert.equal(api.ViewerProtocolPolicy, 'https-only');
    assert.deepEqual([...(api.AllowedMethods as string[])].sort(), [
      'DELETE',
      'GET',
      'HEAD',
      'OPTIONS',
      'PATCH',
      'POST',
      'PUT',
    ]);
    assert.equal(api.CachePolicyId, cloudfront.CachePolicy.CACHING_DISABLED.cachePolicyId);
    assert.equal(
      api.OriginRequestPolicyId,
      cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER.originRequestPolicyId,
    );
    const origin = originOf(api.TargetOriginId as string);
    assert.equal(origin.OriginPath, `/${API_STAGE}`);
    assert.equal(origin.CustomOriginConfig.OriginProtocolPolicy, 'https-only');
    const domain = JSON.stringify(origin.DomainName);
    assert.ok(domain.includes(`{"Ref":"${logicalIdOf(stacks.images.front.api)}"}`), domain);
    assert.ok(domain.includes('.execute-api.'), domain);
    images.hasResourceProperties('AWS::ApiGateway::Stage', { StageName: API_STAGE });
  });

  test('the web app’s boot script sets GATEWAY_URL to the distribution’s https origin', () => {
    const userData = userDataOf(images, stacks.images.webFleet);
    assert.ok(userData.includes(`GATEWAY_URL='${siteOrigin}'`), userData);
    assert.ok(!userData.includes('execute-api'), 'the browser must not be sent to execute-api');
  });

  test('the gateway allows the site’s origin (CORS), and so does the bucket for presigned POSTs', () => {
    const userData = userDataOf(images, stacks.images.apiFleet);
    assert.ok(userData.includes(`GATEWAY_CORS_ORIGINS='${siteOrigin}'`), userData);
    images.hasResourceProperties('AWS::S3::Bucket', {
      CorsConfiguration: {
        CorsRules: [
          Match.objectLike({
            AllowedMethods: ['POST'],
            AllowedOrigins: [{ 'Fn::Join': ['', ['https://', domainName]] }],
          }),
        ],
      },
    });
  });

  test('the web app load balancer refuses (403) any request without CloudFront’s origin header', () => {
    const listenerId = logicalIdOf(stacks.images.web.loadBalancer.node.findChild('Http'));
    images.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      LoadBalancerArn: { Ref: logicalIdOf(stacks.images.web.loadBalancer) },
      DefaultActions: [
        { Type: 'fixed-response', FixedResponseConfig: Match.objectLike({ StatusCode: '403' }) },
      ],
    });
    images.hasResourceProperties('AWS::ElasticLoadBalancingV2::ListenerRule', {
      ListenerArn: { Ref: listenerId },
      Conditions: [
        {
          Field: 'http-header',
          HttpHeaderConfig: { HttpHeaderName: ORIGIN_HEADER, Values: [originHeaderValue] },
        },
      ],
      Actions: [Match.objectLike({ Type: 'forward' })],
    });
    images.hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: Match.objectLike({ PasswordLength: 48, ExcludePunctuation: true }),
    });
  });

  test('CloudFront writes standard logs to the access-log bucket (ACLs enabled there)', () => {
    assert.equal(distributionConfig.Logging.Prefix, 'web-cloudfront/');
    assert.match(
      JSON.stringify(distributionConfig.Logging.Bucket),
      /AccessLogs.*RegionalDomainName/,
    );
    templates.foundation.hasResourceProperties('AWS::S3::Bucket', {
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerPreferred' }] },
    });
  });

  test('without a custom domain the site is the CloudFront name, on its default certificate', () => {
    assert.equal(distributionConfig.Aliases, undefined);
    assert.equal(distributionConfig.ViewerCertificate, undefined);
    assert.equal(webDomain(config), undefined);
  });
});
