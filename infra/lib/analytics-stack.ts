// Design 2's analysts: QuickSight reads the metadata database's read-only `analytics` schema
// through a VPC connection, signed in as the BI login (`tessera analytics sql-login`), whose
// password QuickSight takes from Secrets Manager. Deployed last: the login must exist first.
// On it: a SPICE dataset per analytics view, the starter analysis and dashboard, the two analyst
// groups they are shared with, and QuickSight's own IP restriction to the analysts' addresses.
import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as quicksight from 'aws-cdk-lib/aws-quicksight';
import * as cr from 'aws-cdk-lib/custom-resources';
import type { Construct } from 'constructs';
import { QUICKSIGHT_DATA_SOURCE_ID, QUICKSIGHT_GROUPS } from './access-stack.ts';
import type { TesseraConfig } from './config.ts';
import { POSTGRES_PORT } from './constructs/postgres-database.ts';
import type { FoundationStack } from './foundation-stack.ts';
import type { ImagesStack } from './images-stack.ts';
import { suppress } from './nag.ts';
import { AnalystGroups } from './quicksight/analyst-groups.ts';
import { AnalyticsDatasets } from './quicksight/analytics-datasets.ts';
import { QuickSightIpRestriction } from './quicksight/ip-restriction.ts';
import { starterDefinition } from './quicksight/starter-dashboard.ts';

/** The starter analysis's and dashboard's id. */
export const STARTER_ID = 'tessera-images';

export type AnalyticsStackProps = StackProps & {
  config: TesseraConfig;
  foundation: FoundationStack;
  images: ImagesStack;
};

export class AnalyticsStack extends Stack {
  readonly vpcConnection: quicksight.CfnVPCConnection;
  readonly dataSource: quicksight.CfnDataSource;
  readonly securityGroup: ec2.SecurityGroup;
  readonly groups: AnalystGroups;
  readonly datasets: AnalyticsDatasets;
  readonly analysis: quicksight.CfnAnalysis;
  readonly dashboard: quicksight.CfnDashboard;
  readonly ipRestriction: QuickSightIpRestriction;

  constructor(scope: Construct, id: string, props: AnalyticsStackProps) {
    super(scope, id, props);
    const { config, foundation, images } = props;
    this.groups = new AnalystGroups(this, 'AnalystGroups', { names: QUICKSIGHT_GROUPS });
    const share = sharing(config.quickSightPrincipalArn, this.groups.arns);
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
      permissions: share.dataSource,
    });
    new CfnOutput(this, 'DataSourceArn', { value: this.dataSource.attrArn });

    this.datasets = new AnalyticsDatasets(this, 'Datasets', {
      dataSourceArn: this.dataSource.attrArn,
      siteOrigin: images.site.origin,
      permissions: share.datasets,
    });
    [this.analysis, this.dashboard] = this.buildStarter(share);
    // QuickSight refuses a permission for a group that does not exist yet.
    for (const group of this.groups.resources) {
      for (const asset of [this.dataSource, this.datasets, this.analysis, this.dashboard]) {
        asset.node.addDependency(group);
      }
    }
    this.ipRestriction = new QuickSightIpRestriction(this, 'IpRestriction', {
      cidrs: config.sourceCidrs,
    });
    this.acknowledgeCustomResourceFunction();
    new CfnOutput(this, 'DashboardUrl', {
      value: `https://${this.region}.quicksight.aws.amazon.com/sn/dashboards/${STARTER_ID}`,
    });
  }

  /** The starter analysis and dashboard, one definition, over every dataset. */
  private buildStarter(
    share: ReturnType<typeof sharing>,
  ): [quicksight.CfnAnalysis, quicksight.CfnDashboard] {
    const datasets = Object.values(this.datasets.datasets);
    const definition = starterDefinition(
      Object.fromEntries(
        Object.entries(this.datasets.datasets).map(([view, dataset]) => [view, dataset.attrArn]),
      ),
    );
    const analysis = new quicksight.CfnAnalysis(this, 'StarterAnalysis', {
      awsAccountId: this.account,
      analysisId: STARTER_ID,
      name: 'Tessera images (starter)',
      definition,
      permissions: share.analysis,
    });
    const dashboard = new quicksight.CfnDashboard(this, 'StarterDashboard', {
      awsAccountId: this.account,
      dashboardId: STARTER_ID,
      name: 'Tessera images',
      definition,
      versionDescription: 'Defined in infra/lib/quicksight/starter-dashboard.ts',
      dashboardPublishOptions: {
        adHocFilteringOption: { availabilityStatus: 'ENABLED' },
        exportToCsvOption: { availabilityStatus: 'ENABLED' },
        sheetControlsOption: { visibilityState: 'EXPANDED' },
      },
      permissions: share.dashboard,
    });
    for (const dataset of datasets) {
      analysis.addResourceDependency(dataset);
      dashboard.addResourceDependency(dataset);
    }
    return [analysis, dashboard];
  }

  /** The one Lambda function behind every AwsCustomResource of this stack. */
  private acknowledgeCustomResourceFunction(): void {
    const provider = this.node.findChild(
      `AWS${cr.AwsCustomResource.PROVIDER_FUNCTION_UUID.replaceAll('-', '')}`,
    );
    suppress(provider, [
      {
        id: 'AwsSolutions-IAM4',
        reason:
          'AWSLambdaBasicExecutionRole is the AWS-maintained minimum for the custom-resource function to write its own logs; its QuickSight rights are the separate, scoped policies of each custom resource.',
        findings: [
          'Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole',
        ],
      },
    ]);
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

type Permission = { principal: string; actions: string[] };

/** QuickSight's own action sets for a viewer and an owner of each kind of asset. */
const ACTIONS = {
  dataSourceUser: [
    'quicksight:DescribeDataSource',
    'quicksight:DescribeDataSourcePermissions',
    'quicksight:PassDataSource',
  ],
  datasetUser: [
    'quicksight:DescribeDataSet',
    'quicksight:DescribeDataSetPermissions',
    'quicksight:PassDataSet',
    'quicksight:DescribeIngestion',
    'quicksight:ListIngestions',
  ],
  datasetOwner: [
    'quicksight:DescribeDataSet',
    'quicksight:DescribeDataSetPermissions',
    'quicksight:PassDataSet',
    'quicksight:DescribeIngestion',
    'quicksight:ListIngestions',
    'quicksight:UpdateDataSet',
    'quicksight:DeleteDataSet',
    'quicksight:CreateIngestion',
    'quicksight:CancelIngestion',
    'quicksight:UpdateDataSetPermissions',
  ],
  analysisOwner: [
    'quicksight:DescribeAnalysis',
    'quicksight:QueryAnalysis',
    'quicksight:UpdateAnalysis',
    'quicksight:DeleteAnalysis',
    'quicksight:RestoreAnalysis',
    'quicksight:DescribeAnalysisPermissions',
    'quicksight:UpdateAnalysisPermissions',
  ],
  dashboardViewer: [
    'quicksight:DescribeDashboard',
    'quicksight:ListDashboardVersions',
    'quicksight:QueryDashboard',
  ],
  dashboardOwner: [
    'quicksight:DescribeDashboard',
    'quicksight:ListDashboardVersions',
    'quicksight:QueryDashboard',
    'quicksight:UpdateDashboard',
    'quicksight:DeleteDashboard',
    'quicksight:UpdateDashboardPermissions',
    'quicksight:DescribeDashboardPermissions',
    'quicksight:UpdateDashboardPublishedVersion',
  ],
} as const;

/**
 * Who may do what: authors use the data source and datasets and co-own the starter analysis (an
 * analysis has no viewer level; a deploy puts it back as the code says, so authors save a copy);
 * readers and authors view the dashboard; the configured administrator, if any, owns them all.
 */
function sharing(admin: string | undefined, groups: { authors: string; readers: string }) {
  const grant = (principal: string, actions: readonly string[]): Permission => ({
    principal,
    actions: [...actions],
  });
  const owner = (actions: readonly string[]) => (admin ? [grant(admin, actions)] : []);
  return {
    dataSource: [...owner(ACTIONS.dataSourceUser), grant(groups.authors, ACTIONS.dataSourceUser)],
    datasets: [...owner(ACTIONS.datasetOwner), grant(groups.authors, ACTIONS.datasetUser)],
    analysis: [...owner(ACTIONS.analysisOwner), grant(groups.authors, ACTIONS.analysisOwner)],
    dashboard: [
      ...owner(ACTIONS.dashboardOwner),
      grant(groups.authors, ACTIONS.dashboardViewer),
      grant(groups.readers, ACTIONS.dashboardViewer),
    ],
  };
}
