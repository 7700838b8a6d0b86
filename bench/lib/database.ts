// The benches' PostgreSQL: an embedded server of their own in a temporary directory, stopped and
// removed with the directory by the cleanup.
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startEmbedded } from '../../src/platform/db/embedded.ts';
import { migrate } from '../../src/platform/db/migrate.ts';
import { type Connection, connect, type Db } from '../../src/platform/db/pool.ts';
import { createLogger } from '../../src/platform/log.ts';
import { schemas } from '../../src/schemas.ts';
import { freePort } from '../../test/helpers/ports.ts';
import type { Cleanup } from './cleanup.ts';

export type ScratchDatabase = {
  /** Superuser URL of the application database. */
  url: string;
  /** The temporary directory: the server's data is in postgres/, the rest is the bench's. */
  scratch: string;
};

/** Starts a server on a free loopback port, in a new temporary directory. */
export async function startScratchDatabase(cleanup: Cleanup): Promise<ScratchDatabase> {
  const scratch = await mkdtemp(path.join(tmpdir(), 'tessera-bench-'));
  cleanup.push(() => rm(scratch, { recursive: true, force: true }));
  await chmod(scratch, 0o755); // as root, the server runs as the postgres user
  const server = await startEmbedded({
    dataDir: path.join(scratch, 'postgres'),
    port: await freePort(),
    log: createLogger('silent'),
  });
  // Also resolves when PostgreSQL has already stopped by itself (a terminal's Ctrl-C reaches it).
  cleanup.push(() => server.stop());
  return { url: server.url, scratch };
}

/** A connection, ended by the cleanup, to a database brought to the current schema. */
export async function connectMigrated(url: string, cleanup: Cleanup): Promise<Connection> {
  const db = await connect(url, 'tessera-bench');
  cleanup.push(() => db.end());
  await migrate(db, schemas);
  return db;
}

export async function serverVersion(db: Db): Promise<string | undefined> {
  const result = await db.query<{ v: string }>("select current_setting('server_version') as v");
  return result.rows[0]?.v;
}
