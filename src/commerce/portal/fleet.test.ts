// Several portals of one fleet, each on a machine of its own (its own data directory), without
// PORTAL_DATABASE_URL: each sets the authenticator's password as it starts. With
// PORTAL_AUTHENTICATOR_PASSWORD they set the same one, so a portal started later locks none out.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { createTestDatabase, type TestDatabase } from '../../../test/helpers/database.ts';
import { signInAs } from '../../../test/helpers/portal.ts';
import { describeConfig, loadConfig } from '../../platform/config.ts';
import { describeFleetSharing } from '../../platform/fleet-sharing.ts';
import { createLogger } from '../../platform/log.ts';
import type { Opened } from '../../platform/service.ts';
import { buildPortal } from './app.ts';
import type { PortalDeps } from './context.ts';
import { portalService } from './service.ts';

let db: TestDatabase;
const homes: string[] = [];
before(async () => {
  db = await createTestDatabase();
});
after(async () => {
  await db?.close();
  for (const home of homes) await rm(home, { recursive: true, force: true });
});

/** A portal as `tessera serve portal` makes it on a machine of its own. */
async function portalOnItsOwnMachine(env: Record<string, string>) {
  const home = await mkdtemp(path.join(tmpdir(), 'tessera-portal-'));
  homes.push(home);
  const config = loadConfig({ DATABASE_URL: db.url, TESSERA_DATA_DIR: home, ...env });
  const opened: Opened<PortalDeps> = await portalService.deps({
    config,
    log: createLogger('silent'),
    databaseUrl: db.url,
    running: {},
  });
  const app = await buildPortal(opened.deps);
  const close = async () => {
    await app.close();
    await opened.close();
  };
  return { app, config, close };
}

test('portals on several machines share PORTAL_AUTHENTICATOR_PASSWORD: the first still signs people in after the second started', async () => {
  // The authenticator is a role of the whole server: the password is the one every other test
  // file's portal uses, so setting it again changes nothing for them.
  const shared = { PORTAL_AUTHENTICATOR_PASSWORD: process.env.TESSERA_TEST_PORTAL_PASSWORD ?? '' };
  const first = await portalOnItsOwnMachine(shared);
  const second = await portalOnItsOwnMachine(shared);
  try {
    const person = await db.addPerson('sales');
    // A new connection of the first portal's pool, made after the second set the password.
    await first.app.inject({ method: 'GET', url: '/api/health' });
    const viaFirst = await signInAs(first.app, person);
    const viaSecond = await signInAs(second.app, person);
    assert.equal((await viaFirst.get('/api/items')).status, 200);
    assert.equal((await viaSecond.get('/api/items')).status, 200);
    assert.match(
      describeFleetSharing(first.config)['portal shares'] ?? '',
      /PORTAL_AUTHENTICATOR_PASSWORD: from the environment/,
    );
    assert.doesNotMatch(
      describeFleetSharing(first.config)['portal keeps locally'] ?? '',
      /password/,
    );
    assert.doesNotMatch(
      JSON.stringify(describeConfig(first.config)),
      new RegExp(shared.PORTAL_AUTHENTICATOR_PASSWORD),
      'the password is never shown',
    );
  } finally {
    await first.close();
    await second.close();
  }
});
