import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  createTestDatabase,
  type TestDatabase,
  type TestPerson,
} from '../../../test/helpers/database.ts';
import { buildTestPortal, signInAs, type TestPortal } from '../../../test/helpers/portal.ts';

describe('portal sessions and the network allow-list', () => {
  let db: TestDatabase;
  let portal: TestPortal;
  let person: TestPerson;

  before(async () => {
    db = await createTestDatabase();
    portal = await buildTestPortal(db, {}, { PORTAL_SIGNIN_LOCK_AFTER: '3' });
    person = await db.addPerson('sales');
  });
  after(async () => {
    await portal.closeAll();
    await db.close();
  });

  const signIn = (login: string, password: string, remoteAddress?: string) =>
    portal.inject({
      method: 'POST',
      url: '/api/session',
      payload: { login, password },
      ...(remoteAddress ? { remoteAddress } : {}),
    });

  test('the cookie is HttpOnly and SameSite=Strict, and sign-out really ends the session', async () => {
    const response = await signIn(person.login, person.password);
    assert.equal(response.statusCode, 200);
    assert.match(String(response.headers['set-cookie']), /HttpOnly/);
    assert.match(String(response.headers['set-cookie']), /SameSite=Strict/);
    const client = await signInAs(portal, person);
    assert.equal((await client.get('/api/items')).status, 200);
    const out = await client.send('DELETE', '/api/session');
    assert.equal(out.status, 204);
    assert.equal((await client.get('/api/items')).status, 401, 'the old cookie no longer works');
  });

  test('a wrong password, an unknown login and a role that is not a person are all refused', async () => {
    for (const [login, password] of [
      [person.login, 'not the password'],
      ['nobody_at_all', 'whatever'],
    ] as const) {
      const response = await signIn(login, password);
      assert.equal(response.statusCode, 401);
      assert.equal(response.json().message, 'Wrong login or password.');
    }
    const owner = new URL(db.url);
    const superuser = await signIn(
      decodeURIComponent(owner.username),
      decodeURIComponent(owner.password),
    );
    assert.equal(superuser.statusCode, 403);
    assert.match(superuser.json().message, /Only people in a team/);
  });

  test('repeated failures lock the login, even against the right password', async () => {
    const victim = await db.addPerson('analytics');
    for (let i = 0; i < 3; i++) assert.equal((await signIn(victim.login, 'guess')).statusCode, 401);
    const locked = await signIn(victim.login, victim.password);
    assert.equal(locked.statusCode, 429);
    assert.match(
      locked.json().message,
      /Too many failed sign-ins for this login. Try again in 1 minute/,
    );
    await db.admin.query(
      "update portal.sign_in_failures set locked_until = now() - interval '1 second' where login = $1",
      [victim.login],
    );
    assert.equal(
      (await signIn(victim.login, victim.password)).statusCode,
      200,
      'after the lock, the right password works',
    );
  });

  test('a disabled login gets a clear answer', async () => {
    const leaver = await db.addPerson('sales');
    await db.admin.query('select commerce.set_person_enabled($1, false)', [leaver.login]);
    const response = await signIn(leaver.login, leaver.password);
    assert.equal(response.statusCode, 403);
    assert.match(response.json().message, /disabled/);
  });

  test('without a session the API answers 401; a change without the CSRF token is refused', async () => {
    assert.equal((await portal.inject({ method: 'GET', url: '/api/items' })).statusCode, 401);
    const client = await signInAs(portal, person);
    const forged = await portal.inject({
      method: 'POST',
      url: '/api/items',
      headers: { cookie: client.cookie },
      payload: { item_name: 'Forged', item_cost: 1, item_weight: 1 },
    });
    assert.equal(forged.statusCode, 403);
    assert.equal(forged.json().code, 'csrf');
  });

  test('errors carry a request id and never a stack trace', async () => {
    const response = await portal.inject({
      method: 'GET',
      url: '/api/items/abc',
      headers: { 'x-request-id': 'trace-me-1' },
    });
    assert.equal(response.headers['x-request-id'], 'trace-me-1');
    assert.equal(response.statusCode, 401);
    const body = response.json();
    assert.equal(body.requestId, 'trace-me-1');
    assert.doesNotMatch(response.body, /at .*\.ts:\d+/);
  });

  test('a request from outside the allowed networks gets 403 before anything else', async () => {
    for (const url of ['/api/health', '/api/session', '/api/openapi.json', '/']) {
      const response = await portal.inject({ method: 'GET', url, remoteAddress: '203.0.113.9' });
      assert.equal(response.statusCode, 403, url);
      assert.equal(response.json().code, 'address_not_allowed');
    }
    const signInFromOutside = await signIn(person.login, person.password, '203.0.113.9');
    assert.equal(signInFromOutside.statusCode, 403);
  });

  test('X-Forwarded-For counts only from a trusted proxy', async () => {
    const spoof = await portal.inject({
      method: 'GET',
      url: '/api/health',
      remoteAddress: '203.0.113.9',
      headers: { 'x-forwarded-for': '127.0.0.1' },
    });
    assert.equal(spoof.statusCode, 403, 'an untrusted peer cannot claim an allowed address');
    const behindProxy = await buildTestPortal(
      db,
      {},
      { TRUST_PROXY: '10.0.0.2/32', PORTAL_ALLOW_CIDRS: '192.168.7.0/24' },
    );
    try {
      const allowed = await behindProxy.inject({
        method: 'GET',
        url: '/api/health',
        remoteAddress: '10.0.0.2',
        headers: { 'x-forwarded-for': '192.168.7.20' },
      });
      assert.equal(allowed.statusCode, 200);
      const blocked = await behindProxy.inject({
        method: 'GET',
        url: '/api/health',
        remoteAddress: '10.0.0.2',
        headers: { 'x-forwarded-for': '198.51.100.1' },
      });
      assert.equal(blocked.statusCode, 403);
      const proxyItself = await behindProxy.inject({
        method: 'GET',
        url: '/api/health',
        remoteAddress: '10.0.0.2',
      });
      assert.equal(proxyItself.statusCode, 403, 'the proxy’s own address is not in the allow-list');
    } finally {
      await behindProxy.closeAll();
    }
  });

  test('the API is documented by OpenAPI', async () => {
    const doc = (await portal.inject({ method: 'GET', url: '/api/openapi.json' })).json();
    for (const path of [
      '/api/session',
      '/api/memberships',
      '/api/items',
      '/api/transactions',
      '/api/reports/top-members',
      '/api/people',
      '/api/audit',
    ]) {
      assert.ok(doc.paths[path], path);
    }
  });
});
