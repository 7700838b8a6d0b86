// Who in the company may touch the AWS resources (Design 2: "IAM accounts with configured policies
// that only give them permission to relevant resources", "further restricted by IP addresses").
// Three groups: engineers, and analysts as QuickSight authors (who create analyses) or readers;
// every grant names its resources, needs an MFA-signed session and comes from the configured
// source networks. Add people with `aws iam add-user-to-group`.
import { Stack, type StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { CommerceStack } from './commerce-stack.ts';
import type { TesseraConfig } from './config.ts';
import { kafkaDataArn } from './constructs/kafka-cluster.ts';
import type { ImagesExports, ImagesStack } from './images-stack.ts';
import { suppress } from './nag.ts';

export type AccessStackProps = StackProps & {
  config: TesseraConfig;
  images: ImagesStack;
  commerce: CommerceStack;
};

/** The data source the Analytics stack creates, named here to avoid a circular reference. */
export const QUICKSIGHT_DATA_SOURCE_ID = 'tessera-analytics';

/** The QuickSight groups (namespace default) the Analytics stack creates and shares with. */
export const QUICKSIGHT_GROUPS = {
  authors: 'tessera-analyst-authors',
  readers: 'tessera-analyst-readers',
} as const;

/** A QuickSight user's role, as its CreateUser condition key quicksight:UserRole names it. */
type AnalystRole = 'AUTHOR' | 'READER';

export class AccessStack extends Stack {
  readonly engineers: iam.Group;
  /** QuickSight readers (the group kept its name, so its members stay). */
  readonly analysts: iam.Group;
  /** QuickSight authors: may create datasets, analyses and dashboards. */
  readonly analystAuthors: iam.Group;

  constructor(scope: Construct, id: string, props: AccessStackProps) {
    super(scope, id, props);
    const { images } = props;
    const imported = images.exportsForAccess();
    const conditions = accessConditions(props.config.sourceCidrs);
    this.engineers = new iam.Group(this, 'Engineers', { groupName: 'Engineers' });
    this.analysts = new iam.Group(this, 'Analysts', { groupName: 'Analysts' });
    this.analystAuthors = new iam.Group(this, 'AnalystAuthors', { groupName: 'AnalystAuthors' });
    for (const statement of engineerStatements(props, imported, this)) {
      this.engineers.addToPolicy(withConditions(statement, conditions));
    }
    for (const [group, role] of [
      [this.analysts, 'READER'],
      [this.analystAuthors, 'AUTHOR'],
    ] as const) {
      for (const statement of analystStatements(imported, this, role)) {
        group.addToPolicy(withConditions(statement, conditions));
      }
    }
    suppress(this.engineers, [
      {
        id: 'AwsSolutions-IAM5',
        reason:
          'Engineers manage every topic and consumer group of this one cluster (topic and group names are theirs to choose), read every object of the images bucket, and write claim checks under incoming/ only.',
        findings: [
          `Resource::arn:<AWS::Partition>:kafka:${this.region}:${this.account}:topic/${images.kafka.name}/${images.stackName}-clusterUuid/*`,
          `Resource::arn:<AWS::Partition>:kafka:${this.region}:${this.account}:group/${images.kafka.name}/${images.stackName}-clusterUuid/*`,
          `Resource::${images.stackName}-bucketArn/*`,
          `Resource::${images.stackName}-bucketArn/incoming/*`,
        ],
      },
    ]);
    for (const group of [this.analysts, this.analystAuthors]) {
      suppress(group, [
        {
          id: 'AwsSolutions-IAM5',
          reason:
            'Analysts read every image of this one bucket (Design 2: analysis on the images); nothing else.',
          findings: [`Resource::${images.stackName}-bucketArn/*`],
        },
      ]);
    }
  }
}

export type AccessConditions = Record<string, Record<string, unknown>>;

/** Only from the company's addresses, only with MFA. */
export function accessConditions(sourceCidrs: string[]): AccessConditions {
  return {
    IpAddress: { 'aws:SourceIp': sourceCidrs },
    Bool: { 'aws:MultiFactorAuthPresent': 'true' },
  };
}

/**
 * KMS is called by S3 on the person's behalf, from S3's address: for the key, "only through S3"
 * replaces the source address (which S3 already checked), and MFA still applies.
 */
function withConditions(
  statement: iam.PolicyStatement,
  conditions: AccessConditions,
): iam.PolicyStatement {
  const viaService = statement.conditions.StringEquals as Record<string, unknown> | undefined;
  if (viaService?.['kms:ViaService']) {
    statement.addCondition('Bool', conditions.Bool);
  } else {
    for (const [operator, value] of Object.entries(conditions))
      statement.addCondition(operator, value);
  }
  return statement;
}

function engineerStatements(
  props: AccessStackProps,
  imported: ImagesExports,
  stack: Stack,
): iam.PolicyStatement[] {
  const { images, commerce } = props;
  const dataArn = (kind: 'topic' | 'group') =>
    kafkaDataArn(stack, images.kafka.name, imported.clusterUuid, kind, '*');
  const logGroups: logs.ILogGroup[] = [
    images.webFleet.logGroup,
    images.apiFleet.logGroup,
    images.streamFleet.logGroup,
    images.front.accessLogGroup,
    commerce.portalFleet.logGroup,
  ];
  return [
    statement(
      'ManageTheCluster',
      [
        'kafka:DescribeCluster',
        'kafka:DescribeClusterV2',
        'kafka:GetBootstrapBrokers',
        'kafka:ListNodes',
        'kafka:ListClusterOperations',
        'kafka:ListClusterOperationsV2',
        'kafka:RebootBroker',
        'kafka:UpdateBrokerStorage',
        'kafka:UpdateMonitoring',
      ],
      [imported.clusterArn],
    ),
    statement(
      'ConnectToTheCluster',
      [
        'kafka-cluster:Connect',
        'kafka-cluster:DescribeCluster',
        'kafka-cluster:DescribeClusterDynamicConfiguration',
      ],
      [imported.clusterArn],
    ),
    statement(
      'ManageAndUseTopics',
      [
        'kafka-cluster:CreateTopic',
        'kafka-cluster:DescribeTopic',
        'kafka-cluster:DescribeTopicDynamicConfiguration',
        'kafka-cluster:AlterTopic',
        'kafka-cluster:AlterTopicDynamicConfiguration',
        'kafka-cluster:ReadData',
        'kafka-cluster:WriteData',
      ],
      [dataArn('topic')],
    ),
    statement(
      'InspectAndResetGroups',
      ['kafka-cluster:DescribeGroup', 'kafka-cluster:AlterGroup'],
      [dataArn('group')],
    ),
    statement('ListTheBucket', ['s3:ListBucket'], [imported.bucketArn]),
    statement('ReadImages', ['s3:GetObject'], [`${imported.bucketArn}/*`]),
    // Large stream records travel as claim checks: the object goes to incoming/stream/<uuid> first.
    statement('WriteClaimChecks', ['s3:PutObject'], [`${imported.bucketArn}/incoming/*`]),
    keyThroughS3(imported, stack.region, ['kms:Decrypt', 'kms:GenerateDataKey']),
    statement(
      'ReadLogs',
      ['logs:DescribeLogStreams', 'logs:GetLogEvents', 'logs:FilterLogEvents', 'logs:StartQuery'],
      logGroups.map((group) => group.logGroupArn),
    ),
  ];
}

function analystStatements(
  imported: ImagesExports,
  stack: Stack,
  role: AnalystRole,
): iam.PolicyStatement[] {
  const arn = (resource: string, region = stack.region) =>
    `arn:${stack.partition}:quicksight:${region}:${stack.account}:${resource}`;
  const group = role === 'AUTHOR' ? QUICKSIGHT_GROUPS.authors : QUICKSIGHT_GROUPS.readers;
  const ownUser = arn(`user/\${aws:userid}`, '');
  return [
    // Sign in to QuickSight (first sign-in provisions the user) in this group's role, bound to
    // one's own IAM identity. CreateReader is the reader's own action; CreateUser serves both
    // roles, so the role is a condition.
    ...(role === 'READER'
      ? [statement('BecomeQuickSightReader', ['quicksight:CreateReader'], [ownUser])]
      : []),
    new iam.PolicyStatement({
      sid: role === 'AUTHOR' ? 'BecomeQuickSightAuthor' : 'BecomeQuickSightUserAsReader',
      actions: ['quicksight:CreateUser'],
      resources: [ownUser],
      conditions: { StringEquals: { 'quicksight:UserRole': role } },
    }),
    // Join the QuickSight group the starter dashboard (and, for authors, the datasets) is shared
    // with: one's own user only (an IAM user's QuickSight user name is the IAM user name).
    new iam.PolicyStatement({
      sid: 'JoinTheQuickSightGroup',
      actions: ['quicksight:CreateGroupMembership'],
      resources: [arn(`group/default/${group}`)],
      conditions: { StringEquals: { 'quicksight:UserName': `\${aws:username}` } },
    }),
    statement(
      'UseTheAnalyticsDataSource',
      [
        'quicksight:DescribeDataSource',
        'quicksight:DescribeDataSourcePermissions',
        'quicksight:PassDataSource',
      ],
      [arn(`datasource/${QUICKSIGHT_DATA_SOURCE_ID}`)],
    ),
    statement('ListTheBucket', ['s3:ListBucket'], [imported.bucketArn]),
    statement('ReadImages', ['s3:GetObject'], [`${imported.bucketArn}/*`]),
    keyThroughS3(imported, stack.region, ['kms:Decrypt']),
  ];
}

function statement(sid: string, actions: string[], resources: string[]): iam.PolicyStatement {
  return new iam.PolicyStatement({ sid, actions, resources });
}

function keyThroughS3(
  imported: ImagesExports,
  region: string,
  actions: string[],
): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: 'UseTheImagesKeyThroughS3',
    actions,
    resources: [imported.keyArn],
    conditions: { StringEquals: { 'kms:ViaService': `s3.${region}.amazonaws.com` } },
  });
}
