// One or more tests for each sentence of the seed's Design 2 (../shared/seed/system-design.md);
// each test's name quotes the sentence it proves.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Match } from 'aws-cdk-lib/assertions';
import {
  actionsOf,
  config,
  logicalIdOf,
  type Statement,
  statementsOf,
  tessera,
  userDataOf,
} from './fixture.ts';

const { templates, stacks } = tessera();
const imagesStack = stacks.images;
const images = templates.images;
const access = templates.access;
const analytics = templates.analytics;
const GROUPS = ['Engineers', 'Analysts', 'AnalystAuthors'];

describe('Design 2', () => {
  test('"Given a company whose main business is in processing images, the below system architecture diagram to depict the flow of its data pipeline." — every box of the diagram is deployed', () => {
    const types = new Set(
      Object.values(images.toJSON().Resources).map((r) => (r as { Type: string }).Type),
    );
    for (const box of [
      'AWS::AutoScaling::AutoScalingGroup', // web app, image API, stream ingest
      'AWS::ApiGateway::RestApi',
      'AWS::S3::Bucket',
      'AWS::MSK::Cluster',
      'AWS::RDS::DBInstance',
    ]) {
      assert.ok(types.has(box), `${box} is missing`);
    }
    images.resourceCountIs('AWS::AutoScaling::AutoScalingGroup', 3);
    analytics.resourceCountIs('AWS::QuickSight::DataSource', 1);
    access.resourceCountIs('AWS::IAM::Group', 3);
  });

  test('"This design is based on system hosted in AWS cloud." — every stack synthesizes for one account and region, without look-ups', () => {
    const { app, stacks } = tessera();
    const assembly = app.synth();
    assert.deepEqual(assembly.stacks.map((s) => s.stackName).sort(), [
      'Tessera-Access',
      'Tessera-Analytics',
      'Tessera-Commerce',
      'Tessera-Foundation',
      'Tessera-Images',
    ]);
    for (const stack of Object.values(stacks)) {
      assert.equal(stack.account, config.account);
      assert.equal(stack.region, config.region);
    }
    const missing = assembly.manifest.missing ?? [];
    assert.deepEqual(missing, [], 'a context look-up would need AWS credentials at synthesis');
    templates.foundation.hasResourceProperties('AWS::EC2::Subnet', {
      AvailabilityZone: `${config.region}a`,
    });
  });

  describe('"The web application which allows users to upload images is hosted on an auto-scaling EC2 cluster."', () => {
    test('the web app runs `tessera serve web` on its own auto-scaling group behind an internet-facing load balancer', () => {
      const group = logicalIdOf(imagesStack.webFleet.group);
      images.hasResource('AWS::AutoScaling::AutoScalingGroup', {
        Properties: Match.objectLike({
          MinSize: `${config.fleets.web.min}`,
          MaxSize: `${config.fleets.web.max}`,
          HealthCheckType: 'ELB',
          TargetGroupARNs: Match.anyValue(),
        }),
        UpdatePolicy: Match.objectLike({ AutoScalingRollingUpdate: Match.anyValue() }),
        CreationPolicy: Match.objectLike({ ResourceSignal: Match.anyValue() }),
      });
      assert.ok(group);
      images.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
        Scheme: 'internet-facing',
        Type: 'application',
      });
      images.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
        Port: 8083,
        Protocol: 'HTTP',
      });
      const userData = userDataOf(images, imagesStack.webFleet);
      assert.match(userData, /src\/cli\.ts serve web --port 8083/);
      // The browser reaches the gateway on the same CloudFront site as the page (one-site.test.ts).
      const site = logicalIdOf(imagesStack.site.distribution);
      assert.ok(
        userData.includes(`GATEWAY_URL='https://\${{"Fn::GetAtt":["${site}","DomainName"]}}'`),
      );
    });

    test('the web app scales on CPU', () => {
      images.hasResourceProperties('AWS::AutoScaling::ScalingPolicy', {
        AutoScalingGroupName: { Ref: logicalIdOf(imagesStack.webFleet.group) },
        PolicyType: 'TargetTrackingScaling',
      });
    });
  });

  describe('"The API to upload images is hosted on another auto-scaling EC2 cluster which is fronted by an API gateway for additional security and monitoring."', () => {
    test('the image API and its gateway process run on a second auto-scaling group', () => {
      const userData = userDataOf(images, imagesStack.apiFleet);
      assert.match(userData, /src\/cli\.ts serve image-api --port 8081/);
      assert.match(userData, /src\/cli\.ts serve gateway --port 8082/);
      assert.notEqual(
        logicalIdOf(imagesStack.apiFleet.group),
        logicalIdOf(imagesStack.webFleet.group),
      );
    });

    test('API Gateway reaches the fleet privately, through a VPC link to an internal network load balancer', () => {
      images.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
        Type: 'network',
        Scheme: 'internal',
      });
      images.resourceCountIs('AWS::ApiGateway::VpcLink', 1);
      images.hasResourceProperties('AWS::ApiGateway::Method', {
        HttpMethod: 'ANY',
        Integration: Match.objectLike({ Type: 'HTTP_PROXY', ConnectionType: 'VPC_LINK' }),
      });
      images.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
        Port: 8082,
        Protocol: 'TCP',
        HealthCheckPath: '/readyz',
      });
    });

    test('security: a WAF web ACL with a per-address rate rule guards the API stage (and the web app)', () => {
      images.hasResourceProperties('AWS::WAFv2::WebACL', {
        Scope: 'REGIONAL',
        Rules: Match.arrayWith([
          Match.objectLike({
            Action: { Block: {} },
            Statement: {
              RateBasedStatement: {
                Limit: config.api.wafRequestsPer5MinPerIp,
                AggregateKeyType: 'IP',
              },
            },
          }),
        ]),
      });
      images.resourceCountIs('AWS::WAFv2::WebACLAssociation', 2);
      images.hasResourceProperties('AWS::WAFv2::WebACLAssociation', {
        ResourceArn: {
          'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp(':apigateway:.*/restapis/')])],
        },
      });
    });

    test('security and monitoring: the stage throttles, writes JSON access logs, and traces with X-Ray', () => {
      images.hasResourceProperties('AWS::ApiGateway::Stage', {
        TracingEnabled: true,
        AccessLogSetting: {
          DestinationArn: Match.anyValue(),
          Format: Match.stringLikeRegexp('requestId'),
        },
        MethodSettings: Match.arrayWith([
          Match.objectLike({
            ThrottlingRateLimit: config.api.rateLimit,
            ThrottlingBurstLimit: config.api.burstLimit,
            MetricsEnabled: true,
          }),
        ]),
      });
    });

    test('in the cloud, large images bypass the 10 MB API Gateway limit by presigned POST to S3', () => {
      const userData = userDataOf(images, imagesStack.apiFleet);
      for (const setting of [
        "IMAGE_DIRECT_UPLOADS='true'",
        "STORAGE='s3'",
        "GATEWAY_BODY_LIMIT_MB='10'",
      ]) {
        assert.ok(userData.includes(setting), setting);
      }
      assert.match(userData, /S3_BUCKET='\$\{\{"Ref":"ImageStoreBucket/);
      assert.match(userData, /S3_KMS_KEY_ID='\$\{\{"Fn::GetAtt":\["ImageStoreKey/);
      images.hasResourceProperties('AWS::S3::Bucket', {
        CorsConfiguration: {
          CorsRules: [
            Match.objectLike({ AllowedMethods: ['POST'], AllowedOrigins: [Match.anyValue()] }),
          ],
        },
      });
      images.hasResourceProperties('AWS::ApiGateway::RestApi', { BinaryMediaTypes: ['*/*'] });
    });
  });

  test('"The gateway can also acts a single entry point for other future APIs." — every path and method goes to the gateway process, which routes by prefix', () => {
    images.hasResourceProperties('AWS::ApiGateway::Resource', { PathPart: '{proxy+}' });
    images.hasResourceProperties('AWS::ApiGateway::Method', {
      HttpMethod: 'ANY',
      Integration: Match.objectLike({
        Uri: Match.objectLike({ 'Fn::Join': Match.arrayWith([Match.arrayWith(['/{proxy}'])]) }),
      }),
    });
    images.hasResourceProperties('AWS::ApiGateway::RestApi', {
      EndpointConfiguration: { Types: ['REGIONAL'] },
    });
  });

  describe('"The images are then stored in S3 buckets, which are configured to be encrypted at rest, and has a lifecycle policy that deletes the files older than 7 days."', () => {
    test('encrypted at rest with a customer-managed KMS key that rotates', () => {
      const key = logicalIdOf(imagesStack.store.key);
      images.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
      images.hasResourceProperties('AWS::S3::Bucket', {
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [
            {
              ServerSideEncryptionByDefault: {
                SSEAlgorithm: 'aws:kms',
                KMSMasterKeyID: { 'Fn::GetAtt': [key, 'Arn'] },
              },
              BucketKeyEnabled: true,
            },
          ],
        },
      });
    });

    test('a lifecycle rule deletes objects after 7 days and incomplete multipart uploads after 1', () => {
      images.hasResourceProperties('AWS::S3::Bucket', {
        LifecycleConfiguration: {
          Rules: [
            Match.objectLike({
              Status: 'Enabled',
              ExpirationInDays: 7,
              AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
            }),
          ],
        },
      });
    });

    test('no public access, and TLS required by bucket policy', () => {
      const bucket = logicalIdOf(imagesStack.store.bucket);
      images.hasResourceProperties('AWS::S3::Bucket', {
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
      });
      images.hasResourceProperties('AWS::S3::BucketPolicy', {
        Bucket: { Ref: bucket },
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Deny',
              Action: 's3:*',
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            }),
          ]),
        },
      });
    });

    test('the image API may read and write its bucket and use its key; the web app has no S3 rights', () => {
      const apiRole = logicalIdOf(imagesStack.apiFleet.role);
      const apiActions = actionsOf(statementsOf(images, apiRole, 'Roles'));
      for (const action of [
        's3:GetObject',
        's3:PutObject',
        's3:DeleteObject',
        'kms:Decrypt',
        'kms:GenerateDataKey',
      ]) {
        assert.ok(apiActions.includes(action), action);
      }
      const webRole = logicalIdOf(imagesStack.webFleet.role);
      const webActions = actionsOf(statementsOf(images, webRole, 'Roles'));
      assert.deepEqual(
        webActions.filter((a) => a.startsWith('s3:') && a !== 's3:GetObject'),
        [],
      );
      // Its only S3 read is the release tarball, named exactly.
      const webS3 = statementsOf(images, webRole, 'Roles').filter((s) =>
        actionsOf([s]).includes('s3:GetObject'),
      );
      assert.equal(webS3.length, 1);
      assert.match(
        JSON.stringify(webS3[0]?.Resource),
        /acme-releases\/tessera\/tessera-1\.2\.3\.tgz/,
      );
      assert.ok(!webActions.some((a) => a.startsWith('kms:')));
    });
  });

  test('"The company\'s engineers and analysts will access the AWS resources via IAM accounts with configured policies that only give them permission to relevant resources." — engineers, analysts who read and analysts who author, and no grant on *', () => {
    for (const group of GROUPS) {
      access.hasResourceProperties('AWS::IAM::Group', { GroupName: group });
    }
    for (const group of GROUPS) {
      const statements = groupStatements(group);
      assert.ok(statements.length > 0);
      for (const statement of statements) {
        assert.equal(statement.Effect, 'Allow');
        assert.notEqual(statement.Resource, '*', `${group} ${statement.Sid} is granted on *`);
        assert.ok(
          !actionsOf([statement]).some((a) => a.endsWith(':*')),
          `${group} ${statement.Sid} has a service-wide action`,
        );
      }
    }
  });

  describe('"The engineers will have access to manage the Kafka stream to upload images to the same S3 cloud environment."', () => {
    test('MSK takes IAM authentication only, TLS in transit and between brokers, encrypted at rest', () => {
      images.hasResourceProperties('AWS::MSK::Cluster', {
        ClientAuthentication: {
          Sasl: { Iam: { Enabled: true }, Scram: { Enabled: false } },
          Unauthenticated: { Enabled: false },
        },
        EncryptionInfo: {
          EncryptionAtRest: { DataVolumeKMSKeyId: Match.anyValue() },
          EncryptionInTransit: { ClientBroker: 'TLS', InCluster: true },
        },
        LoggingInfo: {
          BrokerLogs: { CloudWatchLogs: { Enabled: true, LogGroup: Match.anyValue() } },
        },
      });
    });

    test('engineers manage and use that cluster and its topics, by ARN', () => {
      const statements = groupStatements('Engineers');
      const kafka = statements.filter((s) => actionsOf([s]).some((a) => a.startsWith('kafka')));
      const actions = actionsOf(kafka);
      for (const action of [
        'kafka:DescribeCluster',
        'kafka:GetBootstrapBrokers',
        'kafka-cluster:Connect',
        'kafka-cluster:CreateTopic',
        'kafka-cluster:WriteData',
        'kafka-cluster:ReadData',
        'kafka-cluster:DescribeGroup',
      ]) {
        assert.ok(actions.includes(action), action);
      }
      for (const statement of kafka) {
        assert.match(JSON.stringify(statement.Resource), /Tessera-Images-cluster(Arn|Uuid)/);
      }
    });

    test('engineers put claim-check objects into incoming/ of the same bucket the stream consumer reads', () => {
      const put = groupStatements('Engineers').find((s) => actionsOf([s]).includes('s3:PutObject'));
      assert.ok(put);
      assert.match(JSON.stringify(put.Resource), /Tessera-Images-bucketArn.*\/incoming\/\*/);
      const userData = userDataOf(images, imagesStack.streamFleet);
      assert.match(userData, /src\/cli\.ts serve stream-ingest --port 8084/);
      assert.ok(userData.includes("KAFKA_AUTH='aws-iam'"));
      assert.match(userData, /S3_BUCKET='\$\{\{"Ref":"ImageStoreBucket/);
      assert.match(
        userData,
        /aws kafka get-bootstrap-brokers .* --query BootstrapBrokerStringSaslIam/,
      );
    });

    test('the consumer reads its topic, writes its dead letters, and commits its own group, nothing more', () => {
      const role = logicalIdOf(imagesStack.streamFleet.role);
      const kafka = statementsOf(images, role, 'Roles').filter((s) =>
        actionsOf([s]).some((a) => a.startsWith('kafka-cluster:')),
      );
      const resources = kafka.map((s) => JSON.stringify(s.Resource)).join(' ');
      assert.match(resources, /:topic\/tessera-images\/.*\/images"/);
      assert.match(resources, /:topic\/tessera-images\/.*\/images\.dlq"/);
      assert.match(resources, /:group\/tessera-images\/.*\/tessera-stream-ingest"/);
      assert.ok(!resources.includes('*'));
    });
  });

  describe('"The analysts will access to AWS QuickSight BI tools to perform analysis on the images and its metadata."', () => {
    test('QuickSight reads the metadata database through a VPC connection, as the BI login kept in Secrets Manager', () => {
      analytics.hasResourceProperties('AWS::QuickSight::VPCConnection', {
        SubnetIds: Match.anyValue(),
        SecurityGroupIds: Match.anyValue(),
        RoleArn: Match.anyValue(),
      });
      analytics.hasResourceProperties('AWS::QuickSight::DataSource', {
        Type: 'POSTGRESQL',
        DataSourceId: 'tessera-analytics',
        DataSourceParameters: {
          PostgreSqlParameters: { Database: 'tessera', Port: 5432, Host: Match.anyValue() },
        },
        Credentials: {
          SecretArn: Match.objectLike({ 'Fn::ImportValue': Match.stringLikeRegexp('BiLogin') }),
        },
        VpcConnectionProperties: { VpcConnectionArn: Match.anyValue() },
        SslProperties: { DisableSsl: false },
      });
      images.hasResourceProperties('AWS::SecretsManager::Secret', {
        Name: 'tessera-images/bi-login',
      });
    });

    test('the metadata database is encrypted, private, backed up, and its credentials are in Secrets Manager', () => {
      images.hasResourceProperties('AWS::RDS::DBInstance', {
        DBInstanceIdentifier: 'tessera-images',
        Engine: 'postgres',
        StorageEncrypted: true,
        PubliclyAccessible: false,
        BackupRetentionPeriod: config.databases.images.backupDays,
        DeletionProtection: true,
        MultiAZ: true,
        MasterUserPassword: Match.objectLike({
          'Fn::Join': Match.arrayWith([
            Match.arrayWith([Match.stringLikeRegexp('resolve:secretsmanager')]),
          ]),
        }),
        DBSubnetGroupName: Match.anyValue(),
      });
      const subnetGroup = Object.values(images.findResources('AWS::RDS::DBSubnetGroup'))[0];
      assert.match(JSON.stringify(subnetGroup?.Properties.SubnetIds), /isolatedSubnet/);
    });

    for (const group of ['Analysts', 'AnalystAuthors']) {
      test(`${group} may use QuickSight and the analytics data source, and read the images; nothing else`, () => {
        const actions = actionsOf(groupStatements(group));
        assert.ok(actions.includes('quicksight:CreateUser'));
        assert.ok(actions.includes('quicksight:PassDataSource'));
        assert.deepEqual(actions.filter((a) => !a.startsWith('quicksight:')).sort(), [
          'kms:Decrypt',
          's3:GetObject',
          's3:ListBucket',
        ]);
        const dataSource = groupStatements(group).find(
          (s) => s.Sid === 'UseTheAnalyticsDataSource',
        );
        assert.match(JSON.stringify(dataSource?.Resource), /:datasource\/tessera-analytics/);
      });
    }

    test('QuickSight may reach the metadata database only on 5432, from its own security group', () => {
      analytics.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
        IpProtocol: 'tcp',
        FromPort: 5432,
        ToPort: 5432,
        SourceSecurityGroupId: Match.anyValue(),
      });
    });
  });

  describe('"These access can be further restricted by IP addresses."', () => {
    for (const group of GROUPS) {
      test(`${group}: every grant needs a session signed with MFA, and comes from the configured CIDRs`, () => {
        for (const statement of groupStatements(group)) {
          assert.equal(
            statement.Condition?.Bool?.['aws:MultiFactorAuthPresent'],
            'true',
            statement.Sid,
          );
          const viaS3 = statement.Condition?.StringEquals?.['kms:ViaService'];
          if (viaS3) {
            // KMS is called by S3 from S3's address; the S3 request itself carried the source check.
            assert.equal(viaS3, `s3.${config.region}.amazonaws.com`);
          } else {
            assert.deepEqual(
              statement.Condition?.IpAddress?.['aws:SourceIp'],
              config.sourceCidrs,
              statement.Sid,
            );
          }
        }
      });
    }
  });
});

function groupStatements(name: string): Statement[] {
  const groups = {
    Engineers: stacks.access.engineers,
    Analysts: stacks.access.analysts,
    AnalystAuthors: stacks.access.analystAuthors,
  };
  const group = groups[name as keyof typeof groups];
  if (!group) throw new Error(`no group ${name}`);
  return statementsOf(access, logicalIdOf(group), 'Groups');
}
