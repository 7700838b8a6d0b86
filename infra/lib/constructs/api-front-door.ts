// API Gateway in front of the image fleet: a regional REST API with throttling, JSON access logs,
// X-Ray tracing and a WAF web ACL, passing every request through a VPC link to an internal
// network load balancer. Authentication stays in `tessera serve gateway` behind it, which knows
// the principals (sessions and API keys) and signs the principal for the image API.
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import type * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { TesseraConfig } from '../config.ts';
import { suppress } from '../nag.ts';
import { RateLimitedWebAcl } from './rate-limited-web-acl.ts';

/** The REST API's one stage: the path prefix of every execute-api URL (and of CloudFront's origin). */
export const API_STAGE = 'v1';

export type ApiFrontDoorProps = {
  vpc: ec2.IVpc;
  limits: TesseraConfig['api'];
  logRetentionDays: number;
};

export class ApiFrontDoor extends Construct {
  readonly api: apigw.RestApi;
  readonly loadBalancer: elbv2.NetworkLoadBalancer;
  readonly webAcl: RateLimitedWebAcl;
  readonly accessLogGroup: logs.LogGroup;
  private readonly listener: elbv2.NetworkListener;

  constructor(scope: Construct, id: string, props: ApiFrontDoorProps) {
    super(scope, id);
    this.loadBalancer = new elbv2.NetworkLoadBalancer(this, 'Nlb', {
      vpc: props.vpc,
      internetFacing: false,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      securityGroups: [
        new ec2.SecurityGroup(this, 'NlbSecurityGroup', {
          vpc: props.vpc,
          description: 'Image API NLB: reached through the API Gateway VPC link only',
          allowAllOutbound: false,
        }),
      ],
      // VPC link traffic arrives over PrivateLink; the NLB has no other inbound rule.
      enforceSecurityGroupInboundRulesOnPrivateLinkTraffic: false,
      crossZoneEnabled: true,
    });
    this.listener = this.loadBalancer.addListener('Http', { port: 80 });
    const vpcLink = new apigw.VpcLink(this, 'VpcLink', { targets: [this.loadBalancer] });
    this.accessLogGroup = new logs.LogGroup(this, 'AccessLogs', {
      retention: props.logRetentionDays,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.api = this.buildApi(props, vpcLink);
    this.webAcl = new RateLimitedWebAcl(this, 'Waf', {
      requestsPer5MinPerIp: props.limits.wafRequestsPer5MinPerIp,
    });
    this.webAcl.associate('ApiStage', this.api.deploymentStage.stageArn);
    suppress(this.loadBalancer, [
      {
        id: 'AwsSolutions-ELB2',
        reason:
          'An NLB writes access logs only for TLS listeners; every request through it is logged by API Gateway access logs and the gateway process.',
      },
    ]);
  }

  private buildApi(props: ApiFrontDoorProps, vpcLink: apigw.VpcLink): apigw.RestApi {
    const api = new apigw.RestApi(this, 'Api', {
      restApiName: 'tessera',
      description: 'Tessera: the single entry point for the image API and future APIs',
      endpointConfiguration: { types: [apigw.EndpointType.REGIONAL] },
      // Image bytes pass through untouched, whatever their content type.
      binaryMediaTypes: ['*/*'],
      cloudWatchRole: true,
      cloudWatchRoleRemovalPolicy: RemovalPolicy.RETAIN,
      deployOptions: {
        stageName: API_STAGE,
        tracingEnabled: true,
        throttlingRateLimit: props.limits.rateLimit,
        throttlingBurstLimit: props.limits.burstLimit,
        loggingLevel: apigw.MethodLoggingLevel.ERROR,
        dataTraceEnabled: false,
        metricsEnabled: true,
        accessLogDestination: new apigw.LogGroupLogDestination(this.accessLogGroup),
        accessLogFormat: apigw.AccessLogFormat.jsonWithStandardFields({
          caller: false,
          httpMethod: true,
          ip: true,
          protocol: true,
          requestTime: true,
          resourcePath: true,
          responseLength: true,
          status: true,
          user: false,
        }),
      },
    });
    const integration = new apigw.Integration({
      type: apigw.IntegrationType.HTTP_PROXY,
      integrationHttpMethod: 'ANY',
      uri: `http://${this.loadBalancer.loadBalancerDnsName}/{proxy}`,
      options: {
        connectionType: apigw.ConnectionType.VPC_LINK,
        vpcLink,
        requestParameters: { 'integration.request.path.proxy': 'method.request.path.proxy' },
        timeout: Duration.seconds(29),
      },
    });
    const validator = api.addRequestValidator('PathValidator', { validateRequestParameters: true });
    api.root.addResource('{proxy+}').addMethod('ANY', integration, {
      requestParameters: { 'method.request.path.proxy': true },
      requestValidator: validator,
    });
    const noAuthorizer =
      'Authentication is done by `tessera serve gateway` behind API Gateway: it owns the principals (sessions, API keys, per-principal CIDRs) and signs the principal for the image API; an authorizer here would be a second, diverging user store.';
    suppress(api, [
      { id: 'AwsSolutions-APIG4', reason: noAuthorizer },
      {
        id: 'AwsSolutions-APIG2',
        reason:
          'The proxy method validates its path parameter; bodies are image bytes or JSON that the gateway and image API validate with their own schemas, so an API Gateway model would only duplicate them.',
      },
      { id: 'AwsSolutions-COG4', reason: noAuthorizer },
      {
        id: 'AwsSolutions-IAM4',
        reason:
          "API Gateway's account-level logging role uses the AWS-maintained AmazonAPIGatewayPushToCloudWatchLogs, the documented policy for it.",
        findings: [
          'Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs',
        ],
      },
    ]);
    return api;
  }

  /** The fleet that serves the API: `tessera serve gateway` on its port. */
  routeTo(
    group: autoscaling.AutoScalingGroup,
    fleetSecurityGroup: ec2.ISecurityGroup,
    port: number,
  ): void {
    this.listener.addTargets('Gateway', {
      port,
      protocol: elbv2.Protocol.TCP,
      targets: [group],
      // Readiness, not liveness: an instance whose gateway cannot reach the database or its image
      // API answers 503 there and gets no traffic until it can.
      healthCheck: {
        protocol: elbv2.Protocol.HTTP,
        path: '/readyz',
        interval: Duration.seconds(15),
      },
      deregistrationDelay: Duration.seconds(30),
    });
    const nlbSecurityGroup = this.loadBalancer.connections.securityGroups[0];
    if (!nlbSecurityGroup) throw new Error('the NLB has no security group');
    nlbSecurityGroup.addEgressRule(
      fleetSecurityGroup,
      ec2.Port.tcp(port),
      'to the gateway processes',
    );
    fleetSecurityGroup.addIngressRule(nlbSecurityGroup, ec2.Port.tcp(port), 'from the API NLB');
  }

  get url(): string {
    return this.api.url;
  }
}
