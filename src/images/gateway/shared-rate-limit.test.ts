// Several gateways share one rate limit through Redis (a real redis-server started here).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createGatewayTestbed } from '../../../test/helpers/gateway.ts';
import { redisMissing, startRedis } from '../../../test/helpers/redis.ts';
import { buildGateway } from './app.ts';
import { addPrincipal, createKey } from './principals.ts';

test('two gateways with REDIS_URL count one limit together', {
  skip: redisMissing,
}, async () => {
  const redis = await startRedis();
  const t = await createGatewayTestbed({ rateLimit: 4, redis: await redis.connect() });
  const other = await buildGateway({ ...t.gatewayDeps, redis: await redis.connect() });
  try {
    await addPrincipal(t.bed.db, { name: 'shared', role: 'user' });
    const key = await createKey(t.bed.db, 'shared', 'loop', ['images:read']);
    const statuses: number[] = [];
    for (const gateway of [t.gateway, other, t.gateway, other, t.gateway, other]) {
      const response = await gateway.inject({
        method: 'GET',
        url: '/api/images',
        headers: { authorization: `Bearer ${key}` },
      });
      statuses.push(response.statusCode);
    }
    assert.deepEqual(statuses, [200, 200, 200, 200, 429, 429]);
  } finally {
    await other.close();
    await t.close();
    await redis.close();
  }
});
