// Two portals of one fleet keep the sessions they read (PORTAL_SESSION_CACHE_SIZE), and still end
// a session everywhere the moment it ends anywhere: PostgreSQL's notice reaches every portal as the
// sign-out, the disabling or the deletion commits.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createTestDatabase, type TestDatabase } from '../../../test/helpers/database.ts';
import { buildTestPortal, signInAs, type TestPortal } from '../../../test/helpers/portal.ts';
import { until } from '../../../test/helpers/until.ts';

let db: TestDatabase;
let portals: TestPortal[];
let uncached: TestPortal;

before(async () => {
  db = await createTestDatabase();
  // A ttl far beyond the test: only a notice (or the idle rule) ends a cached session.
  const cached = { PORTAL_SESSION_CACHE_SIZE: '1000', PORTAL_SESSION_CACHE_TTL: '10m' };
  portals = [await buildTestPortal(db, {}, cached), await buildTestPortal(db, {}, cached)];
  uncached = await buildTestPortal(db);
  await until('both portals listen for session notices', async () =>
    portals.every((p) => p.deps.sessionCache?.trusted),
  );
});
after(async () => {
  for (const portal of [...(portals ?? []), uncached]) await portal?.closeAll();
  await db?.close();
});

/** The person's session on `portal`, by the cookie signed in elsewhere. */
const itemsWith = (portal: TestPortal, cookie: string) =>
  portal.inject({ method: 'GET', url: '/api/items', headers: { cookie } });

test('a portal answers a session it has read from memory: a row deleted behind its back is still honoured until the cache lets it go', async () => {
  const person = await db.addPerson('sales');
  const session = await signInAs(portals[0] as TestPortal, person);
  for (const portal of [...portals, uncached])
    assert.equal((await itemsWith(portal, session.cookie)).statusCode, 200);
  // Deleted with triggers off (as a replica applies changes): no notice is sent.
  const rows = await db.admin.query('select 1 from portal.sessions where login = $1', [
    person.login,
  ]);
  assert.equal(rows.rows.length, 1);
  await db.admin.query(`
    do $$ begin
      set local session_replication_role = replica;
      delete from portal.sessions where login = '${person.login}';
    end $$`);
  assert.equal((await itemsWith(uncached, session.cookie)).statusCode, 401, 'read from PostgreSQL');
  for (const portal of portals)
    assert.equal((await itemsWith(portal, session.cookie)).statusCode, 200, 'read from memory');
});

test('signing out on one portal ends the session on the others at once', async () => {
  const person = await db.addPerson('sales');
  const session = await signInAs(portals[0] as TestPortal, person);
  for (const portal of portals)
    assert.equal((await itemsWith(portal, session.cookie)).statusCode, 200);
  assert.equal((await session.send('DELETE', '/api/session')).status, 204);
  assert.equal(
    (await itemsWith(portals[0] as TestPortal, session.cookie)).statusCode,
    401,
    'the portal that signed out forgets it before answering',
  );
  await until(
    'the other portal forgets the session',
    async () => (await itemsWith(portals[1] as TestPortal, session.cookie)).statusCode === 401,
    2000,
  );
});

test('disabling a person ends their sessions on every portal at once', async () => {
  const person = await db.addPerson('logistics');
  const session = await signInAs(portals[1] as TestPortal, person);
  for (const portal of portals)
    assert.equal((await itemsWith(portal, session.cookie)).statusCode, 200);
  await db.admin.query('select commerce.set_person_enabled($1, false)', [person.login]);
  for (const portal of portals)
    await until(
      'every portal forgets the disabled person',
      async () => (await itemsWith(portal, session.cookie)).statusCode === 401,
      2000,
    );
});

test('requests keep a cached session alive, and it still ends after the idle time without any', async () => {
  const idle = await buildTestPortal(
    db,
    {},
    {
      PORTAL_SESSION_CACHE_SIZE: '1000',
      PORTAL_SESSION_CACHE_TTL: '10m',
      PORTAL_SESSION_IDLE: '1500ms',
    },
  );
  try {
    await until('the portal listens', async () => idle.deps.sessionCache?.trusted);
    const person = await db.addPerson('sales');
    const session = await signInAs(idle, person);
    // 3 s of requests, twice the idle time: each under it since the one before.
    for (const start = Date.now(); Date.now() - start < 3000; ) {
      assert.equal((await itemsWith(idle, session.cookie)).statusCode, 200);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await new Promise((resolve) => setTimeout(resolve, 1800));
    assert.equal((await itemsWith(idle, session.cookie)).statusCode, 401);
  } finally {
    await idle.closeAll();
  }
});
