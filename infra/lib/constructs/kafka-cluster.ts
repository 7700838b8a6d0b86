// MSK for the image stream: IAM authentication only, TLS between clients and brokers and between
// brokers, storage encrypted under the images key, broker logs in CloudWatch.
import { Fn, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as msk from 'aws-cdk-lib/aws-msk';
import { Construct } from 'constructs';
import type { TesseraConfig } from '../config.ts';

/** The port MSK serves SASL/IAM over TLS on. */
export const KAFKA_IAM_PORT = 9098;

export type KafkaClusterProps = {
  vpc: ec2.IVpc;
  name: string;
  size: TesseraConfig['kafka'];
  key: kms.IKey;
  logRetentionDays: number;
};

export class KafkaCluster extends Construct {
  readonly cluster: msk.CfnCluster;
  readonly securityGroup: ec2.SecurityGroup;
  readonly name: string;

  constructor(scope: Construct, id: string, props: KafkaClusterProps) {
    super(scope, id);
    this.name = props.name;
    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: `${props.name} MSK brokers: IAM over TLS (9098) from the rules added beside it`,
      allowAllOutbound: false,
    });
    const brokerLogs = new logs.LogGroup(this, 'BrokerLogs', {
      retention: props.logRetentionDays,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.cluster = new msk.CfnCluster(this, 'Cluster', {
      clusterName: props.name,
      kafkaVersion: '3.8.x',
      numberOfBrokerNodes: props.size.brokers,
      brokerNodeGroupInfo: {
        instanceType: props.size.instanceType,
        clientSubnets: props.vpc.selectSubnets({ subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS })
          .subnetIds,
        securityGroups: [this.securityGroup.securityGroupId],
        storageInfo: { ebsStorageInfo: { volumeSize: props.size.volumeGb } },
      },
      clientAuthentication: {
        sasl: { iam: { enabled: true }, scram: { enabled: false } },
        unauthenticated: { enabled: false },
      },
      encryptionInfo: {
        encryptionAtRest: { dataVolumeKmsKeyId: props.key.keyArn },
        encryptionInTransit: { clientBroker: 'TLS', inCluster: true },
      },
      loggingInfo: {
        brokerLogs: { cloudWatchLogs: { enabled: true, logGroup: brokerLogs.logGroupName } },
      },
      enhancedMonitoring: 'PER_BROKER',
    });
  }

  get clusterArn(): string {
    return this.cluster.attrArn;
  }

  allowFrom(peer: ec2.IPeer, description: string): void {
    this.securityGroup.addIngressRule(peer, ec2.Port.tcp(KAFKA_IAM_PORT), description);
  }

  /**
   * ARNs of the data plane (kafka-cluster:*): topics and groups are named under the cluster's
   * name and id, arn:…:topic/<cluster name>/<cluster id>/<topic>.
   */
  dataArn(kind: 'topic' | 'group', name: string): string {
    return kafkaDataArn(Stack.of(this), this.name, this.clusterUuid, kind, name);
  }

  /** The cluster ARN ends in cluster/<name>/<uuid>; the uuid is known only after creation. */
  get clusterUuid(): string {
    return Fn.select(2, Fn.split('/', this.clusterArn));
  }
}

export function kafkaDataArn(
  stack: Stack,
  clusterName: string,
  clusterUuid: string,
  kind: 'topic' | 'group',
  name: string,
): string {
  return `arn:${stack.partition}:kafka:${stack.region}:${stack.account}:${kind}/${clusterName}/${clusterUuid}/${name}`;
}
