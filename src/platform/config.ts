import path from 'node:path';
import { z } from 'zod';

const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

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
});

export type Config = Readonly<{
  database: Readonly<{
    /** An external server to use; when absent Tessera runs its own embedded PostgreSQL. */
    url: string | undefined;
    embedded: Readonly<{ dataDir: string; port: number }>;
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
    database: {
      url: e.DATABASE_URL,
      embedded: { dataDir: path.resolve(e.TESSERA_DATA_DIR, 'postgres'), port: e.EMBEDDED_PG_PORT },
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
