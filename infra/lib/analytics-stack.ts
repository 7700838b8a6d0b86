// Design 2's analysts: QuickSight reads the metadata database's read-only `analytics` schema
// through a VPC connection, signed in as the BI login (`tessera analytics sql-login`), whose
// password QuickSight takes from Secrets Manager. Deployed last: the login must exist first.
import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as quicksight from 'aws-cdk-lib/aws-quicksight';
import type { Construct } from 'constructs';
import { QUICKSIGHT_DATA_SOURCE_ID } from './access-stack.ts';
import type { TesseraConfig } from './config.ts';
import { POSTGRES_PORT } from './constructs/postgres-database.ts';
import type { FoundationStack } from './foundation-stack.ts';
import type { ImagesStack } from './images-stack.ts';
import { suppress } from './nag.ts';

export type AnalyticsStackProps = StackProps & {
  config: TesseraConfig;
  foundation: FoundationStack;
  images: ImagesStack;
};

export class AnalyticsStack extends Stack {
  readonly vpcConnection: quicksight.CfnVPCConnection;
  readonly dataSource: quicksight.CfnDataSource;
  readonly securityGroup: ec2.SecurityGroup;

  constructor(scope: Construct, id: string, props: AnalyticsStackProps) {
    super(scope, id, props);
    const { foundation, images } = props;
    this.securityGroup = this.buildSecurityGroup(props);
    this.vpcConnection = new quicksight.CfnVPCConnection(this, 'VpcConnection', {
      awsAccountId: this.account,
      vpcConnectionId: 'tessera',
      name: 'Tessera VPC',
      roleArn: this.buildVpcConnectionRole().roleArn,
      subnetIds: foundation.vpc.selectSubnets({ subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS })
        .subnetIds,
      securityGroupIds: [this.securityGroup.securityGroupId],
    });
    this.dataSource = new quicksight.CfnDataSource(this, 'DataSource', {
      awsAccountId: this.account,
      dataSourceId: QUICKSIGHT_DATA_SOURCE_ID,
      name: 'Tessera image analytics (schema analytics)',
      type: 'POSTGRESQL',
      dataSourceParameters: {
        postgreSqlParameters: {
          host: images.database.instance.dbInstanceEndpointAddress,
          port: POSTGRES_PORT,
          database: 'tessera',
        },
      },
      credentials: { secretArn: images.biLogin.secretArn },
      vpcConnectionProperties: { vpcConnectionArn: this.vpcConnection.attrArn },
      sslProperties: { disableSsl: false },
      permissions: props.config.quickSightPrincipalArn
        ? [
            {
              principal: props.config.quickSightPrincipalArn,
              actions: [
                'quicksight:DescribeDataSource',
                'quicksight:DescribeDataSourcePermissions',
                'quicksight:PassDataSource',
              ],
            },
          ]
        : undefined,
    });
    new CfnOutput(this, 'DataSourceArn', { value: this.dataSource.attrArn });
  }

  /**
   * QuickSight's network interfaces are not stateful: replies from PostgreSQL need an inbound
   * rule of their own (AWS's QuickSight VPC guide), hence all TCP from the database's group.
   */
  private buildSecurityGroup(props: AnalyticsStackProps): ec2.SecurityGroup {
    const database = props.images.database;
    const group = new ec2.SecurityGroup(this, 'QuickSightSecurityGroup', {
      vpc: props.foundation.vpc,
      description: 'QuickSight VPC connection: to the metadata database only',
      allowAllOutbound: false,
    });
    group.addEgressRule(
      database.securityGroup,
      ec2.Port.tcp(POSTGRES_PORT),
      'to the metadata database',
    );
    group.addIngressRule(
      database.securityGroup,
      ec2.Port.allTcp(),
      'replies from the metadata database',
    );
    // Kept in this stack, so the Images stack does not depend on the one deployed after it.
    new ec2.CfnSecurityGroupIngress(this, 'DatabaseFromQuickSight', {
      groupId: database.securityGroup.securityGroupId,
      sourceSecurityGroupId: group.securityGroupId,
      ipProtocol: 'tcp',
      fromPort: POSTGRES_PORT,
      toPort: POSTGRES_PORT,
      description: 'QuickSight (BI login, analytics schema)',
    });
    return group;
  }

  /** QuickSight assumes this role to place its network interfaces in the VPC. */
  private buildVpcConnectionRole(): iam.Role {
    const role = new iam.Role(this, 'VpcConnectionRole', {
      assumedBy: new iam.ServicePrincipal('quicksight.amazonaws.com'),
      description: 'QuickSight: manage the network interfaces of the Tessera VPC connection',
    });
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: [
          'ec2:CreateNetworkInterface',
          'ec2:ModifyNetworkInterfaceAttribute',
          'ec2:DeleteNetworkInterface',
          'ec2:DescribeSubnets',
          'ec2:DescribeSecurityGroups',
        ],
        resources: ['*'],
      }),
    );
    suppress(role, [
      {
        id: 'AwsSolutions-IAM5',
        reason:
          'These are the actions AWS documents for a QuickSight VPC connection role; the Describe actions and CreateNetworkInterface on a not-yet-existing interface take no narrower resource.',
        findings: ['Resource::*'],
      },
    ]);
    return role;
  }
}
