// Two gateways, each with its own pool, key cache and revocation listener, on one database: a key
// is verified once per gateway and then served from its cache, and a revocation (the CLI, the domain
// function or plain SQL) reaches both within a second, also after the listener was cut off.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { tesseraAsync } from '../../../test/helpers/cli.ts';
import { createGatewayTestbed, type GatewayTestbed } from '../../../test/helpers/gateway.ts';
import { redisMissing, startRedis, type TestRedis } from '../../../test/helpers/redis.ts';
import { until } from '../../../test/helpers/until.ts';
import { createPool, type Pool } from '../../platform/db/pool.ts';
import { listenForRevocations } from '../../platform/db/revocations.ts';
import { buildGateway } from './app.ts';
import { createKeyCache, type KeyCache, revocationChannel } from './key-cache.ts';
import { addPrincipal, createKey, revokeKey } from './principals.ts';

type Gateway = Awaited<ReturnType<typeof buildGateway>>;

// As a fleet runs them: the gateways also share their rate limit through a real redis-server.
describe('two gateways with key caches', { skip: redisMissing }, () => {
  let redis: TestRedis;
  let t: GatewayTestbed;
  let otherPool: Pool;
  let other: Gateway;
  const caches: KeyCache[] = [];
  const listeners: { close(): Promise<void> }[] = [];
  const listenerName = `revocations-test-${process.pid}`;
  let gateways: Gateway[];

  before(async () => {
    // A ttl far beyond the test: only a revocation can drop an entry.
    for (let i = 0; i < 2; i++) caches.push(createKeyCache({ ttl: 600_000, max: 100 }));
    redis = await startRedis();
    t = await createGatewayTestbed({ keyCache: caches[0], redis: await redis.connect() });
    otherPool = createPool(t.bed.database.url, { max: 4 });
    other = await buildGateway({
      ...t.gatewayDeps,
      db: otherPool,
      keyCache: caches[1],
      redis: await redis.connect(),
    });
    gateways = [t.gateway, other];
    for (const cache of caches) {
      listeners.push(
        listenForRevocations(
          {
            databaseUrl: t.bed.database.url,
            channel: revocationChannel,
            what: 'key',
            cache,
            log: t.gatewayDeps.log,
          },
          // Slow to listen again, so that the test can act while a gateway is not listening.
          { firstRetry: 1500, applicationName: listenerName },
        ),
      );
    }
    await until('both gateways listen for revocations', async () => caches.every((c) => c.trusted));
  });
  after(async () => {
    for (const listener of listeners) await listener.close();
    await other.close();
    await otherPool.end();
    await t.close();
    await redis.close();
  });

  const get = (gateway: Gateway, key: string, remoteAddress = '127.0.0.1') =>
    gateway.inject({
      method: 'GET',
      url: '/api/images',
      remoteAddress,
      headers: { authorization: `Bearer ${key}` },
    });

  async function lookups(gateway: Gateway, result: string): Promise<number> {
    const text = (await gateway.inject({ method: 'GET', url: '/metrics' })).body;
    const line = text
      .split('\n')
      .find((l) => l.startsWith(`gateway_key_lookups_total{result="${result}"}`));
    return line ? Number(line.split(' ').at(-1)) : 0;
  }

  /** A new principal and key, answered 200 by both gateways, the second time from their caches. */
  async function cachedKey(name: string) {
    await addPrincipal(t.bed.db, { name, role: 'user' });
    const key = await createKey(t.bed.db, name, 'k', ['images:read']);
    for (const gateway of gateways) {
      const hits = await lookups(gateway, 'hit');
      for (let i = 0; i < 2; i++) assert.equal((await get(gateway, key)).statusCode, 200);
      assert.equal(await lookups(gateway, 'hit'), hits + 1, 'the second request is a cache hit');
    }
    return key;
  }

  /** Milliseconds until every gateway answers `status` for the key, polled every 50 ms. */
  async function timeToAnswer(key: string, status: number, remoteAddress?: string) {
    const started = Date.now();
    await Promise.all(
      gateways.map(async (gateway) => {
        while ((await get(gateway, key, remoteAddress)).statusCode !== status) {
          if (Date.now() - started > 5000) assert.fail(`still not ${status} after 5 s`);
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      }),
    );
    return Date.now() - started;
  }

  test('a key works on both gateways and is verified in the database once per gateway', async () => {
    const misses = await Promise.all(gateways.map((g) => lookups(g, 'miss')));
    const key = await cachedKey('both');
    for (const [i, gateway] of gateways.entries()) {
      assert.equal((await get(gateway, key)).statusCode, 200);
      assert.equal(await lookups(gateway, 'miss'), (misses[i] ?? 0) + 1);
    }
  });

  test('a key revoked with tessera keys revoke is refused by both gateways within 1 s', async () => {
    const key = await cachedKey('revoked');
    const cli = await tesseraAsync(['keys', 'revoke', key], { databaseUrl: t.bed.database.url });
    assert.equal(cli.status, 0, cli.stderr);
    const took = await timeToAnswer(key, 401);
    assert.ok(took < 1000, `refused after ${took} ms`);
  });

  test('a principal disabled with tessera principals disable is refused by both within 1 s', async () => {
    const key = await cachedKey('disabled');
    const cli = await tesseraAsync(['principals', 'disable', 'disabled'], {
      databaseUrl: t.bed.database.url,
    });
    assert.equal(cli.status, 0, cli.stderr);
    const took = await timeToAnswer(key, 401);
    assert.ok(took < 1000, `refused after ${took} ms`);
  });

  test("a principal's networks changed apply on both gateways within 1 s", async () => {
    const key = await cachedKey('moved');
    await t.bed.db.query(
      `update gateway.principals set cidrs = '{10.9.0.0/16}' where name = 'moved'`,
    );
    const took = await timeToAnswer(key, 403);
    assert.ok(took < 1000, `refused after ${took} ms`);
    assert.equal((await get(t.gateway, key, '10.9.1.2')).statusCode, 200);
  });

  test('with the listener cut off, the gateways bypass their caches, listen again, and hear the next revocation', async () => {
    const first = await cachedKey('cut-first');
    const second = await cachedKey('cut-second');
    const cut = await t.bed.db.query(
      `select pg_terminate_backend(pid) from pg_stat_activity
       where application_name = $1 and datname = current_database()`,
      [listenerName],
    );
    assert.equal(cut.rowCount, 2);
    await until('both caches are off', async () => caches.every((c) => !c.trusted), 1000);
    // Not listening: this revocation is heard by nobody, and still refused at once.
    const bypassed = await Promise.all(gateways.map((g) => lookups(g, 'bypass')));
    await revokeKey(t.bed.db, first);
    for (const [i, gateway] of gateways.entries()) {
      assert.equal((await get(gateway, first)).statusCode, 401);
      assert.equal((await get(gateway, second)).statusCode, 200);
      assert.equal(await lookups(gateway, 'bypass'), (bypassed[i] ?? 0) + 2);
    }
    await until('both gateways listen again', async () => caches.every((c) => c.trusted), 10_000);
    for (const gateway of gateways) {
      const hits = await lookups(gateway, 'hit');
      for (let i = 0; i < 2; i++) assert.equal((await get(gateway, second)).statusCode, 200);
      assert.equal(await lookups(gateway, 'hit'), hits + 1, 'cached again');
    }
    await revokeKey(t.bed.db, second);
    const took = await timeToAnswer(second, 401);
    assert.ok(took < 1000, `refused after ${took} ms`);
  });
});
