import path from 'node:path';
import { z } from 'zod';
import { parseResizePresets, type ResizePreset } from '../images/resize-presets.ts';
import { parseCidrList } from './cidr.ts';
import { formatDuration, parseDuration } from './duration.ts';

const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** A parser that throws, as a zod transform that reports its message. */
const parsedBy = <T>(parse: (value: string) => T) =>
  z.string().transform((value, context) => {
    try {
      return parse(value);
    } catch (error) {
      context.addIssue({ code: 'custom', message: (error as Error).message });
      return z.NEVER;
    }
  });

const cidrList = parsedBy(parseCidrList);
const duration = parsedBy(parseDuration);
const resizePresets = parsedBy(parseResizePresets);

const flag = z
  .enum(['true', 'false', '1', '0'])
  .transform((value) => value === 'true' || value === '1');

const port = z.coerce.number().int().min(1).max(65535);
const count = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
/** Connections a service keeps to PostgreSQL, per instance. */
const poolSize = count(1, 200);

const postgresUrl = z
  .string()
  .url()
  .refine(
    (value) => /^postgres(ql)?:\/\//.test(value),
    'must start with postgres:// or postgresql://',
  );

/** Instances of one service: http(s) base URLs split on `separator`, each checked, none twice. */
const urlList = (separator: string) =>
  z
    .string()
    .default('')
    .transform((value, context) => {
      const urls = splitUrls(value, separator);
      for (const message of urlProblems(urls)) context.addIssue({ code: 'custom', message });
      return urls;
    });

// Every environment variable Tessera reads, validated in one place, in one section per service.
// Each says what it does (`describe`), and defaults are written as a person would set them
// (`prefault` parses '7d' as if it were given): docs/configuration.md is made from these, and
// `tessera config --variables` prints them.

const everyService = {
  DATABASE_URL: postgresUrl
    .optional()
    .describe(
      'A PostgreSQL server (15 or later) to use; its role owns the schemas and creates roles. Unset: an embedded server in the data directory.',
    ),
  TESSERA_DATA_DIR: z
    .string()
    .min(1)
    .default('data')
    .describe(
      'Where this machine keeps its files: the embedded database, generated secrets, the fs store.',
    ),
  EMBEDDED_PG_PORT: z.coerce
    .number()
    .int()
    .min(1024)
    .max(65535)
    .default(54329)
    .describe("The embedded server's port on 127.0.0.1."),
  LOG_LEVEL: z
    .enum(logLevels)
    .optional()
    .describe(
      'fatal … trace, or silent; logs are JSON lines on stderr. Unset: info for servers, warn for one-shot commands.',
    ),
  TRUST_PROXY: cidrList
    .prefault('')
    .describe(
      'Proxies (CIDRs) in front of the portal and the gateway whose X-Forwarded-For is believed.',
    ),
};

const portal = {
  PORTAL_HOST: z
    .string()
    .min(1)
    .default('127.0.0.1')
    .describe('The address the portal listens on.'),
  PORTAL_PORT: port.default(8080).describe("The portal's port."),
  PORTAL_ALLOW_CIDRS: cidrList
    .prefault('127.0.0.1/32,::1/128')
    .describe('Networks the portal answers; requests from elsewhere get 403 before anything else.'),
  PORTAL_DATABASE_URL: postgresUrl
    .optional()
    .describe(
      "The authenticator's own URL (role commerce_portal with its password), set up beforehand. Unset: the portal sets the authenticator's password itself at start, as DATABASE_URL's role.",
    ),
  PORTAL_AUTHENTICATOR_PASSWORD: z
    .string()
    .min(24, 'must be at least 24 characters')
    .optional()
    .describe(
      "The authenticator's password, the same for every portal of a fleet: each sets it at start (without PORTAL_DATABASE_URL). Unset: one kept in the data directory, so portals on other machines would lock each other out.",
    ),
  PORTAL_POOL_SIZE: poolSize.default(10).describe("The portal's connections as the authenticator."),
  PORTAL_SESSION_LIFETIME: duration
    .prefault('12h')
    .describe('A portal session ends this long after sign-in.'),
  PORTAL_SESSION_IDLE: duration.prefault('30m').describe('…or after this long without a request.'),
  PORTAL_SESSION_CACHE_TTL: duration
    .prefault('10s')
    .describe(
      'How long a portal trusts a session it has read without asking PostgreSQL again (a sign-out or a disabled person reaches every portal at once regardless).',
    ),
  PORTAL_SESSION_CACHE_SIZE: count(0, 10_000_000)
    .default(10_000)
    .describe('Sessions kept per portal; 0 turns the cache off.'),
  PORTAL_SIGNIN_LOCK_AFTER: count(1, 100)
    .default(5)
    .describe('Failed sign-ins in a row before a login is locked.'),
  PORTAL_SIGNIN_FIRST_LOCK: duration
    .prefault('60s')
    .describe('The first lock; each further failure doubles it.'),
  PORTAL_SIGNIN_MAX_LOCK: duration.prefault('15m').describe('The longest lock.'),
};

const images = {
  STORAGE: z
    .enum(['fs', 's3'])
    .default('fs')
    .describe('Where image bytes go: fs (encrypted files) or s3 (SSE-KMS or SSE-S3).'),
  STORAGE_DIR: z
    .string()
    .min(1)
    .optional()
    .describe(
      'The fs store\'s directory; every instance must mount the same one. Unset: "objects" in the data directory.',
    ),
  STORAGE_MASTER_KEYS: z
    .string()
    .min(1)
    .optional()
    .describe(
      "The fs store's master keys, id:base64 pairs, the first the current. Unset: kept in the data directory.",
    ),
  S3_BUCKET: z.string().min(3).optional().describe('The bucket (needed with STORAGE=s3).'),
  S3_REGION: z.string().min(1).default('us-east-1').describe("The bucket's region."),
  S3_ENDPOINT: z.string().url().optional().describe('Another S3 endpoint (MinIO, s3rver).'),
  S3_FORCE_PATH_STYLE: flag
    .prefault('false')
    .describe('Path-style bucket addressing, for endpoints without virtual hosts.'),
  S3_KMS_KEY_ID: z.string().min(1).optional().describe('The KMS key for SSE-KMS. Unset: SSE-S3.'),
  IMAGE_RETENTION: duration.prefault('7d').describe('How long an image lives.'),
  ANALYTICS_RETENTION: duration
    .prefault('400d')
    .describe(
      "How long an image's history and refusals stay for analytics (at least IMAGE_RETENTION).",
    ),
  IMAGE_MAX_MB: count(1, 1024)
    .default(50)
    .describe(
      'The largest image file accepted, in MB (through the gateway, GATEWAY_BODY_LIMIT_MB bounds it too; larger ones go by direct upload).',
    ),
  IMAGE_MAX_PIXELS: count(1, 1_000_000_000)
    .default(50_000_000)
    .describe('The most pixels in one frame, read from the header before decoding.'),
  IMAGE_MAX_DIMENSION: count(1, 65_535)
    .default(16_384)
    .describe('The largest width or height accepted.'),
  IMAGE_RESIZE_PRESETS: resizePresets
    .prefault('w320,w640,w1280,w2048')
    .describe('The only widths made on request, each in webp, avif and jpeg.'),
  GATEWAY_SECRET: z
    .string()
    .min(32, 'must be at least 32 characters')
    .optional()
    .describe(
      "The secret each upstream's key for the signed principal header is derived from; the same on every gateway, image API and stream consumer. Unset: generated in the data directory.",
    ),
};

const imageApi = {
  IMAGE_API_HOST: z
    .string()
    .min(1)
    .default('127.0.0.1')
    .describe('The address the image API listens on.'),
  IMAGE_API_PORT: port.default(8081).describe("The image API's port."),
  IMAGE_API_POOL_SIZE: poolSize.default(10).describe("The image API's database connections."),
  IMAGE_DIRECT_UPLOADS: flag
    .prefault('false')
    .describe('Uploads straight to the bucket by presigned POST (needs STORAGE=s3).'),
  IMAGE_DIRECT_UPLOAD_EXPIRY: duration
    .prefault('15m')
    .describe('How long a presigned POST is valid.'),
  IMAGE_SWEEP_EVERY: duration
    .prefault('10m')
    .describe(
      'How often each image API tries to sweep (expire images, purge history, abandon uploads); one instance sweeps at a time.',
    ),
  NEAR_DUPLICATE_BUDGET: duration
    .prefault('10s')
    .describe("A near-duplicate search's time limit; one that outlasts it is stopped (503)."),
  NEAR_DUPLICATE_JOBS: count(1, 64)
    .default(2)
    .describe('Near-duplicate searches at once per image API; more are refused (503).'),
};

const gateway = {
  GATEWAY_HOST: z
    .string()
    .min(1)
    .default('127.0.0.1')
    .describe('The address the gateway listens on.'),
  GATEWAY_PORT: port.default(8082).describe("The gateway's port."),
  GATEWAY_POOL_SIZE: poolSize.default(10).describe("The gateway's database connections."),
  IMAGE_API_URL: urlList(',').describe(
    "The image API's instances, comma-separated, taken in turn. Unset: the image API started beside it.",
  ),
  GATEWAY_UPSTREAMS: z
    .string()
    .default('')
    .describe(
      'More APIs behind the gateway: /api/<name>=<url> pairs, comma-separated; instances of one joined by |.',
    ),
  GATEWAY_RATE_LIMIT: z.coerce
    .number()
    .int()
    .min(1)
    .default(600)
    .describe('Requests a minute per principal (per address without one).'),
  GATEWAY_BODY_LIMIT_MB: z.coerce
    .number()
    .int()
    .min(1)
    .max(1024)
    .default(55)
    .describe('The largest request body, in MB.'),
  GATEWAY_TIMEOUT: duration.prefault('60s').describe('How long an upstream may take to answer.'),
  GATEWAY_CORS_ORIGINS: z
    .string()
    .default('http://127.0.0.1:8083,http://localhost:8083')
    .describe("Origins allowed to call from a browser (the upload web app's), comma-separated."),
  GATEWAY_SESSION_LIFETIME: duration
    .prefault('12h')
    .describe('A web app session ends this long after sign-in.'),
  GATEWAY_SESSION_IDLE: duration.prefault('2h').describe('…or after this long without a request.'),
  GATEWAY_SIGNIN_LOCK_AFTER: count(1, 100)
    .default(5)
    .describe('Failed sign-ins in a row before an account is locked.'),
  GATEWAY_SIGNIN_FIRST_LOCK: duration
    .prefault('60s')
    .describe('The first lock; each further failure doubles it.'),
  GATEWAY_SIGNIN_MAX_LOCK: duration.prefault('15m').describe('The longest lock.'),
  GATEWAY_KEY_CACHE_TTL: duration
    .prefault('30s')
    .describe(
      'How long a verified API key is trusted without asking PostgreSQL (revocations reach every gateway at once regardless).',
    ),
  GATEWAY_KEY_CACHE_SIZE: count(0, 10_000_000)
    .default(10_000)
    .describe('Verified API keys kept per gateway; 0 turns the cache off.'),
  GATEWAY_UPSTREAM_DOWN_FOR: duration
    .prefault('5s')
    .describe('How long an upstream instance that failed is passed over.'),
  GATEWAY_HEALTH_CHECK_EVERY: duration
    .prefault('2s')
    .describe("How often each upstream instance's /readyz is checked."),
  REDIS_URL: z
    .string()
    .url()
    .refine((v) => /^rediss?:\/\//.test(v), 'must start with redis:// or rediss://')
    .optional()
    .describe(
      'Rate-limit counters shared by every gateway (rediss:// for TLS). Unset: counted per gateway.',
    ),
};

const stream = {
  KAFKA_BROKERS: z
    .string()
    .min(1)
    .optional()
    .describe('host:port,… of the Kafka cluster. Unset: stream ingestion is off.'),
  KAFKA_SSL: flag.prefault('false').describe('TLS to the brokers (always with aws-iam).'),
  KAFKA_AUTH: z
    .enum(['none', 'scram-sha-256', 'scram-sha-512', 'aws-iam'])
    .default('none')
    .describe('How the consumer signs in to the brokers.'),
  KAFKA_USERNAME: z.string().min(1).optional().describe('For KAFKA_AUTH=scram-*.'),
  KAFKA_PASSWORD: z.string().min(1).optional().describe('For KAFKA_AUTH=scram-*.'),
  AWS_REGION: z.string().min(1).optional().describe('For KAFKA_AUTH=aws-iam (MSK).'),
  STREAM_TOPIC: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,200}$/, 'is not a Kafka topic name')
    .default('images')
    .describe('The topic images arrive on; failures go to <topic>.dlq.'),
  STREAM_GROUP: z
    .string()
    .min(1)
    .default('tessera-stream-ingest')
    .describe("The consumer group: the consumers in it share the topic's partitions."),
  STREAM_HOST: z
    .string()
    .min(1)
    .default('127.0.0.1')
    .describe('The address the consumer answers /health, /ready and /metrics on.'),
  STREAM_PORT: port.default(8084).describe('…and its port.'),
  STREAM_POOL_SIZE: poolSize.default(6).describe("The consumer's database connections."),
  STREAM_CONCURRENCY: count(1, 64)
    .default(2)
    .describe('Partitions processed at once by one consumer.'),
  STREAM_INLINE_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(900 * 1024)
    .describe('Images up to this size travel inside the record; larger ones by claim check.'),
  STREAM_MAX_ATTEMPTS: count(1, 100)
    .default(3)
    .describe(
      'Tries of a record that keeps failing (not for want of a dependency) before it is dead-lettered.',
    ),
};

const sqlWorkspace = {
  SQL_STATEMENT_TIMEOUT: duration
    .prefault('30s')
    .describe("A query workspace statement's time limit (the portal's and the analysts')."),
  SQL_ROW_LIMIT: count(1, 1_000_000)
    .default(10_000)
    .describe('Rows a workspace answer shows at most (CSV downloads are not capped).'),
  SQL_IDLE_TIMEOUT: duration
    .prefault('15m')
    .describe("A workspace's connections, logged in as the person, close after this long unused."),
};

const web = {
  WEB_HOST: z
    .string()
    .min(1)
    .default('127.0.0.1')
    .describe('The address the upload web app listens on.'),
  WEB_PORT: port.default(8083).describe("The upload web app's port."),
  GATEWAY_URL: z
    .string()
    .url()
    .optional()
    .describe('The gateway as browsers reach it. Unset: the gateway started beside it.'),
};

/** The variables by section, for docs/configuration.md and `tessera config --variables`. */
export const variables = {
  'Every service': everyService,
  Portal: portal,
  'Images (image API, stream ingestion and the CLI)': images,
  'Image API': imageApi,
  Gateway: gateway,
  'Stream ingestion': stream,
  'Upload web app': web,
  'Query workspace (portal and image API)': sqlWorkspace,
} as const;

const environment = z
  .object({
    ...everyService,
    ...portal,
    ...images,
    ...imageApi,
    ...gateway,
    ...stream,
    ...web,
    ...sqlWorkspace,
  })
  .superRefine((e, context) => {
    const problem = (path: string, message: string) =>
      context.addIssue({ code: 'custom', path: [path], message });
    if (e.ANALYTICS_RETENTION < e.IMAGE_RETENTION)
      problem(
        'ANALYTICS_RETENTION',
        'must be at least IMAGE_RETENTION: history outlives the images it describes',
      );
    if (e.KAFKA_AUTH.startsWith('scram') && (!e.KAFKA_USERNAME || !e.KAFKA_PASSWORD))
      problem(
        'KAFKA_USERNAME',
        'KAFKA_USERNAME and KAFKA_PASSWORD are required with KAFKA_AUTH=scram-*',
      );
    if (e.GATEWAY_SIGNIN_MAX_LOCK < e.GATEWAY_SIGNIN_FIRST_LOCK)
      problem('GATEWAY_SIGNIN_MAX_LOCK', 'must be at least GATEWAY_SIGNIN_FIRST_LOCK');
    if (e.PORTAL_SIGNIN_MAX_LOCK < e.PORTAL_SIGNIN_FIRST_LOCK)
      problem('PORTAL_SIGNIN_MAX_LOCK', 'must be at least PORTAL_SIGNIN_FIRST_LOCK');
    if (e.PORTAL_SESSION_LIFETIME < e.PORTAL_SESSION_IDLE)
      problem('PORTAL_SESSION_IDLE', 'must be at most PORTAL_SESSION_LIFETIME');
    if (e.GATEWAY_SESSION_LIFETIME < e.GATEWAY_SESSION_IDLE)
      problem('GATEWAY_SESSION_IDLE', 'must be at most GATEWAY_SESSION_LIFETIME');
    if (e.STORAGE === 's3' && !e.S3_BUCKET) problem('S3_BUCKET', 'is required when STORAGE=s3');
    if (e.IMAGE_DIRECT_UPLOADS && e.STORAGE !== 's3')
      problem(
        'IMAGE_DIRECT_UPLOADS',
        `needs STORAGE=s3 (clients post straight to the bucket); STORAGE is ${e.STORAGE}`,
      );
  });

type SignInLocks = Readonly<{
  /** Failed sign-ins in a row before the account is locked. */
  lockAfter: number;
  /** The first lock, in ms; each further failure doubles it, up to maxLock (ms). */
  firstLock: number;
  maxLock: number;
}>;

/** In milliseconds: a session ends `lifetime` after sign-in, or `idle` after its last request. */
type SessionLifetimes = Readonly<{ lifetime: number; idle: number }>;

type Listener = Readonly<{ host: string; port: number }>;

/** The settings, one section per service; shared settings in `database` and `images`. */
export type Config = Readonly<{
  /** Where Tessera keeps its files on this machine (the embedded database, local secrets). */
  dataDir: string;
  database: Readonly<{
    /** An external server to use; when absent Tessera runs its own embedded PostgreSQL. */
    url: string | undefined;
    embedded: Readonly<{ dataDir: string; port: number }>;
  }>;
  portal: Listener &
    Readonly<{
      /** Requests from elsewhere get 403 before anything else happens. */
      allowCidrs: readonly string[];
      /** Proxies whose X-Forwarded-For is believed. */
      trustProxy: readonly string[];
      /** The authenticator's own URL; without it the portal sets up the authenticator itself. */
      databaseUrl: string | undefined;
      /** Set on the authenticator at start when databaseUrl is unset; one from the data directory without it. */
      authenticatorPassword: string | undefined;
      poolSize: number;
      sessions: SessionLifetimes & SignInLocks;
      sessionCache: Readonly<{ ttl: number; max: number }>;
    }>;
  /** What every part that handles images shares: the image API, stream ingestion, the CLI. */
  images: Readonly<{
    storage: Readonly<
      | { driver: 'fs'; dir: string; masterKeys: string | undefined }
      | {
          driver: 's3';
          bucket: string;
          region: string;
          endpoint: string | undefined;
          forcePathStyle: boolean;
          kmsKeyId: string | undefined;
        }
    >;
    /** How long an image lives, in milliseconds. */
    retention: number;
    /** How long an image's history row (bytes gone, marked expired) and refusals stay for analytics, in ms. */
    analyticsRetention: number;
    /** The largest file, frame and side accepted. */
    limits: Readonly<{ maxBytes: number; maxPixels: number; maxDimension: number }>;
    /** The only sizes made on request (IMAGE_RESIZE_PRESETS), in each of webp, avif and jpeg. */
    resizePresets: readonly ResizePreset[];
    /** Each upstream's key for the principal header is derived from it (HKDF, the upstream's name); without it one is kept in the data directory. */
    gatewaySecret: string | undefined;
  }>;
  imageApi: Listener &
    Readonly<{
      poolSize: number;
      /** Uploads straight to the bucket by presigned POST (STORAGE=s3 only); off (undefined) by default. */
      directUploads:
        | Readonly<{ /** How long a presigned POST is valid, in milliseconds. */ expiry: number }>
        | undefined;
      /** How often each instance tries to sweep, in ms (one sweeps at a time). */
      sweepEvery: number;
      /** A near-duplicate search's time limit (ms), and how many run at once. */
      nearDuplicates: Readonly<{ budget: number; maxJobs: number }>;
    }>;
  gateway: Listener &
    Readonly<{
      trustProxy: readonly string[];
      poolSize: number;
      /** Requests per minute per principal. */
      rateLimit: number;
      bodyLimit: number;
      timeout: number;
      corsOrigins: readonly string[];
      /**
       * The image API's instances (IMAGE_API_URL, comma-separated), taken in turn; without it
       * (empty), the one this process runs.
       */
      imageApiUrls: readonly string[];
      /**
       * More APIs behind the gateway: `/api/<name>=<url>` pairs, comma-separated, and several
       * instances of one API joined by `|` (`/api/orders=http://a:9000|http://b:9000`). Each verifies
       * the principal header with its own key, derived from GATEWAY_SECRET and its name (principalKey).
       */
      upstreams: readonly { prefix: string; urls: readonly string[]; name: string }[];
      session: SessionLifetimes;
      signIn: SignInLocks;
      /** Verified API keys: how long one is trusted (ms), and how many are kept (0: none). */
      keyCache: Readonly<{ ttl: number; max: number }>;
      /** How long a failed upstream instance is left out, and how often instances are checked (ms). */
      balance: Readonly<{ downFor: number; checkEvery: number }>;
      /** Shared rate-limit counters for several gateways; in memory without it. */
      redisUrl: string | undefined;
    }>;
  web: Listener & Readonly<{ gatewayUrl: string | undefined }>;
  /** The query workspace of the portal and the analysts': each statement's time limit and row cap, and its idle close (ms). */
  sqlWorkspace: Readonly<{ statementTimeout: number; rowLimit: number; idle: number }>;
  /** Kafka stream ingestion; off (undefined) without KAFKA_BROKERS. */
  stream:
    | (Listener &
        Readonly<{
          brokers: readonly string[];
          ssl: boolean;
          auth: 'none' | 'scram-sha-256' | 'scram-sha-512' | 'aws-iam';
          username: string | undefined;
          password: string | undefined;
          region: string | undefined;
          topic: string;
          group: string;
          poolSize: number;
          /** Partitions processed at once by one consumer. */
          concurrency: number;
          /** Images up to this size travel inside the record; larger ones by claim check. */
          inlineMaxBytes: number;
          /** Tries of a record that keeps failing (not for want of a dependency) before it is dead-lettered. */
          maxAttempts: number;
        }>)
    | undefined;
  /** Unset: each command picks its own (servers log at info, one-shot commands at warn). */
  log: Readonly<{ level: (typeof logLevels)[number] | undefined }>;
}>;

export class ConfigError extends Error {
  readonly problems: string[];

  constructor(problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** Reads the environment once; reports every bad variable at the same time. */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const present = Object.fromEntries(
    Object.entries(env).filter(([, v]) => v !== undefined && v !== ''),
  );
  const parsed = environment.safeParse(present);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`),
    );
  }
  const e = parsed.data;
  const mb = 1024 * 1024;
  return deepFreeze({
    dataDir: path.resolve(e.TESSERA_DATA_DIR),
    database: {
      url: e.DATABASE_URL,
      embedded: { dataDir: path.resolve(e.TESSERA_DATA_DIR, 'postgres'), port: e.EMBEDDED_PG_PORT },
    },
    portal: {
      host: e.PORTAL_HOST,
      port: e.PORTAL_PORT,
      allowCidrs: e.PORTAL_ALLOW_CIDRS,
      trustProxy: e.TRUST_PROXY,
      databaseUrl: e.PORTAL_DATABASE_URL,
      authenticatorPassword: e.PORTAL_AUTHENTICATOR_PASSWORD,
      poolSize: e.PORTAL_POOL_SIZE,
      sessions: {
        lifetime: e.PORTAL_SESSION_LIFETIME,
        idle: e.PORTAL_SESSION_IDLE,
        lockAfter: e.PORTAL_SIGNIN_LOCK_AFTER,
        firstLock: e.PORTAL_SIGNIN_FIRST_LOCK,
        maxLock: e.PORTAL_SIGNIN_MAX_LOCK,
      },
      sessionCache: { ttl: e.PORTAL_SESSION_CACHE_TTL, max: e.PORTAL_SESSION_CACHE_SIZE },
    },
    images: {
      storage:
        e.STORAGE === 's3'
          ? {
              driver: 's3' as const,
              bucket: e.S3_BUCKET ?? '',
              region: e.S3_REGION,
              endpoint: e.S3_ENDPOINT,
              forcePathStyle: e.S3_FORCE_PATH_STYLE,
              kmsKeyId: e.S3_KMS_KEY_ID,
            }
          : {
              driver: 'fs' as const,
              dir: path.resolve(e.STORAGE_DIR ?? path.join(e.TESSERA_DATA_DIR, 'objects')),
              masterKeys: e.STORAGE_MASTER_KEYS,
            },
      retention: e.IMAGE_RETENTION,
      analyticsRetention: e.ANALYTICS_RETENTION,
      limits: {
        maxBytes: e.IMAGE_MAX_MB * mb,
        maxPixels: e.IMAGE_MAX_PIXELS,
        maxDimension: e.IMAGE_MAX_DIMENSION,
      },
      resizePresets: e.IMAGE_RESIZE_PRESETS,
      gatewaySecret: e.GATEWAY_SECRET,
    },
    imageApi: {
      host: e.IMAGE_API_HOST,
      port: e.IMAGE_API_PORT,
      poolSize: e.IMAGE_API_POOL_SIZE,
      directUploads: e.IMAGE_DIRECT_UPLOADS ? { expiry: e.IMAGE_DIRECT_UPLOAD_EXPIRY } : undefined,
      sweepEvery: e.IMAGE_SWEEP_EVERY,
      nearDuplicates: { budget: e.NEAR_DUPLICATE_BUDGET, maxJobs: e.NEAR_DUPLICATE_JOBS },
    },
    gateway: {
      host: e.GATEWAY_HOST,
      port: e.GATEWAY_PORT,
      trustProxy: e.TRUST_PROXY,
      poolSize: e.GATEWAY_POOL_SIZE,
      rateLimit: e.GATEWAY_RATE_LIMIT,
      bodyLimit: e.GATEWAY_BODY_LIMIT_MB * mb,
      timeout: e.GATEWAY_TIMEOUT,
      corsOrigins: e.GATEWAY_CORS_ORIGINS.split(',')
        .map((o) => o.trim())
        .filter(Boolean),
      imageApiUrls: e.IMAGE_API_URL,
      upstreams: parseUpstreams(e.GATEWAY_UPSTREAMS),
      session: { lifetime: e.GATEWAY_SESSION_LIFETIME, idle: e.GATEWAY_SESSION_IDLE },
      signIn: {
        lockAfter: e.GATEWAY_SIGNIN_LOCK_AFTER,
        firstLock: e.GATEWAY_SIGNIN_FIRST_LOCK,
        maxLock: e.GATEWAY_SIGNIN_MAX_LOCK,
      },
      keyCache: { ttl: e.GATEWAY_KEY_CACHE_TTL, max: e.GATEWAY_KEY_CACHE_SIZE },
      balance: { downFor: e.GATEWAY_UPSTREAM_DOWN_FOR, checkEvery: e.GATEWAY_HEALTH_CHECK_EVERY },
      redisUrl: e.REDIS_URL,
    },
    web: { host: e.WEB_HOST, port: e.WEB_PORT, gatewayUrl: e.GATEWAY_URL },
    sqlWorkspace: {
      statementTimeout: e.SQL_STATEMENT_TIMEOUT,
      rowLimit: e.SQL_ROW_LIMIT,
      idle: e.SQL_IDLE_TIMEOUT,
    },
    stream: e.KAFKA_BROKERS
      ? {
          host: e.STREAM_HOST,
          port: e.STREAM_PORT,
          brokers: e.KAFKA_BROKERS.split(',')
            .map((b) => b.trim())
            .filter(Boolean),
          ssl: e.KAFKA_SSL || e.KAFKA_AUTH === 'aws-iam',
          auth: e.KAFKA_AUTH,
          username: e.KAFKA_USERNAME,
          password: e.KAFKA_PASSWORD,
          region: e.AWS_REGION,
          topic: e.STREAM_TOPIC,
          group: e.STREAM_GROUP,
          poolSize: e.STREAM_POOL_SIZE,
          concurrency: e.STREAM_CONCURRENCY,
          inlineMaxBytes: e.STREAM_INLINE_MAX_BYTES,
          maxAttempts: e.STREAM_MAX_ATTEMPTS,
        }
      : undefined,
    log: { level: e.LOG_LEVEL },
  });
}

/** One variable as docs/configuration.md and `tessera config --variables` show it. */
export type VariableDoc = { name: string; default: string | undefined; meaning: string };

/** Every variable of each section, with its default as one would write it and what it does. */
export function documentVariables(): { section: string; variables: VariableDoc[] }[] {
  return Object.entries(variables).map(([section, schemas]) => ({
    section,
    variables: Object.entries(schemas).map(([name, schema]) => {
      const def = schema._zod.def as { type: string; defaultValue?: unknown };
      const fallback =
        def.type === 'default' || def.type === 'prefault' ? String(def.defaultValue) : undefined;
      return { name, default: fallback, meaning: schema.description ?? '' };
    }),
  }));
}

/** The documentation of every variable, as docs/configuration.md holds it. */
export function configurationMarkdown(): string {
  const cell = (text: string) => text.replaceAll('|', '\\|');
  const lines = [
    '# Configuration',
    '',
    'Every setting is an environment variable, read and checked once at start: a bad value stops the',
    'process with every problem listed. `tessera config` shows the effective settings (secrets hidden)',
    'and what each service shares with the rest of a fleet; `tessera config --variables` prints this',
    'list. Durations are written `500ms`, `90s`, `30m`, `12h` or `7d`.',
    '',
    '<!-- Made by `npm run docs:config` from src/platform/config.ts; a test keeps it current. -->',
  ];
  for (const { section, variables: list } of documentVariables()) {
    const rows = list.map((v) => [
      `\`${v.name}\``,
      v.default === undefined || v.default === '' ? '(unset)' : `\`${cell(v.default)}\``,
      cell(v.meaning),
    ]);
    lines.push('', `## ${section}`, '', ...markdownTable(['variable', 'default', 'meaning'], rows));
  }
  return `${lines.join('\n')}\n`;
}

/** A table with its columns padded, as the formatter leaves it. */
function markdownTable(head: string[], rows: string[][]): string[] {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]?.length ?? 0)));
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)];
}

/** The settings as `tessera config` shows them: secrets replaced by a marker. */
export function describeConfig(config: Config): Record<string, string> {
  return {
    database: config.database.url
      ? redactUrl(config.database.url)
      : `embedded PostgreSQL in ${config.database.embedded.dataDir} on 127.0.0.1:${config.database.embedded.port}`,
    portal: `http://${config.portal.host}:${config.portal.port}, open to ${config.portal.allowCidrs.join(', ')}`,
    'portal and gateway trust X-Forwarded-For from':
      config.portal.trustProxy.join(', ') || 'nobody',
    'portal sessions': `${formatDuration(config.portal.sessions.lifetime)} at most, ${formatDuration(config.portal.sessions.idle)} idle; a login is locked after ${config.portal.sessions.lockAfter} failures in a row, for ${formatDuration(config.portal.sessions.firstLock)}, doubling up to ${formatDuration(config.portal.sessions.maxLock)}`,
    'query workspace': `${formatDuration(config.sqlWorkspace.statementTimeout)} per statement, ${config.sqlWorkspace.rowLimit} rows shown, closed after ${formatDuration(config.sqlWorkspace.idle)} idle`,
    'portal database role': config.portal.databaseUrl
      ? redactUrl(config.portal.databaseUrl)
      : `commerce_portal, its password set at start (${config.portal.authenticatorPassword ? 'PORTAL_AUTHENTICATOR_PASSWORD' : 'kept in the data directory'})`,
    'image storage':
      config.images.storage.driver === 'fs'
        ? `fs in ${config.images.storage.dir}, encrypted (${config.images.storage.masterKeys ? 'master keys from STORAGE_MASTER_KEYS' : 'master keys kept in the data directory'})`
        : `s3 bucket ${config.images.storage.bucket} (${config.images.storage.region}${config.images.storage.endpoint ? `, ${config.images.storage.endpoint}` : ''}), ${config.images.storage.kmsKeyId ? 'SSE-KMS' : 'SSE-S3'}`,
    'image retention': formatDuration(config.images.retention),
    'analytics history': `kept ${formatDuration(config.images.analyticsRetention)} after upload (ANALYTICS_RETENTION)`,
    'image resize presets': `${config.images.resizePresets.map((p) => p.name).join(', ')} (webp, avif, jpeg)`,
    'image direct uploads': config.imageApi.directUploads
      ? `on: presigned POSTs to the bucket, valid ${formatDuration(config.imageApi.directUploads.expiry)}`
      : 'off: set IMAGE_DIRECT_UPLOADS=true (with STORAGE=s3) for images larger than a gateway request',
    'image limits': `${config.images.limits.maxBytes / 1024 / 1024} MB, ${config.images.limits.maxPixels.toLocaleString('en')} pixels a frame, ${config.images.limits.maxDimension} px a side`,
    'image API': `http://${config.imageApi.host}:${config.imageApi.port}, ${config.imageApi.poolSize} database connections, sweeping every ${formatDuration(config.imageApi.sweepEvery)}`,
    gateway: `http://${config.gateway.host}:${config.gateway.port}, ${config.gateway.rateLimit} requests a minute per principal (${config.gateway.redisUrl ? `shared in ${redactUrl(config.gateway.redisUrl)}` : 'counted in memory: set REDIS_URL to share it between gateways'})`,
    'gateway sessions': `${formatDuration(config.gateway.session.lifetime)} at most, ${formatDuration(config.gateway.session.idle)} idle; verified API keys trusted ${formatDuration(config.gateway.keyCache.ttl)} (${config.gateway.keyCache.max} kept)`,
    'gateway sign-in': `an account is locked after ${config.gateway.signIn.lockAfter} failures in a row, for ${formatDuration(config.gateway.signIn.firstLock)}, doubling up to ${formatDuration(config.gateway.signIn.maxLock)}`,
    'stream ingestion': config.stream
      ? `topic ${config.stream.topic} on ${config.stream.brokers.join(', ')} (group ${config.stream.group}, ${config.stream.concurrency} partition(s) at once, ${config.stream.auth}${config.stream.ssl ? ', TLS' : ''}); a failing record is tried ${config.stream.maxAttempts} time(s), then dead-lettered`
      : 'off: set KAFKA_BROKERS=host:port,… to turn it on',
    'log level': config.log.level ?? 'info for servers, warn for one-shot commands',
  };
}

export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '*****';
    return parsed.toString();
  } catch {
    return '(unparseable URL)';
  }
}

// The gateway's own routes: an upstream by one of these names would clash with them, or (images)
// share the image API's key.
const reservedUpstreams = new Set(['images', 'analytics', 'auth', 'openapi']);

function parseUpstreams(value: string): { prefix: string; urls: string[]; name: string }[] {
  return value
    .split(',')
    .map((pair) => pair.trim())
    .filter(Boolean)
    .map((pair) => {
      const [prefix = '', urls = ''] = pair.split('=');
      const name = prefix.slice('/api/'.length);
      if (!/^\/api\/[a-z0-9-]+$/.test(prefix) || !urls) {
        throw new ConfigError([
          `GATEWAY_UPSTREAMS: "${pair}" is not /api/<name>=<url>, or /api/<name>=<url>|<url>… for several instances`,
        ]);
      }
      if (reservedUpstreams.has(name)) {
        throw new ConfigError([`GATEWAY_UPSTREAMS: /api/${name} is the gateway's own`]);
      }
      const list = splitUrls(urls, '|');
      const problems = urlProblems(list);
      if (problems.length > 0)
        throw new ConfigError(problems.map((problem) => `GATEWAY_UPSTREAMS ${prefix}: ${problem}`));
      return { prefix, urls: list, name };
    });
}

function splitUrls(value: string, separator: string): string[] {
  return value
    .split(separator)
    .map((url) => url.trim())
    .filter(Boolean);
}

function urlProblems(urls: string[]): string[] {
  const problems = urls
    .filter((url) => !/^https?:$/.test(URL.parse(url)?.protocol ?? ''))
    .map((url) => `"${url}" is not an http:// or https:// URL`);
  if (new Set(urls).size !== urls.length) problems.push('an instance is listed twice');
  return problems;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
