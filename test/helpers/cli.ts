import { spawnSync } from 'node:child_process';

export type CliResult = { status: number | null; stdout: string; stderr: string };

/** Runs `tessera …` as a user would, against the given database, and waits for it. */
export function tessera(
  args: string[],
  options: { databaseUrl?: string; input?: string; env?: Record<string, string> } = {},
): CliResult {
  const result = spawnSync(process.execPath, ['src/cli.ts', ...args], {
    env: {
      ...process.env,
      LOG_LEVEL: 'silent',
      ...(options.databaseUrl ? { DATABASE_URL: options.databaseUrl } : {}),
      ...options.env,
    },
    input: options.input ?? '',
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}
