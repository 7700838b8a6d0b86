// Every setting of the deployment, with the defaults that `npm run synth` uses when no context
// is given. docs/deploy-aws.md lists them; context (`-c key=value` or cdk.json) overrides them.

export type FleetSize = { instanceType: string; min: number; max: number };

export type DatabaseSize = {
  instanceType: string;
  allocatedGb: number;
  maxAllocatedGb: number;
  multiAz: boolean;
  backupDays: number;
};

export type TesseraConfig = {
  account: string;
  region: string;
  /** Named explicitly so that synthesis never asks AWS which zones exist. */
  availabilityZones: string[];
  vpcCidr: string;
  natGateways: number;
  /** Public addresses the company's people call AWS from: the IAM groups' aws:SourceIp. */
  sourceCidrs: string[];
  /** Office networks routed into the VPC (site-to-site VPN or Direct Connect). */
  officeCidrs: string[];
  /** The client VPN's address pool, routed into the VPC. */
  vpnCidrs: string[];
  /** The release tarball (see docs/deploy-aws.md) in a bucket that exists before deploying. */
  release: { bucketName: string; key: string };
  fleets: { web: FleetSize; imageApi: FleetSize; streamIngest: FleetSize; portal: FleetSize };
  databases: { images: DatabaseSize; commerce: DatabaseSize };
  kafka: { instanceType: string; brokers: number; volumeGb: number; topic: string };
  /** The gateways' shared rate-limit counters: a primary and a replica of this node type. */
  redis: { nodeType: string };
  api: { rateLimit: number; burstLimit: number; wafRequestsPer5MinPerIp: number };
  imageRetentionDays: number;
  logRetentionDays: number;
  /** Optional: alarms and scaling events are mailed here as well as published to SNS. */
  alarmEmail: string | undefined;
  /**
   * Optional, with webDomainName: the ACM certificate CloudFront presents for that name. CloudFront
   * takes certificates from us-east-1 only, whatever the region of the stacks.
   */
  webCertificateArn: string | undefined;
  /**
   * Optional, with webCertificateArn: the site's own name (a record you point at the CloudFront
   * distribution). Without both, the site is https://<id>.cloudfront.net.
   */
  webDomainName: string | undefined;
  /** Optional ACM certificate (in the stacks' region) for the internal portal; HTTP without it. */
  portalCertificateArn: string | undefined;
  /** Optional: a QuickSight user or group ARN that may use (and share) the data source. */
  quickSightPrincipalArn: string | undefined;
};

export const DUMMY_ACCOUNT = '111111111111';
export const DEFAULT_REGION = 'eu-west-1';

/** The defaults; documented in docs/deploy-aws.md, keep the two in step. */
export function defaultConfig(account = DUMMY_ACCOUNT, region = DEFAULT_REGION): TesseraConfig {
  return {
    account,
    region,
    availabilityZones: [`${region}a`, `${region}b`],
    vpcCidr: '10.40.0.0/16',
    natGateways: 1,
    sourceCidrs: ['203.0.113.0/24'],
    officeCidrs: ['10.100.0.0/16'],
    vpnCidrs: ['10.200.0.0/22'],
    release: { bucketName: `tessera-releases-${account}-${region}`, key: 'releases/tessera.tgz' },
    fleets: {
      web: { instanceType: 't3.small', min: 2, max: 4 },
      imageApi: { instanceType: 't3.large', min: 2, max: 6 },
      streamIngest: { instanceType: 't3.medium', min: 1, max: 3 },
      // Every portal sets the authenticator's password from one secret (PORTAL_AUTHENTICATOR_PASSWORD).
      portal: { instanceType: 't3.small', min: 2, max: 3 },
    },
    databases: {
      images: {
        instanceType: 't4g.medium',
        allocatedGb: 50,
        maxAllocatedGb: 500,
        multiAz: true,
        backupDays: 14,
      },
      commerce: {
        instanceType: 't4g.small',
        allocatedGb: 20,
        maxAllocatedGb: 200,
        multiAz: true,
        backupDays: 14,
      },
    },
    kafka: { instanceType: 'kafka.t3.small', brokers: 2, volumeGb: 100, topic: 'images' },
    redis: { nodeType: 'cache.t4g.micro' },
    api: { rateLimit: 100, burstLimit: 200, wafRequestsPer5MinPerIp: 2000 },
    imageRetentionDays: 7,
    logRetentionDays: 90,
    alarmEmail: undefined,
    webCertificateArn: undefined,
    webDomainName: undefined,
    portalCertificateArn: undefined,
    quickSightPrincipalArn: undefined,
  };
}

type Context = { tryGetContext(key: string): unknown };

/**
 * The defaults, overridden by context: `account` and `region` (or the CLI's CDK_DEFAULT_*),
 * `release` (the tarball's S3 key, the usual thing to change), and `tessera`, a JSON object
 * deep-merged over the rest (in cdk.json, or `-c tessera='{"sourceCidrs":["…"]}'`).
 */
export function configFromContext(context: Context, env = process.env): TesseraConfig {
  const account = stringContext(context, 'account') ?? env.CDK_DEFAULT_ACCOUNT ?? DUMMY_ACCOUNT;
  const region = stringContext(context, 'region') ?? env.CDK_DEFAULT_REGION ?? DEFAULT_REGION;
  const merged = deepMerge(defaultConfig(account, region), objectContext(context, 'tessera'));
  const release = stringContext(context, 'release');
  return release ? { ...merged, release: { ...merged.release, key: release } } : merged;
}

function stringContext(context: Context, key: string): string | undefined {
  const value = context.tryGetContext(key);
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function objectContext(context: Context, key: string): Record<string, unknown> {
  const value = context.tryGetContext(key);
  const parsed: unknown = typeof value === 'string' ? JSON.parse(value) : value;
  if (parsed === undefined) return {};
  if (!isPlainObject(parsed)) throw new Error(`context "${key}" must be a JSON object`);
  return parsed;
}

/** Objects merge key by key; arrays and scalars replace. Unknown keys are refused. */
export function deepMerge<T>(base: T, override: Record<string, unknown>, at = ''): T {
  const result: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [key, value] of Object.entries(override)) {
    if (!(key in result)) throw new Error(`unknown setting "${at}${key}"`);
    const current = result[key];
    result[key] =
      isPlainObject(current) && isPlainObject(value)
        ? deepMerge(current, value, `${at}${key}.`)
        : value;
  }
  return result as T;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Portal and commerce database: reachable from these networks only (Design 1). */
export function companyNetworks(config: TesseraConfig): string[] {
  return [...config.officeCidrs, ...config.vpnCidrs];
}

/** The site's own name needs its certificate (in us-east-1, for CloudFront) and vice versa. */
export function webDomain(
  config: TesseraConfig,
): { name: string; certificateArn: string } | undefined {
  const { webDomainName: name, webCertificateArn: certificateArn } = config;
  if (!name && !certificateArn) return undefined;
  if (!name || !certificateArn) {
    throw new Error(
      'webDomainName and webCertificateArn go together: the name CloudFront answers to and its ACM certificate in us-east-1',
    );
  }
  return { name, certificateArn };
}
