// An application load balancer in front of one fleet's port: HTTPS when a certificate is given
// (HTTP then only redirects), plain HTTP otherwise; access logs to the shared log bucket. Behind a
// CDN it may require a header only the CDN sends: anything without it gets 403.
import { Duration } from 'aws-cdk-lib';
import type * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

export type LoadBalancedSiteProps = {
  vpc: ec2.IVpc;
  internetFacing: boolean;
  /** Who may reach the load balancer at all. */
  allowedCidrs: string[];
  certificateArn: string | undefined;
  accessLogs: s3.IBucket;
  accessLogPrefix: string;
  /** Forward only requests carrying this header and value (CloudFront's origin header). */
  requiredHeader?: RequiredHeader;
};

export type RequiredHeader = { name: string; value: string };

export class LoadBalancedSite extends Construct {
  readonly loadBalancer: elbv2.ApplicationLoadBalancer;
  readonly securityGroup: ec2.SecurityGroup;
  /** The load balancer's own address: https with a certificate, http without. */
  readonly origin: string;
  private readonly listener: elbv2.ApplicationListener;
  private readonly requiredHeader: RequiredHeader | undefined;

  constructor(scope: Construct, id: string, props: LoadBalancedSiteProps) {
    super(scope, id);
    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: `${id} load balancer: from ${props.allowedCidrs.join(', ')} only`,
      allowAllOutbound: false,
    });
    const ports = props.certificateArn ? [80, 443] : [80];
    for (const cidr of props.allowedCidrs) {
      for (const port of ports) {
        this.securityGroup.addIngressRule(
          ec2.Peer.ipv4(cidr),
          ec2.Port.tcp(port),
          `${id} from ${cidr}`,
        );
      }
    }
    this.loadBalancer = new elbv2.ApplicationLoadBalancer(this, 'Alb', {
      vpc: props.vpc,
      internetFacing: props.internetFacing,
      vpcSubnets: {
        subnetType: props.internetFacing
          ? ec2.SubnetType.PUBLIC
          : ec2.SubnetType.PRIVATE_WITH_EGRESS,
      },
      securityGroup: this.securityGroup,
      dropInvalidHeaderFields: true,
    });
    this.loadBalancer.logAccessLogs(props.accessLogs, props.accessLogPrefix);
    this.listener = this.addListeners(props.certificateArn);
    this.requiredHeader = props.requiredHeader;
    if (this.requiredHeader) {
      this.listener.addAction('RefuseWithoutOriginHeader', {
        action: elbv2.ListenerAction.fixedResponse(403, {
          contentType: 'text/plain',
          messageBody: 'Forbidden',
        }),
      });
    }
    const scheme = props.certificateArn ? 'https' : 'http';
    this.origin = `${scheme}://${this.loadBalancer.loadBalancerDnsName}`;
  }

  private addListeners(certificateArn: string | undefined): elbv2.ApplicationListener {
    if (!certificateArn) {
      return this.loadBalancer.addListener('Http', { port: 80, open: false });
    }
    this.loadBalancer.addRedirect({ sourcePort: 80, targetPort: 443 });
    return this.loadBalancer.addListener('Https', {
      port: 443,
      open: false,
      certificates: [elbv2.ListenerCertificate.fromArn(certificateArn)],
      sslPolicy: elbv2.SslPolicy.RECOMMENDED_TLS,
    });
  }

  /**
   * Sends traffic to a fleet's port; the fleet accepts it from this load balancer only. With a
   * required header, only requests that carry it are forwarded (a rule); the rest get 403.
   */
  routeTo(
    group: autoscaling.AutoScalingGroup,
    port: number,
    health: { path: string; codes: string },
  ): void {
    const header = this.requiredHeader;
    this.listener.addTargets('Fleet', {
      ...(header
        ? {
            priority: 1,
            conditions: [elbv2.ListenerCondition.httpHeader(header.name, [header.value])],
          }
        : {}),
      port,
      protocol: elbv2.ApplicationProtocol.HTTP,
      targets: [group],
      healthCheck: {
        path: health.path,
        healthyHttpCodes: health.codes,
        interval: Duration.seconds(15),
      },
      deregistrationDelay: Duration.seconds(30),
    });
  }
}
