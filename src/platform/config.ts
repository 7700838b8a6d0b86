import path from 'node:path';
import { z } from 'zod';
import { parseCidrList } from './cidr.ts';

const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const cidrList = z.string().transform((value, context) => {
  try {
    return parseCidrList(value);
  } catch (error) {
    context.addIssue({ code: 'custom', message: (error as Error).message });
    return z.NEVER;
  }
});

const port = z.coerce.number().int().min(1).max(65535);

const postgresUrl = z
  .string()
  .url()
  .refine(
    (value) => /^postgres(ql)?:\/\//.test(value),
    'must start with postgres:// or postgresql://',
  );

/** Every environment variable Tessera reads, validated in one place. */
const environment = z.object({
  DATABASE_URL: postgresUrl.optional(),
  TESSERA_DATA_DIR: z.string().min(1).default('data'),
  EMBEDDED_PG_PORT: z.coerce.number().int().min(1024).max(65535).default(54329),
  LOG_LEVEL: z.enum(logLevels).optional(),
  PORTAL_HOST: z.string().min(1).default('127.0.0.1'),
  PORTAL_PORT: port.default(8080),
  PORTAL_ALLOW_CIDRS: cidrList.default(['127.0.0.1/32', '::1/128']),
  TRUST_PROXY: cidrList.default([]),
  PORTAL_DATABASE_URL: postgresUrl.optional(),
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
  }>;
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
    },
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
    'portal trusts X-Forwarded-For from': config.portal.trustProxy.join(', ') || 'nobody',
    'portal database role': config.portal.databaseUrl
      ? redactUrl(config.portal.databaseUrl)
      : 'commerce_portal, set up at start',
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

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
