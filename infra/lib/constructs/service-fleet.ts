// An auto-scaling group of instances that run `tessera serve …` processes: a launch template with
// IMDSv2 and encrypted volumes, no SSH key (Session Manager instead), a role holding only what the
// processes need, logs shipped to CloudWatch, and rolling replacement when the release changes.
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import type { FleetSize } from '../config.ts';
import { ssmManagedPolicy, suppress } from '../nag.ts';
import { bootScript, type RuntimeValue, type ServeProcess } from './boot-script.ts';

export type FleetSecret =
  | { variable: string; kind: 'database-url' | 'secret-string'; secret: secretsmanager.ISecret }
  | { variable: string; kind: 'kafka-brokers'; clusterArn: string }
  | {
      variable: string;
      kind: 'redis-url';
      secret: secretsmanager.ISecret;
      host: string;
      port: string;
    };

export type ServiceFleetProps = {
  vpc: ec2.IVpc;
  size: FleetSize;
  release: { bucketName: string; key: string };
  processes: ServeProcess[];
  environment: Record<string, string>;
  secrets: FleetSecret[];
  migrate: boolean;
  /** Replace instances the load balancer finds unhealthy, not only those EC2 finds broken. */
  loadBalanced: boolean;
  logRetentionDays: number;
  notifications: sns.ITopic;
};

export class ServiceFleet extends Construct {
  readonly group: autoscaling.AutoScalingGroup;
  readonly role: iam.Role;
  readonly securityGroup: ec2.SecurityGroup;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: ServiceFleetProps) {
    super(scope, id);
    const region = Stack.of(this).region;
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetentionDays,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: `Tessera ${id} instances: no SSH; only their load balancer may connect`,
      // Out to AWS APIs (through NAT or the S3 endpoint), the database and Kafka.
      allowAllOutbound: true,
    });
    this.role = this.buildRole(props);
    const userData = ec2.UserData.forLinux();
    userData.addCommands(
      ...bootScript({
        region,
        release: props.release,
        processes: props.processes,
        environment: props.environment,
        runtimeValues: props.secrets.map(runtimeValue),
        migrate: props.migrate,
        logGroupName: this.logGroup.logGroupName,
      }),
    );
    const launchTemplate = new ec2.LaunchTemplate(this, 'LaunchTemplate', {
      instanceType: new ec2.InstanceType(props.size.instanceType),
      machineImage: ec2.MachineImage.latestAmazonLinux2023(),
      role: this.role,
      securityGroup: this.securityGroup,
      userData,
      requireImdsv2: true,
      httpPutResponseHopLimit: 1,
      detailedMonitoring: true,
      blockDevices: [
        {
          deviceName: '/dev/xvda',
          volume: ec2.BlockDeviceVolume.ebs(30, {
            encrypted: true,
            volumeType: ec2.EbsDeviceVolumeType.GP3,
            deleteOnTermination: true,
          }),
        },
      ],
    });
    this.group = new autoscaling.AutoScalingGroup(this, 'Group', {
      vpc: props.vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      launchTemplate,
      minCapacity: props.size.min,
      maxCapacity: props.size.max,
      healthChecks: props.loadBalanced
        ? autoscaling.HealthChecks.withAdditionalChecks({
            additionalTypes: [autoscaling.AdditionalHealthCheckType.ELB],
            gracePeriod: Duration.minutes(10),
          })
        : autoscaling.HealthChecks.ec2({ gracePeriod: Duration.minutes(10) }),
      // A new launch template version (a new release) replaces instances one at a time; each
      // signals only after its processes answer, so a bad release stops the roll-out.
      signals: autoscaling.Signals.waitForMinCapacity({ timeout: Duration.minutes(20) }),
      updatePolicy: autoscaling.UpdatePolicy.rollingUpdate({
        maxBatchSize: 1,
        minInstancesInService: props.size.min,
        pauseTime: Duration.minutes(20),
      }),
      notifications: [{ topic: props.notifications }],
    });
    userData.addSignalOnExitCommand(this.group);
    this.group.scaleOnCpuUtilization('Cpu', { targetUtilizationPercent: 60 });
  }

  private buildRole(props: ServiceFleetProps): iam.Role {
    const stack = Stack.of(this);
    const role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com'),
      description: 'A Tessera instance: Session Manager, its release, its logs and secrets',
      managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonSSMManagedInstanceCore')],
    });
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['s3:GetObject'],
        resources: [`arn:${stack.partition}:s3:::${props.release.bucketName}/${props.release.key}`],
      }),
    );
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
        resources: [this.logGroup.logGroupArn],
      }),
    );
    for (const secret of props.secrets) {
      if (secret.kind === 'kafka-brokers') {
        role.addToPolicy(
          new iam.PolicyStatement({
            actions: ['kafka:GetBootstrapBrokers'],
            resources: [secret.clusterArn],
          }),
        );
      } else {
        secret.secret.grantRead(role);
      }
    }
    suppress(role, [ssmManagedPolicy]);
    return role;
  }
}

function runtimeValue(secret: FleetSecret): RuntimeValue {
  switch (secret.kind) {
    case 'kafka-brokers':
      return secret;
    case 'redis-url':
      return {
        variable: secret.variable,
        kind: secret.kind,
        secretArn: secret.secret.secretArn,
        host: secret.host,
        port: secret.port,
      };
    default:
      return { variable: secret.variable, kind: secret.kind, secretArn: secret.secret.secretArn };
  }
}
