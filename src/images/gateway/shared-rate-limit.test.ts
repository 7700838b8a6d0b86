// Several gateways share one rate limit through Redis (a real redis-server started here).
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { Redis } from 'ioredis';
import { createGatewayTestbed } from '../../../test/helpers/gateway.ts';
import { freePort } from '../../../test/helpers/ports.ts';
import { buildGateway } from './app.ts';
import { addPrincipal, createKey } from './principals.ts';

const redisServer = '/usr/bin/redis-server';

test('two gateways with REDIS_URL count one limit together', {
  skip: existsSync(redisServer) ? false : 'redis-server is not installed',
}, async () => {
  const port = await freePort();
  const server: ChildProcess = spawn(
    redisServer,
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  const clients: Redis[] = [];
  const connect = async () => {
    const client = new Redis({
      port,
      host: '127.0.0.1',
      maxRetriesPerRequest: 1,
      retryStrategy: (times) => (times > 20 ? null : 50),
    });
    clients.push(client);
    await client.ping();
    return client;
  };
  const t = await createGatewayTestbed({ rateLimit: 4, redis: await connect() });
  const other = await buildGateway({ ...t.gatewayDeps, redis: await connect() });
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
    for (const client of clients) client.disconnect();
    server.kill();
  }
});
