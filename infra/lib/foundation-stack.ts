// What every other stack stands on: the VPC, the bucket that load balancers and S3 write their
// access logs to, and the alarm topic.
import { Duration, RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';
import type { TesseraConfig } from './config.ts';
import { suppress } from './nag.ts';

export type FoundationStackProps = StackProps & { config: TesseraConfig };

export class FoundationStack extends Stack {
  readonly vpc: ec2.Vpc;
  readonly accessLogs: s3.Bucket;
  readonly alarmTopic: sns.Topic;
  private readonly zones: string[];

  constructor(scope: Construct, id: string, props: FoundationStackProps) {
    super(scope, id, props);
    const { config } = props;
    this.zones = config.availabilityZones;
    this.vpc = buildVpc(this, config);
    this.accessLogs = buildAccessLogBucket(this);
    this.alarmTopic = buildAlarmTopic(this, config.alarmEmail);
  }

  /** The configured zones: CDK would otherwise ask AWS (a context look-up) which exist. */
  override get availabilityZones(): string[] {
    return this.zones;
  }
}

/** Public subnets hold only load balancers and NAT; databases sit in subnets with no route out. */
function buildVpc(scope: Construct, config: TesseraConfig): ec2.Vpc {
  const vpc = new ec2.Vpc(scope, 'Vpc', {
    ipAddresses: ec2.IpAddresses.cidr(config.vpcCidr),
    availabilityZones: config.availabilityZones,
    natGateways: config.natGateways,
    subnetConfiguration: [
      { name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
      { name: 'private', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 20 },
      { name: 'isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 },
    ],
    // Release downloads and image writes stay off the NAT gateway (and its per-GB charge).
    gatewayEndpoints: { S3: { service: ec2.GatewayVpcEndpointAwsService.S3 } },
  });
  Validations.of(vpc).acknowledge({
    id: 'CloudFormation-Validate::W3010',
    reason:
      'The zones are named on purpose (the availabilityZones setting), so that synthesis needs no AWS look-up.',
  });
  const flowLogs = new logs.LogGroup(scope, 'FlowLogs', {
    retention: config.logRetentionDays,
    removalPolicy: RemovalPolicy.RETAIN,
  });
  vpc.addFlowLog('FlowLog', {
    destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogs),
    trafficType: ec2.FlowLogTrafficType.REJECT,
  });
  return vpc;
}

function buildAccessLogBucket(scope: Construct): s3.Bucket {
  const bucket = new s3.Bucket(scope, 'AccessLogs', {
    // Load balancer access logs accept SSE-S3 only.
    encryption: s3.BucketEncryption.S3_MANAGED,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    enforceSSL: true,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
    lifecycleRules: [{ expiration: Duration.days(365) }],
    removalPolicy: RemovalPolicy.RETAIN,
  });
  suppress(bucket, [
    {
      id: 'AwsSolutions-S1',
      reason:
        'This is the access-log bucket itself; logging its own access would log into itself without end.',
    },
  ]);
  return bucket;
}

function buildAlarmTopic(scope: Construct, email: string | undefined): sns.Topic {
  const key = new kms.Key(scope, 'AlarmKey', {
    description: 'Encrypts the Tessera alarm topic',
    enableKeyRotation: true,
  });
  // CloudWatch alarms publish as a service; Auto Scaling as its service-linked role, which may not
  // exist yet on a fresh account (KMS refuses unknown principals), hence the condition form.
  key.grant(
    new iam.ServicePrincipal('cloudwatch.amazonaws.com'),
    'kms:Decrypt',
    'kms:GenerateDataKey*',
  );
  const stack = Stack.of(scope);
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      principals: [new iam.AnyPrincipal()],
      actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      resources: ['*'],
      conditions: {
        StringEquals: { 'kms:CallerAccount': stack.account },
        ArnEquals: {
          'aws:PrincipalArn': `arn:${stack.partition}:iam::${stack.account}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling`,
        },
      },
    }),
  );
  const topic = new sns.Topic(scope, 'Alarms', {
    displayName: 'Tessera alarms',
    masterKey: key,
    enforceSSL: true,
  });
  if (email) topic.addSubscription(new subscriptions.EmailSubscription(email));
  return topic;
}
