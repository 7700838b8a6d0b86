// ElastiCache Redis for the counters the gateways share (per-principal rate limits): a primary and
// a replica in two zones with automatic failover, TLS in transit, encrypted at rest, an AUTH token
// generated into Secrets Manager, in subnets with no route out. Who may connect is decided beside it.
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elasticache from 'aws-cdk-lib/aws-elasticache';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { TesseraConfig } from '../config.ts';
import { suppress } from '../nag.ts';

export const REDIS_PORT = 6379;

export type RedisCacheProps = {
  vpc: ec2.IVpc;
  /** Names the replication group: tessera-images. */
  name: string;
  size: TesseraConfig['redis'];
};

export class RedisCache extends Construct {
  readonly replicationGroup: elasticache.CfnReplicationGroup;
  readonly securityGroup: ec2.SecurityGroup;
  /** The AUTH token; the instances read it at start and build REDIS_URL from it. */
  readonly authToken: secretsmanager.Secret;

  constructor(scope: Construct, id: string, props: RedisCacheProps) {
    super(scope, id);
    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: `${props.name} Redis: TLS on ${REDIS_PORT} from the rules added beside it`,
      allowAllOutbound: false,
    });
    // ElastiCache takes 16-128 printable characters without @, " or /; letters and digits only
    // also keep the token safe inside a URL.
    this.authToken = new secretsmanager.Secret(this, 'AuthToken', {
      description: `The AUTH token of the ${props.name} Redis (the gateways' shared rate limits)`,
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
    });
    const subnets = new elasticache.CfnSubnetGroup(this, 'Subnets', {
      description: `${props.name} Redis: isolated subnets, no route out`,
      subnetIds: props.vpc.selectSubnets({ subnetType: ec2.SubnetType.PRIVATE_ISOLATED }).subnetIds,
    });
    this.replicationGroup = new elasticache.CfnReplicationGroup(this, 'ReplicationGroup', {
      replicationGroupDescription: `${props.name}: rate-limit counters shared by the gateways`,
      engine: 'redis',
      engineVersion: '7.1',
      cacheNodeType: props.size.nodeType,
      numCacheClusters: 2,
      automaticFailoverEnabled: true,
      multiAzEnabled: true,
      port: REDIS_PORT,
      cacheSubnetGroupName: subnets.ref,
      securityGroupIds: [this.securityGroup.securityGroupId],
      transitEncryptionEnabled: true,
      transitEncryptionMode: 'required',
      atRestEncryptionEnabled: true,
      // CloudFormation resolves the reference at deploy time; the token never enters the template.
      authToken: this.authToken.secretValue.unsafeUnwrap(),
      autoMinorVersionUpgrade: true,
      // Counters of one-minute windows: nothing worth a snapshot.
      snapshotRetentionLimit: 0,
    });
    suppress(this, [
      {
        id: 'AwsSolutions-AEC5',
        reason:
          'Another port hides nothing from a scan; access is decided by the security group (the gateway fleet only) and the AUTH token over TLS.',
      },
      {
        id: 'AwsSolutions-SMG4',
        reason:
          'The gateways read the AUTH token at start; rotating it is a documented step (modify the replication group with the new token, ROTATE then SET, refresh the fleet).',
      },
    ]);
  }

  /** Where the instances connect: the primary's endpoint (it moves to the replica on failover). */
  get host(): string {
    return this.replicationGroup.attrPrimaryEndPointAddress;
  }

  get port(): string {
    return this.replicationGroup.attrPrimaryEndPointPort;
  }

  /** Allows Redis connections from a fleet's security group. */
  allowFrom(peer: ec2.IPeer, description: string): void {
    this.securityGroup.addIngressRule(peer, ec2.Port.tcp(REDIS_PORT), description);
  }
}
