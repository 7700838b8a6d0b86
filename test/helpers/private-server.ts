// A PostgreSQL server of a test's own, for what changes the whole cluster (pg_hba.conf, role
// attributes) and so must not be seen by the test files that share the suite's server.
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startEmbedded } from '../../src/platform/db/embedded.ts';
import { migrate } from '../../src/platform/db/migrate.ts';
import { type Connection, connect } from '../../src/platform/db/pool.ts';
import { createLogger } from '../../src/platform/log.ts';
import { schemas } from '../../src/schemas.ts';
import { freePort } from './ports.ts';

export type PrivateServer = {
  url: string;
  admin: Connection;
  /** As TESSERA_DATA_DIR and EMBEDDED_PG_PORT, so a `tessera` command uses this server as its own. */
  env: Record<string, string>;
  stop(): Promise<void>;
};

export async function startPrivateServer(): Promise<PrivateServer> {
  const scratch = await mkdtemp(path.join(tmpdir(), 'tessera-private-'));
  await chmod(scratch, 0o755); // as root, the server runs as the postgres user
  const port = await freePort();
  const server = await startEmbedded({
    dataDir: path.join(scratch, 'postgres'),
    port,
    log: createLogger('silent'),
  });
  const admin = await connect(server.url);
  await migrate(admin, schemas);
  return {
    url: server.url,
    admin,
    env: { TESSERA_DATA_DIR: scratch, EMBEDDED_PG_PORT: String(port), DATABASE_URL: '' },
    async stop() {
      await admin.end().catch(() => {});
      await server.stop();
      await rm(scratch, { recursive: true, force: true });
    },
  };
}
