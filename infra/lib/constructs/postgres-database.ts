// An RDS PostgreSQL instance: encrypted, in subnets with no route out, backed up, TLS forced, its
// master login generated into Secrets Manager. Who may connect is decided by the caller.
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { DatabaseSize } from '../config.ts';
import { suppress } from '../nag.ts';

export type PostgresDatabaseProps = {
  vpc: ec2.IVpc;
  /** Names the instance, its secret and its log group: tessera-images, tessera-commerce. */
  name: string;
  size: DatabaseSize;
  logRetentionDays: number;
};

export const POSTGRES_PORT = 5432;
const engine = rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_17_6 });

export class PostgresDatabase extends Construct {
  readonly instance: rds.DatabaseInstance;
  readonly secret: secretsmanager.ISecret;
  readonly securityGroup: ec2.SecurityGroup;

  constructor(scope: Construct, id: string, props: PostgresDatabaseProps) {
    super(scope, id);
    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: `${props.name} PostgreSQL: only the ingress rules added beside it`,
      allowAllOutbound: false,
    });
    // Created first, so that its retention is ours rather than "never expire".
    const logGroup = new logs.LogGroup(this, 'Logs', {
      logGroupName: `/aws/rds/instance/${props.name}/postgresql`,
      retention: props.logRetentionDays,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.instance = new rds.DatabaseInstance(this, 'Instance', {
      instanceIdentifier: props.name,
      engine,
      instanceType: new ec2.InstanceType(props.size.instanceType),
      vpc: props.vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      securityGroups: [this.securityGroup],
      port: POSTGRES_PORT,
      databaseName: 'tessera',
      credentials: rds.Credentials.fromGeneratedSecret('tessera', {
        secretName: `${props.name}/master`,
      }),
      parameterGroup: new rds.ParameterGroup(this, 'Parameters', {
        engine,
        description: `${props.name}: TLS only`,
        parameters: { 'rds.force_ssl': '1' },
      }),
      storageEncrypted: true,
      storageType: rds.StorageType.GP3,
      allocatedStorage: props.size.allocatedGb,
      maxAllocatedStorage: props.size.maxAllocatedGb,
      multiAz: props.size.multiAz,
      backupRetention: Duration.days(props.size.backupDays),
      deleteAutomatedBackups: false,
      deletionProtection: true,
      removalPolicy: RemovalPolicy.SNAPSHOT,
      iamAuthentication: true,
      autoMinorVersionUpgrade: true,
      cloudwatchLogsExports: ['postgresql'],
      caCertificate: rds.CaCertificate.RDS_CA_RSA2048_G1,
    });
    this.instance.node.addDependency(logGroup);
    if (!this.instance.secret) throw new Error('the generated master secret is missing');
    this.secret = this.instance.secret;
    suppress(this, [
      {
        id: 'AwsSolutions-RDS11',
        reason:
          'Another port hides nothing from a scan; access is decided by the security group, and psql and pgAdmin users expect 5432.',
      },
      {
        id: 'AwsSolutions-SMG4',
        reason:
          'The services read the password at start; rotation is a documented step (rotate, then refresh the instances) until they re-read it on failure.',
      },
    ]);
  }

  /** Allows PostgreSQL connections from a security group (services) or CIDR (company networks). */
  allowFrom(peer: ec2.IPeer, description: string): void {
    this.securityGroup.addIngressRule(peer, ec2.Port.tcp(POSTGRES_PORT), description);
  }
}
