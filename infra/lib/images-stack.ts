// Design 2: the image pipeline. The upload web app and the image API on their own auto-scaling
// groups, API Gateway in front of the API, one CloudFront site in front of both (so the browser's
// session cookie is first-party), the encrypted 7-day bucket, MSK and its consumer, the metadata
// database and the BI login QuickSight will use.
import { CfnOutput, Duration, Fn, Stack, type StackProps } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { companyNetworks, type TesseraConfig, webDomain } from './config.ts';
import { API_STAGE, ApiFrontDoor } from './constructs/api-front-door.ts';
import { ImageStore } from './constructs/image-store.ts';
import { KafkaCluster } from './constructs/kafka-cluster.ts';
import { LoadBalancedSite } from './constructs/load-balanced-site.ts';
import { PostgresDatabase } from './constructs/postgres-database.ts';
import { RedisCache } from './constructs/redis-cache.ts';
import { ServiceFleet } from './constructs/service-fleet.ts';
import { WebDistribution, webOriginHeader } from './constructs/web-distribution.ts';
import type { FoundationStack } from './foundation-stack.ts';
import { suppress } from './nag.ts';

export type ImagesStackProps = StackProps & { config: TesseraConfig; foundation: FoundationStack };

/** Ports of the processes, as README.md and src/platform/config.ts give them. */
export const PORTS = { imageApi: 8081, gateway: 8082, web: 8083, stream: 8084 } as const;
export const STREAM_GROUP = 'tessera-stream-ingest';

export type ImagesExports = {
  bucketArn: string;
  keyArn: string;
  clusterArn: string;
  clusterUuid: string;
};

export class ImagesStack extends Stack {
  readonly store: ImageStore;
  readonly database: PostgresDatabase;
  readonly kafka: KafkaCluster;
  readonly redis: RedisCache;
  readonly web: LoadBalancedSite;
  readonly front: ApiFrontDoor;
  readonly site: WebDistribution;
  readonly webFleet: ServiceFleet;
  readonly apiFleet: ServiceFleet;
  readonly streamFleet: ServiceFleet;
  readonly biLogin: secretsmanager.Secret;
  private readonly alarmTopic: sns.ITopic;

  constructor(scope: Construct, id: string, props: ImagesStackProps) {
    super(scope, id, props);
    const { config, foundation } = props;
    const vpc = foundation.vpc;
    this.alarmTopic = foundation.alarmTopic;

    const originHeader = webOriginHeader(this);
    // The certificate and name settings belong to CloudFront now; the ALB is its HTTP origin.
    this.web = new LoadBalancedSite(this, 'WebApp', {
      vpc,
      internetFacing: true,
      allowedCidrs: ['0.0.0.0/0'],
      certificateArn: undefined,
      accessLogs: foundation.accessLogs,
      accessLogPrefix: 'web-alb',
      requiredHeader: originHeader,
    });
    suppress(this.web, [
      {
        id: 'AwsSolutions-EC23',
        reason:
          'CloudFront reaches the load balancer from its edge addresses, so port 80 is open; the listener forwards only requests carrying CloudFront’s secret origin header (403 otherwise), WAF guards it, and the instances accept the load balancer only.',
      },
    ]);
    this.front = new ApiFrontDoor(this, 'Api', {
      vpc,
      limits: config.api,
      logRetentionDays: config.logRetentionDays,
    });
    this.front.webAcl.associate('WebApp', this.web.loadBalancer.loadBalancerArn);
    this.site = new WebDistribution(this, 'Site', {
      loadBalancer: this.web.loadBalancer,
      originHeader,
      api: this.front.api,
      apiStage: API_STAGE,
      accessLogs: foundation.accessLogs,
      accessLogPrefix: 'web-cloudfront/',
      domain: webDomain(config),
    });
    this.store = new ImageStore(this, 'ImageStore', {
      retentionDays: config.imageRetentionDays,
      browserOrigins: this.site.origins,
      accessLogs: foundation.accessLogs,
    });
    this.database = new PostgresDatabase(this, 'MetadataDb', {
      vpc,
      name: 'tessera-images',
      size: config.databases.images,
      logRetentionDays: config.logRetentionDays,
    });
    this.kafka = new KafkaCluster(this, 'Stream', {
      vpc,
      name: 'tessera-images',
      size: config.kafka,
      key: new kms.Key(this, 'StreamKey', {
        description: 'Encrypts the Tessera MSK broker volumes',
        enableKeyRotation: true,
      }),
      logRetentionDays: config.logRetentionDays,
    });
    // Every gateway counts a principal's requests in the same place, whichever instance it reaches.
    this.redis = new RedisCache(this, 'RateLimits', {
      vpc,
      name: 'tessera-images',
      size: config.redis,
    });
    const gatewaySecret = new secretsmanager.Secret(this, 'GatewaySecret', {
      description: 'Signs the principal that `tessera serve gateway` passes to the image API',
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
    });
    this.biLogin = new secretsmanager.Secret(this, 'BiLogin', {
      secretName: 'tessera-images/bi-login',
      description:
        'The read-only analytics login for QuickSight: put here what `tessera analytics sql-login` prints',
      generateSecretString: {
        secretStringTemplate: JSON.stringify({ username: 'quicksight' }),
        generateStringKey: 'password',
        excludePunctuation: true,
      },
    });
    suppress(gatewaySecret, [
      {
        id: 'AwsSolutions-SMG4',
        reason:
          'Rotating the signing secret needs the gateway and the image API to restart together; it is a documented step (put a new value, refresh the instances).',
      },
    ]);
    suppress(this.biLogin, [
      {
        id: 'AwsSolutions-SMG4',
        reason:
          'The password is set by `tessera analytics sql-login`, not by Secrets Manager; rotating it is the documented re-run of that command.',
      },
    ]);

    const storage = {
      STORAGE: 's3',
      S3_BUCKET: this.store.bucket.bucketName,
      S3_REGION: this.region,
      S3_KMS_KEY_ID: this.store.key.keyArn,
      IMAGE_RETENTION: `${config.imageRetentionDays}d`,
    };
    const common = {
      vpc,
      release: config.release,
      logRetentionDays: config.logRetentionDays,
      notifications: foundation.alarmTopic,
    };

    this.webFleet = new ServiceFleet(this, 'WebFleet', {
      ...common,
      size: config.fleets.web,
      processes: [{ service: 'web', port: PORTS.web, healthPath: '/' }],
      // The page and the API share the site's origin: the session cookie is first-party.
      environment: {
        WEB_HOST: '0.0.0.0',
        WEB_PORT: `${PORTS.web}`,
        GATEWAY_URL: this.site.origin,
      },
      secrets: [],
      migrate: false,
      loadBalanced: true,
    });
    this.web.routeTo(this.webFleet.group, PORTS.web, { path: '/', codes: '200' });

    this.apiFleet = new ServiceFleet(this, 'ImageApiFleet', {
      ...common,
      size: config.fleets.imageApi,
      processes: [
        { service: 'image-api', port: PORTS.imageApi, healthPath: '/health' },
        { service: 'gateway', port: PORTS.gateway, healthPath: '/healthz' },
      ],
      environment: {
        ...storage,
        // API Gateway carries at most 10 MB: larger images go to S3 by presigned POST.
        IMAGE_DIRECT_UPLOADS: 'true',
        IMAGE_API_HOST: '127.0.0.1',
        IMAGE_API_PORT: `${PORTS.imageApi}`,
        IMAGE_API_URL: `http://127.0.0.1:${PORTS.imageApi}`,
        GATEWAY_HOST: '0.0.0.0',
        GATEWAY_PORT: `${PORTS.gateway}`,
        GATEWAY_BODY_LIMIT_MB: '10',
        GATEWAY_CORS_ORIGINS: this.site.origins.join(','),
        // API Gateway and the NLB sit in the VPC; their X-Forwarded-For names the caller.
        TRUST_PROXY: config.vpcCidr,
      },
      secrets: [
        { variable: 'DATABASE_URL', kind: 'database-url', secret: this.database.secret },
        { variable: 'GATEWAY_SECRET', kind: 'secret-string', secret: gatewaySecret },
        {
          variable: 'REDIS_URL',
          kind: 'redis-url',
          secret: this.redis.authToken,
          host: this.redis.host,
          port: this.redis.port,
        },
      ],
      migrate: true,
      // The NLB routes by readiness (/readyz: the database and the image API answer). Replacing
      // instances on it would recycle the whole fleet whenever the database fails over; a process
      // that dies is restarted by systemd, an instance that fails EC2's checks is replaced.
      loadBalanced: false,
    });
    this.store.grantReadWrite(this.apiFleet.role);
    this.front.routeTo(this.apiFleet.group, this.apiFleet.securityGroup, PORTS.gateway);
    this.database.allowFrom(this.apiFleet.securityGroup, 'image API and gateway');
    this.redis.allowFrom(this.apiFleet.securityGroup, 'the gateways (shared rate limits)');

    this.streamFleet = new ServiceFleet(this, 'StreamIngestFleet', {
      ...common,
      size: config.fleets.streamIngest,
      processes: [{ service: 'stream-ingest', port: PORTS.stream, healthPath: '/health' }],
      environment: {
        ...storage,
        KAFKA_AUTH: 'aws-iam',
        KAFKA_SSL: 'true',
        STREAM_TOPIC: config.kafka.topic,
        STREAM_GROUP,
        STREAM_PORT: `${PORTS.stream}`,
      },
      secrets: [
        { variable: 'DATABASE_URL', kind: 'database-url', secret: this.database.secret },
        { variable: 'KAFKA_BROKERS', kind: 'kafka-brokers', clusterArn: this.kafka.clusterArn },
      ],
      migrate: true,
      loadBalanced: false,
    });
    this.store.grantReadWrite(this.streamFleet.role);
    this.grantConsume(this.streamFleet.role, config.kafka.topic);
    this.kafka.allowFrom(this.streamFleet.securityGroup, 'stream-ingest consumers');
    this.database.allowFrom(this.streamFleet.securityGroup, 'stream-ingest consumers');
    for (const cidr of companyNetworks(config)) {
      this.kafka.allowFrom(ec2.Peer.ipv4(cidr), `engineers from ${cidr}`);
    }

    this.addAlarms();
    this.addOutputs();
  }

  /** The consumer reads its topic, writes refusals to <topic>.dlq and commits its group's offsets. */
  private grantConsume(role: iam.IRole, topic: string): void {
    const kafka = this.kafka;
    const grants: [string[], string[]][] = [
      [['kafka-cluster:Connect', 'kafka-cluster:DescribeCluster'], [kafka.clusterArn]],
      [['kafka-cluster:DescribeTopic', 'kafka-cluster:ReadData'], [kafka.dataArn('topic', topic)]],
      [
        ['kafka-cluster:DescribeTopic', 'kafka-cluster:WriteData'],
        [kafka.dataArn('topic', `${topic}.dlq`)],
      ],
      [
        ['kafka-cluster:DescribeGroup', 'kafka-cluster:AlterGroup'],
        [kafka.dataArn('group', STREAM_GROUP)],
      ],
    ];
    for (const [actionNames, resources] of grants) {
      role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: actionNames, resources }));
    }
  }

  private addAlarms(): void {
    const notify = new actions.SnsAction(this.alarmTopic);
    const alarms = [
      new cloudwatch.Alarm(this, 'Api5xx', {
        alarmDescription: 'API Gateway answers 5xx: the gateway or image API is failing',
        metric: this.front.api.metricServerError({ period: Duration.minutes(5) }),
        threshold: 10,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
      new cloudwatch.Alarm(this, 'MetadataDbStorage', {
        alarmDescription: 'The metadata database has less than 5 GB free',
        metric: this.database.instance.metricFreeStorageSpace({ period: Duration.minutes(15) }),
        threshold: 5 * 1024 ** 3,
        comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
        evaluationPeriods: 1,
      }),
    ];
    for (const alarm of alarms) alarm.addAlarmAction(notify);
  }

  /**
   * Values the Access stack names in its policies, exported under fixed names so that its
   * grants (and their cdk-nag findings) read the same on every synthesis.
   */
  exportsForAccess(): ImagesExports {
    const exported = {
      bucketArn: this.store.bucket.bucketArn,
      keyArn: this.store.key.keyArn,
      clusterArn: this.kafka.clusterArn,
      clusterUuid: this.kafka.clusterUuid,
    };
    const imports: Record<string, string> = {};
    for (const [key, value] of Object.entries(exported)) {
      const exportName = `${this.stackName}-${key}`;
      if (!this.node.tryFindChild(`Export${key}`)) {
        new CfnOutput(this, `Export${key}`, { value, exportName });
      }
      imports[key] = Fn.importValue(exportName);
    }
    return imports as ImagesExports;
  }

  private addOutputs(): void {
    new CfnOutput(this, 'WebAppUrl', { value: this.site.origin });
    new CfnOutput(this, 'DistributionDomainName', {
      value: this.site.distribution.distributionDomainName,
    });
    new CfnOutput(this, 'ApiUrl', { value: this.front.url });
    new CfnOutput(this, 'ImagesBucket', { value: this.store.bucket.bucketName });
    new CfnOutput(this, 'KafkaClusterArn', { value: this.kafka.clusterArn });
    new CfnOutput(this, 'MetadataDbEndpoint', {
      value: this.database.instance.dbInstanceEndpointAddress,
    });
    new CfnOutput(this, 'BiLoginSecretArn', { value: this.biLogin.secretArn });
  }
}
