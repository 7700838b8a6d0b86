// The analysts' SQL workspace through the gateway, against a real PostgreSQL: it logs in as an
// analytics SQL login whose only membership is tessera_analytics_reader, so it reads the analytics
// views and nothing else, whatever the statement tries.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { createGatewayTestbed, type GatewayTestbed } from '../../../test/helpers/gateway.ts';
import { addPrincipal, createKey } from '../gateway/principals.ts';
import { createAnalyticsLogin, removeAnalyticsLogin } from './logins.ts';

describe('the analysts’ SQL workspace', () => {
  let t: GatewayTestbed;
  let analystKey: string;
  let userKey: string;
  let login: string;
  let password: string;
  const send = (method: 'GET' | 'POST', url: string, body?: object, key = analystKey) =>
    t.gateway.inject({
      method,
      url,
      headers: { authorization: `Bearer ${key}` },
      ...(body ? { payload: body } : {}),
    });
  const run = (sql: string, params: unknown[] = []) =>
    send('POST', '/api/analytics/sql', { sql, params });

  before(async () => {
    t = await createGatewayTestbed();
    await addPrincipal(t.bed.db, { name: 'ann', role: 'analyst' });
    analystKey = await createKey(t.bed.db, 'ann', 'bi', ['images:read']);
    await addPrincipal(t.bed.db, { name: 'ada', role: 'user' });
    userKey = await createKey(t.bed.db, 'ada', 'laptop', ['images:read', 'images:write']);
    login = `bi_${randomBytes(4).toString('hex')}`;
    const url = new URL(await createAnalyticsLogin(t.bed.db, t.bed.database.url, login));
    password = decodeURIComponent(url.password);
  });
  after(async () => {
    await t.close().catch(() => {});
  });

  test('closed until opened with the analytics login; a wrong password is 401', async () => {
    assert.equal((await run('select 1')).statusCode, 428);
    const wrong = await send('POST', '/api/analytics/sql/open', { login, password: 'nope' });
    assert.equal(wrong.statusCode, 401);
    const open = await send('POST', '/api/analytics/sql/open', { login, password });
    assert.equal(open.statusCode, 200, open.body);
  });

  test('only analysts may open it', async () => {
    const answer = await send('POST', '/api/analytics/sql/open', { login, password }, userKey);
    assert.equal(answer.statusCode, 403);
  });

  test('a login that is more than an analytics reader is refused', async () => {
    const person = await t.bed.database.addPerson('analytics');
    const answer = await send('POST', '/api/analytics/sql/open', {
      login: person.login,
      password: person.password,
    });
    assert.equal(answer.statusCode, 403, answer.body);
    assert.match(answer.json().message, /tessera_analytics_reader/);
    const again = await send('POST', '/api/analytics/sql/open', { login, password });
    assert.equal(again.statusCode, 200);
  });

  test('reads the analytics views as the login, and nothing of images.* or commerce', async () => {
    const who = await run('select current_user, count(*) as n from analytics.images');
    assert.equal(who.statusCode, 200, who.body);
    assert.equal(who.json().rows[0][0], login);
    const raw = await run('select * from images.images');
    assert.equal(raw.statusCode, 403);
    assert.equal(raw.json().sqlstate, '42501');
    const owner = (await t.bed.db.query<{ name: string }>('select current_user as name')).rows[0]
      ?.name;
    for (const target of ['commerce_portal', 'commerce_pii', owner]) {
      const answer = await run(
        `select set_config('role', $1, true), query_to_xml('select 1', true, false, '')`,
        [target],
      );
      assert.equal(answer.statusCode, 403, `${target}: ${answer.body}`);
      assert.match(answer.json().message, /permission denied to set role/);
    }
  });

  test('refusals before the database, explain, and the schema for autocompletion', async () => {
    assert.equal((await run('set role tessera_analytics_reader')).statusCode, 400);
    assert.equal((await run('select 1; select 2')).statusCode, 400);
    const plan = await send('POST', '/api/analytics/sql/explain', {
      sql: 'select count(*) from analytics.images',
      analyze: true,
    });
    assert.equal(plan.statusCode, 200, plan.body);
    assert.equal(typeof plan.json().plan[0]['Execution Time'], 'number');
    const schema = await send('GET', '/api/analytics/sql/schema');
    assert.equal(schema.statusCode, 200, schema.body);
    const names = schema.json().schemas.map((s: { name: string }) => s.name);
    assert.ok(names.includes('analytics'));
    assert.ok(!names.includes('images') && !names.includes('commerce'));
  });

  test('closing it ends the login’s connections', async () => {
    assert.equal((await send('POST', '/api/analytics/sql/close')).statusCode, 200);
    assert.equal((await run('select 1')).statusCode, 428);
    await removeAnalyticsLogin(t.bed.db, login);
  });
});
