// The portal decides who may pass on the route Fastify matched, not on how the URL is spelled:
// `/%61pi/items` is the route `/api/items`, and meets the same session and CSRF checks.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  createTestDatabase,
  type TestDatabase,
  type TestPerson,
} from '../../../test/helpers/database.ts';
import { buildTestPortal, signInAs, type TestPortal } from '../../../test/helpers/portal.ts';

describe('the portal under other spellings of /api', () => {
  let db: TestDatabase;
  let portal: TestPortal;
  let person: TestPerson;

  before(async () => {
    db = await createTestDatabase();
    portal = await buildTestPortal(db);
    person = await db.addPerson('sales');
  });
  after(async () => {
    await portal.closeAll();
    await db.close();
  });

  const get = (url: string, headers: Record<string, string> = {}) =>
    portal.inject({ method: 'GET', url, headers });

  test('without a session: 401 or 404, never data', async () => {
    for (const url of [
      '/%61pi/items',
      '/api/%69tems',
      '/%61pi/session',
      '/%61pi/reports/top-items',
    ]) {
      const answer = await get(url);
      assert.equal(answer.statusCode, 401, url);
      assert.equal(answer.json().code, 'not_signed_in', url);
    }
    for (const url of ['//api/items', '/api/./items', '/api//items', '/%61pi/nothing-here']) {
      const answer = await get(url);
      assert.ok([401, 404].includes(answer.statusCode), `${url}: ${answer.statusCode}`);
      assert.equal(answer.body.includes('item_name'), false, `${url} shows no data`);
    }
  });

  test('with a session, the encoded route is the same route: it serves, and changes need the CSRF token', async () => {
    const client = await signInAs(portal, person);
    const signOut = await portal.inject({
      method: 'DELETE',
      url: '/%61pi/session',
      headers: { cookie: client.cookie },
    });
    assert.equal(signOut.statusCode, 403, 'no sign-out without the CSRF token');
    assert.equal(signOut.json().code, 'csrf');
    assert.equal((await client.get('/api/items')).status, 200, 'the session is still there');
    assert.equal((await get('/%61pi/items', { cookie: client.cookie })).statusCode, 200);
    const added = await portal.inject({
      method: 'POST',
      url: '/%61pi/items',
      headers: { cookie: client.cookie },
      payload: { item_name: 'Forged', item_cost: 1, item_weight: 1 },
    });
    assert.equal(added.statusCode, 403);
    assert.equal(added.json().code, 'csrf');
  });
});
