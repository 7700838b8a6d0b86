import { execFile, spawnSync } from 'node:child_process';

export type CliResult = { status: number | null; stdout: string; stderr: string };

/** Runs `tessera …` as a user would, against the given database, and waits for it. */
export function tessera(args: string[], options: CliOptions = {}): CliResult {
  const result = spawnSync(process.execPath, ['bin/tessera.js', ...args], {
    env: cliEnv(options),
    input: options.input ?? '',
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/**
 * The same, without blocking this process: for a test whose servers run in this process while the
 * command does (a blocked event loop lets their keep-alive timers and requests race when it wakes).
 */
export function tesseraAsync(args: string[], options: CliOptions = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      ['bin/tessera.js', ...args],
      { env: cliEnv(options), encoding: 'utf8', timeout: 60_000 },
      (error, stdout, stderr) =>
        resolve({
          status: error ? (typeof error.code === 'number' ? error.code : null) : 0,
          stdout,
          stderr,
        }),
    );
    child.stdin?.end(options.input ?? '');
  });
}

type CliOptions = { databaseUrl?: string; input?: string; env?: Record<string, string> };

function cliEnv(options: CliOptions): NodeJS.ProcessEnv {
  return {
    ...process.env,
    LOG_LEVEL: 'silent',
    ...(options.databaseUrl ? { DATABASE_URL: options.databaseUrl } : {}),
    ...options.env,
  };
}
