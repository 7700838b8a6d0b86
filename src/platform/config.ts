import path from 'node:path';
import { z } from 'zod';
import {
  defaultResizePresets,
  parseResizePresets,
  type ResizePreset,
} from '../images/resize-presets.ts';
import { parseCidrList } from './cidr.ts';
import { formatDuration, parseDuration } from './duration.ts';

const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const cidrList = z.string().transform((value, context) => {
  try {
    return parseCidrList(value);
  } catch (error) {
    context.addIssue({ code: 'custom', message: (error as Error).message });
    return z.NEVER;
  }
});

const duration = z.string().transform((value, context) => {
  try {
    return parseDuration(value);
  } catch (error) {
    context.addIssue({ code: 'custom', message: (error as Error).message });
    return z.NEVER;
  }
});

const resizePresets = z.string().transform((value, context) => {
  try {
    return parseResizePresets(value);
  } catch (error) {
    context.addIssue({ code: 'custom', message: (error as Error).message });
    return z.NEVER;
  }
});

const flag = z
  .enum(['true', 'false', '1', '0'])
  .transform((value) => value === 'true' || value === '1');

const port = z.coerce.number().int().min(1).max(65535);

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

/** Every environment variable Tessera reads, validated in one place. */
const environment = z
  .object({
    DATABASE_URL: postgresUrl.optional(),
    TESSERA_DATA_DIR: z.string().min(1).default('data'),
    EMBEDDED_PG_PORT: z.coerce.number().int().min(1024).max(65535).default(54329),
    LOG_LEVEL: z.enum(logLevels).optional(),
    PORTAL_HOST: z.string().min(1).default('127.0.0.1'),
    PORTAL_PORT: port.default(8080),
    PORTAL_ALLOW_CIDRS: cidrList.default(['127.0.0.1/32', '::1/128']),
    TRUST_PROXY: cidrList.default([]),
    PORTAL_DATABASE_URL: postgresUrl.optional(),
    SQL_STATEMENT_TIMEOUT: duration.default(30_000),
    SQL_ROW_LIMIT: z.coerce.number().int().min(1).max(1_000_000).default(10_000),
    SQL_IDLE_TIMEOUT: duration.default(15 * 60_000),
    STORAGE: z.enum(['fs', 's3']).default('fs'),
    STORAGE_DIR: z.string().min(1).optional(),
    STORAGE_MASTER_KEYS: z.string().min(1).optional(),
    S3_BUCKET: z.string().min(3).optional(),
    S3_REGION: z.string().min(1).default('us-east-1'),
    S3_ENDPOINT: z.string().url().optional(),
    S3_FORCE_PATH_STYLE: flag.default(false),
    S3_KMS_KEY_ID: z.string().min(1).optional(),
    IMAGE_RETENTION: duration.default(7 * 86_400_000),
    IMAGE_RESIZE_PRESETS: resizePresets.default(parseResizePresets(defaultResizePresets)),
    IMAGE_DIRECT_UPLOADS: flag.default(false),
    IMAGE_DIRECT_UPLOAD_EXPIRY: duration.default(15 * 60_000),
    ANALYTICS_RETENTION: duration.default(400 * 86_400_000),
    IMAGE_API_HOST: z.string().min(1).default('127.0.0.1'),
    IMAGE_API_PORT: port.default(8081),
    GATEWAY_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
    GATEWAY_HOST: z.string().min(1).default('127.0.0.1'),
    GATEWAY_PORT: port.default(8082),
    GATEWAY_RATE_LIMIT: z.coerce.number().int().min(1).default(600),
    GATEWAY_BODY_LIMIT_MB: z.coerce.number().int().min(1).max(1024).default(55),
    GATEWAY_TIMEOUT: duration.default(60_000),
    GATEWAY_CORS_ORIGINS: z.string().default('http://127.0.0.1:8083,http://localhost:8083'),
    GATEWAY_UPSTREAMS: z.string().default(''),
    GATEWAY_SIGNIN_LOCK_AFTER: z.coerce.number().int().min(1).max(100).default(5),
    GATEWAY_SIGNIN_FIRST_LOCK: duration.default(60_000),
    GATEWAY_SIGNIN_MAX_LOCK: duration.default(15 * 60_000),
    REDIS_URL: z
      .string()
      .url()
      .refine((v) => /^rediss?:\/\//.test(v), 'must start with redis:// or rediss://')
      .optional(),
    IMAGE_API_URL: urlList(','),
    KAFKA_BROKERS: z.string().min(1).optional(),
    KAFKA_SSL: flag.default(false),
    KAFKA_AUTH: z.enum(['none', 'scram-sha-256', 'scram-sha-512', 'aws-iam']).default('none'),
    KAFKA_USERNAME: z.string().min(1).optional(),
    KAFKA_PASSWORD: z.string().min(1).optional(),
    AWS_REGION: z.string().min(1).optional(),
    STREAM_TOPIC: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,200}$/, 'is not a Kafka topic name')
      .default('images'),
    STREAM_GROUP: z.string().min(1).default('tessera-stream-ingest'),
    STREAM_PORT: port.default(8084),
    STREAM_INLINE_MAX_BYTES: z.coerce
      .number()
      .int()
      .min(1024)
      .default(900 * 1024),
    STREAM_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(3),
    WEB_HOST: z.string().min(1).default('127.0.0.1'),
    WEB_PORT: port.default(8083),
    GATEWAY_URL: z.string().url().optional(),
  })
  .superRefine((e, context) => {
    if (e.ANALYTICS_RETENTION < e.IMAGE_RETENTION) {
      context.addIssue({
        code: 'custom',
        path: ['ANALYTICS_RETENTION'],
        message: 'must be at least IMAGE_RETENTION: history outlives the images it describes',
      });
    }
    if (e.KAFKA_AUTH.startsWith('scram') && (!e.KAFKA_USERNAME || !e.KAFKA_PASSWORD)) {
      context.addIssue({
        code: 'custom',
        path: ['KAFKA_USERNAME'],
        message: 'KAFKA_USERNAME and KAFKA_PASSWORD are required with KAFKA_AUTH=scram-*',
      });
    }
    if (e.GATEWAY_SIGNIN_MAX_LOCK < e.GATEWAY_SIGNIN_FIRST_LOCK) {
      context.addIssue({
        code: 'custom',
        path: ['GATEWAY_SIGNIN_MAX_LOCK'],
        message: 'must be at least GATEWAY_SIGNIN_FIRST_LOCK',
      });
    }
    if (e.STORAGE === 's3' && !e.S3_BUCKET) {
      context.addIssue({
        code: 'custom',
        path: ['S3_BUCKET'],
        message: 'is required when STORAGE=s3',
      });
    }
    if (e.IMAGE_DIRECT_UPLOADS && e.STORAGE !== 's3') {
      context.addIssue({
        code: 'custom',
        path: ['IMAGE_DIRECT_UPLOADS'],
        message: `needs STORAGE=s3 (clients post straight to the bucket); STORAGE is ${e.STORAGE}`,
      });
    }
  });

export type Config = Readonly<{
  /** Where Tessera keeps its files on this machine (the embedded database, local secrets). */
  dataDir: string;
  database: Readonly<{
    /** An external server to use; when absent Tessera runs its own embedded PostgreSQL. */
    url: string | undefined;
    embedded: Readonly<{ dataDir: string; port: number }>;
  }>;
  portal: Readonly<{
    host: string;
    port: number;
    /** Requests from elsewhere get 403 before anything else happens. */
    allowCidrs: readonly string[];
    /** Proxies whose X-Forwarded-For is believed. */
    trustProxy: readonly string[];
    /** The authenticator's own URL; without it the portal sets up the authenticator itself. */
    databaseUrl: string | undefined;
    /** The query workspace: each statement's time limit and row cap, and its idle close (ms). */
    sql: Readonly<{ statementTimeout: number; rowLimit: number; idle: number }>;
  }>;
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
    /** The only sizes made on request (IMAGE_RESIZE_PRESETS), in each of webp, avif and jpeg. */
    resizePresets: readonly ResizePreset[];
    /** Uploads straight to the bucket by presigned POST (STORAGE=s3 only); off (undefined) by default. */
    directUploads:
      | Readonly<{ /** How long a presigned POST is valid, in milliseconds. */ expiry: number }>
      | undefined;
    api: Readonly<{ host: string; port: number }>;
    /** Each upstream's key for the principal header is derived from it (HKDF, the upstream's name); without it one is kept in the data directory. */
    gatewaySecret: string | undefined;
  }>;
  gateway: Readonly<{
    host: string;
    port: number;
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
    /** Failed sign-ins per account before a lock; the first lock and the longest, in ms. */
    signIn: Readonly<{ lockAfter: number; firstLock: number; maxLock: number }>;
    /** Shared rate-limit counters for several gateways; in memory without it. */
    redisUrl: string | undefined;
  }>;
  web: Readonly<{ host: string; port: number; gatewayUrl: string | undefined }>;
  /** Kafka stream ingestion; off (undefined) without KAFKA_BROKERS. */
  stream:
    | Readonly<{
        brokers: readonly string[];
        ssl: boolean;
        auth: 'none' | 'scram-sha-256' | 'scram-sha-512' | 'aws-iam';
        username: string | undefined;
        password: string | undefined;
        region: string | undefined;
        topic: string;
        group: string;
        port: number;
        /** Images up to this size travel inside the record; larger ones by claim check. */
        inlineMaxBytes: number;
        /** Tries of a record that keeps failing (not for want of a dependency) before it is dead-lettered. */
        maxAttempts: number;
      }>
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
      sql: {
        statementTimeout: e.SQL_STATEMENT_TIMEOUT,
        rowLimit: e.SQL_ROW_LIMIT,
        idle: e.SQL_IDLE_TIMEOUT,
      },
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
      resizePresets: e.IMAGE_RESIZE_PRESETS,
      directUploads: e.IMAGE_DIRECT_UPLOADS ? { expiry: e.IMAGE_DIRECT_UPLOAD_EXPIRY } : undefined,
      api: { host: e.IMAGE_API_HOST, port: e.IMAGE_API_PORT },
      gatewaySecret: e.GATEWAY_SECRET,
    },
    gateway: {
      host: e.GATEWAY_HOST,
      port: e.GATEWAY_PORT,
      rateLimit: e.GATEWAY_RATE_LIMIT,
      bodyLimit: e.GATEWAY_BODY_LIMIT_MB * 1024 * 1024,
      timeout: e.GATEWAY_TIMEOUT,
      corsOrigins: e.GATEWAY_CORS_ORIGINS.split(',')
        .map((o) => o.trim())
        .filter(Boolean),
      imageApiUrls: e.IMAGE_API_URL,
      upstreams: parseUpstreams(e.GATEWAY_UPSTREAMS),
      signIn: {
        lockAfter: e.GATEWAY_SIGNIN_LOCK_AFTER,
        firstLock: e.GATEWAY_SIGNIN_FIRST_LOCK,
        maxLock: e.GATEWAY_SIGNIN_MAX_LOCK,
      },
      redisUrl: e.REDIS_URL,
    },
    web: { host: e.WEB_HOST, port: e.WEB_PORT, gatewayUrl: e.GATEWAY_URL },
    stream: e.KAFKA_BROKERS
      ? {
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
          port: e.STREAM_PORT,
          inlineMaxBytes: e.STREAM_INLINE_MAX_BYTES,
          maxAttempts: e.STREAM_MAX_ATTEMPTS,
        }
      : undefined,
    log: { level: e.LOG_LEVEL },
  });
}

/** The settings as `tessera config` shows them: secrets replaced by a marker. */
export function describeConfig(config: Config): Record<string, string> {
  return {
    database: config.database.url
      ? redactUrl(config.database.url)
      : `embedded PostgreSQL in ${config.database.embedded.dataDir} on 127.0.0.1:${config.database.embedded.port}`,
    portal: `http://${config.portal.host}:${config.portal.port}, open to ${config.portal.allowCidrs.join(', ')}`,
    'portal query workspace': `${formatDuration(config.portal.sql.statementTimeout)} per statement, ${config.portal.sql.rowLimit} rows shown, closed after ${formatDuration(config.portal.sql.idle)} idle`,
    'portal trusts X-Forwarded-For from': config.portal.trustProxy.join(', ') || 'nobody',
    'portal database role': config.portal.databaseUrl
      ? redactUrl(config.portal.databaseUrl)
      : 'commerce_portal, set up at start',
    'image storage':
      config.images.storage.driver === 'fs'
        ? `fs in ${config.images.storage.dir}, encrypted (${config.images.storage.masterKeys ? 'master keys from STORAGE_MASTER_KEYS' : 'master keys kept in the data directory'})`
        : `s3 bucket ${config.images.storage.bucket} (${config.images.storage.region}${config.images.storage.endpoint ? `, ${config.images.storage.endpoint}` : ''}), ${config.images.storage.kmsKeyId ? 'SSE-KMS' : 'SSE-S3'}`,
    'image retention': formatDuration(config.images.retention),
    'analytics history': `kept ${formatDuration(config.images.analyticsRetention)} after upload (ANALYTICS_RETENTION)`,
    'image resize presets': `${config.images.resizePresets.map((p) => p.name).join(', ')} (webp, avif, jpeg)`,
    'image direct uploads': config.images.directUploads
      ? `on: presigned POSTs to the bucket, valid ${formatDuration(config.images.directUploads.expiry)}`
      : 'off: set IMAGE_DIRECT_UPLOADS=true (with STORAGE=s3) for images larger than a gateway request',
    'image API': `http://${config.images.api.host}:${config.images.api.port}`,
    gateway: `http://${config.gateway.host}:${config.gateway.port}, ${config.gateway.rateLimit} requests a minute per principal (${config.gateway.redisUrl ? `shared in ${redactUrl(config.gateway.redisUrl)}` : 'counted in memory: set REDIS_URL to share it between gateways'})`,
    'gateway sign-in': `an account is locked after ${config.gateway.signIn.lockAfter} failures in a row, for ${formatDuration(config.gateway.signIn.firstLock)}, doubling up to ${formatDuration(config.gateway.signIn.maxLock)}`,
    'stream ingestion': config.stream
      ? `topic ${config.stream.topic} on ${config.stream.brokers.join(', ')} (group ${config.stream.group}, ${config.stream.auth}${config.stream.ssl ? ', TLS' : ''}); a failing record is tried ${config.stream.maxAttempts} time(s), then dead-lettered`
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
