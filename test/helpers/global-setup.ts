// Once per `npm test`: a PostgreSQL server (embedded, or TEST_DATABASE_URL's, e.g. PostgreSQL 15)
// and a template database migrated once; each test file copies the template (see database.ts).
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startEmbedded } from '../../src/platform/db/embedded.ts';
import { migrate } from '../../src/platform/db/migrate.ts';
import {
  connect,
  quoteIdentifier,
  quoteLiteral,
  withDatabase,
} from '../../src/platform/db/pool.ts';
import { scramVerifier } from '../../src/platform/db/scram.ts';
import { createLogger } from '../../src/platform/log.ts';
import { schemas } from '../../src/schemas.ts';
import { freePort } from './ports.ts';

const template = 'tessera_test_template';
const portalPassword = randomBytes(18).toString('base64url');
let stopServer: (() => Promise<void>) | undefined;
let scratch: string | undefined;

export async function globalSetup(): Promise<void> {
  let adminUrl = process.env.TEST_DATABASE_URL;
  if (!adminUrl) {
    scratch = await mkdtemp(path.join(tmpdir(), 'tessera-test-'));
    await chmod(scratch, 0o755); // the postgres system user must reach its data directory
    const server = await startEmbedded({
      dataDir: path.join(scratch, 'postgres'),
      port: await freePort(),
      database: 'postgres',
      log: createLogger('silent'),
    });
    stopServer = server.stop;
    adminUrl = server.url;
  }
  const admin = await connect(adminUrl);
  try {
    await admin.query(`drop database if exists ${template} with (force)`);
    await admin.query(`create database ${quoteIdentifier(template)}`);
  } finally {
    await admin.end();
  }
  const db = await connect(withDatabase(adminUrl, template));
  try {
    await migrate(db, schemas);
    // One password for the portal's authenticator for the whole run (the role is cluster-wide).
    await db.query(
      `alter role commerce_portal password ${quoteLiteral(scramVerifier(portalPassword))}`,
    );
  } finally {
    await db.end();
  }
  process.env.TESSERA_TEST_ADMIN_URL = withDatabase(adminUrl, 'postgres');
  process.env.TESSERA_TEST_TEMPLATE = template;
  process.env.TESSERA_TEST_PORTAL_PASSWORD = portalPassword;
}

export async function globalTeardown(): Promise<void> {
  await stopServer?.();
  if (scratch) await rm(scratch, { recursive: true, force: true });
}
