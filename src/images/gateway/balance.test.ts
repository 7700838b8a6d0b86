// One gateway in front of two real image API instances on loopback, sharing one database and one
// store as a fleet does: requests are taken in turn, an instance that refuses connections is passed
// over (a request that never reached it is sent to the other), it comes back after its health
// check, and a request an instance may have received is never sent twice.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { type IncomingMessage, request } from 'node:http';
import { after, before, beforeEach, describe, test } from 'node:test';
import sharp from 'sharp';
import {
  createGatewayTestbed,
  type GatewayTestbed,
  gatewaySecret,
} from '../../../test/helpers/gateway.ts';
import { makeImage, seededBytes } from '../../../test/helpers/images.ts';
import { until } from '../../../test/helpers/until.ts';
import { listen } from '../../platform/http/listen.ts';
import { buildImageApi } from '../api/app.ts';
import { buildGateway } from './app.ts';
import type { BalanceSettings } from './balancer.ts';
import { addPrincipal, createKey } from './principals.ts';
import { imageApiUpstreams } from './service.ts';

type Instance = {
  name: string;
  url: string;
  /** Requests it received, as `METHOD /path`, health checks left out. */
  seen: string[];
  /** When set, it dies (drops the connection) as soon as a request body starts arriving. */
  dying: boolean;
  server: import('node:http').Server;
  close(): Promise<void>;
};

describe('a gateway in front of two image API instances', () => {
  let t: GatewayTestbed;
  let key: string;
  let a: Instance;
  let b: Instance;
  /** Which instance answered each request, in order. */
  let order: string[];

  async function startInstance(name: string, port = 0): Promise<Instance> {
    const app = await buildImageApi({ ...t.bed, gatewaySecret });
    const url = await listen(app, { host: '127.0.0.1', port });
    let closing: Promise<void> | undefined;
    const instance: Instance = {
      name,
      url,
      seen: [],
      dying: false,
      server: app.server,
      close: () => {
        closing ??= app.close();
        return closing;
      },
    };
    app.server.on('request', (request) => {
      if (request.url === '/health') return;
      instance.seen.push(`${request.method} ${request.url}`);
      order.push(name);
      if (instance.dying && request.method === 'POST')
        request.once('data', () => request.socket.destroy());
    });
    return instance;
  }

  const gatewayWith = (balance: BalanceSettings) =>
    buildGateway({ ...t.gatewayDeps, upstreams: imageApiUpstreams([a.url, b.url]), balance });

  type Gateway = Awaited<ReturnType<typeof gatewayWith>>;
  const list = (gateway: Gateway) =>
    gateway.inject({
      method: 'GET',
      url: '/api/images',
      headers: { authorization: `Bearer ${key}` },
    });
  const upload = (gateway: Gateway, bytes: Buffer) =>
    gateway.inject({
      method: 'POST',
      url: '/api/images',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/octet-stream' },
      payload: bytes,
    });
  const imageIds = async (gateway: Gateway): Promise<string[]> =>
    (await list(gateway)).json().data.map((i: { image_id: string }) => i.image_id);
  /** Lists until the one that answered the last is `name`, so the next request goes to the other. */
  const turnAfter = async (gateway: Gateway, name: string) => {
    for (let i = 0; i < 2 && order.at(-1) !== name; i++)
      assert.equal((await list(gateway)).statusCode, 200);
    assert.equal(order.at(-1), name);
  };

  before(async () => {
    t = await createGatewayTestbed();
    await addPrincipal(t.bed.db, { name: 'ada', role: 'user' });
    key = await createKey(t.bed.db, 'ada', 'laptop', ['images:read', 'images:write']);
  });
  beforeEach(async () => {
    order = [];
    a = await startInstance('a');
    b = await startInstance('b');
  });
  after(() => t.close());

  test('GETs alternate between the instances, and uploads through the gateway land once', async () => {
    const gateway = await gatewayWith({ downFor: 5000, checkEvery: 60_000 });
    try {
      for (let i = 0; i < 6; i++) assert.equal((await list(gateway)).statusCode, 200);
      assert.deepEqual(order, ['a', 'b', 'a', 'b', 'a', 'b']);
      const before = await imageIds(gateway);
      for (const scene of [11, 12]) {
        const posted = await upload(
          gateway,
          await makeImage('jpeg', { width: 96, height: 64, scene }),
        );
        assert.equal(posted.statusCode, 201, posted.body);
      }
      assert.deepEqual(
        [a, b].map((one) => one.seen.filter((s) => s === 'POST /images').length),
        [1, 1],
        'one upload to each',
      );
      assert.equal((await imageIds(gateway)).length, before.length + 2);
    } finally {
      await gateway.close();
      await a.close();
      await b.close();
    }
  });

  test('an instance that refuses connections is passed over: the request that met it goes to the other, once', async () => {
    // No background checks here: only the refused connection itself takes b out.
    const gateway = await gatewayWith({ downFor: 60_000, checkEvery: 60_000 });
    try {
      const before = await imageIds(gateway);
      await turnAfter(gateway, 'a');
      await b.close();
      const aUploads = a.seen.filter((s) => s === 'POST /images').length;
      // The next pick is b, which refuses: the upload, not one byte of which reached b, goes to a,
      // whole. Sent over a socket as a client sends it, larger than any buffer on the way.
      const big = await sharp(seededBytes(700 * 700 * 3, 21), {
        raw: { width: 700, height: 700, channels: 3 },
      })
        .png()
        .toBuffer();
      assert.ok(big.length > 1024 * 1024, `${big.length} bytes`);
      const gatewayUrl = await listen(gateway, { host: '127.0.0.1', port: 0 });
      const posted = await fetch(`${gatewayUrl}/api/images`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'image/png' },
        body: big,
      });
      const answer = (await posted.json()) as { id: string; image: { sha256: string } };
      assert.equal(posted.status, 201, JSON.stringify(answer));
      assert.equal(answer.image.sha256, createHash('sha256').update(big).digest('hex'));
      assert.equal(a.seen.filter((s) => s === 'POST /images').length, aUploads + 1);
      const after = await imageIds(gateway);
      assert.equal(after.length, before.length + 1, 'stored exactly once');
      assert.ok(after.includes(answer.id));
      // b is now skipped without being tried: every request goes to a.
      const served = order.length;
      for (let i = 0; i < 4; i++) assert.equal((await list(gateway)).statusCode, 200);
      assert.deepEqual(order.slice(served), ['a', 'a', 'a', 'a']);
      const ready = await gateway.inject({ method: 'GET', url: '/readyz' });
      assert.equal(ready.statusCode, 200, 'ready while one instance of each upstream is');
      assert.deepEqual(ready.json().upstreams['/api/images'], ['up', 'down']);
      const metrics = (await gateway.inject({ method: 'GET', url: '/metrics' })).body;
      assert.match(metrics, /gateway_upstream_instances_up\{upstream="\/api\/images"\} 1\n/);

      // Both down: a clear 503, and not ready.
      await a.close();
      const refused = await list(gateway);
      assert.equal(refused.statusCode, 503);
      assert.equal(refused.json().code, 'upstream_unavailable');
      assert.match(
        refused.json().message,
        /all 2 instances are down\). Try again in a few seconds/,
      );
      assert.ok(refused.headers['retry-after']);
      const notReady = await gateway.inject({ method: 'GET', url: '/readyz' });
      assert.equal(notReady.statusCode, 503);
      assert.deepEqual(notReady.json().upstreams['/api/images'], ['down', 'down']);
      assert.match(notReady.json().problems.join('\n'), /\/api\/images upstream not ready/);
    } finally {
      await gateway.close();
      await a.close();
      await b.close();
    }
  });

  test('an instance that comes back on its port receives requests again after its health check', async () => {
    const gateway = await gatewayWith({ downFor: 500, checkEvery: 200 });
    let back: Instance | undefined;
    try {
      const port = Number(new URL(b.url).port);
      await b.close();
      await until('b taken out', async () => {
        const served = order.length;
        await list(gateway);
        await list(gateway);
        return order.slice(served).join() === 'a,a';
      });
      back = await startInstance('b', port);
      await until(
        'b back in the rotation',
        async () => (await list(gateway)).statusCode === 200 && order.at(-1) === 'b',
        10_000,
      );
      assert.equal((await list(gateway)).statusCode, 200);
      assert.equal(order.at(-1), 'a', 'taken in turn again');
      const metrics = (await gateway.inject({ method: 'GET', url: '/metrics' })).body;
      assert.match(metrics, /gateway_upstream_instances_up\{upstream="\/api\/images"\} 2\n/);
    } finally {
      await gateway.close();
      await a.close();
      await back?.close();
    }
  });

  test('a request whose body reached an instance that died is answered 502, never sent to the other', async () => {
    const gateway = await gatewayWith({ downFor: 5000, checkEvery: 60_000 });
    try {
      const before = await imageIds(gateway);
      await turnAfter(gateway, 'b');
      a.dying = true;
      const bSeen = b.seen.length;
      const posted = await upload(
        gateway,
        await makeImage('jpeg', { width: 400, height: 300, scene: 31 }),
      );
      assert.equal(posted.statusCode, 502, posted.body);
      assert.equal(posted.json().code, 'upstream_unavailable');
      assert.ok(a.seen.includes('POST /images'), 'a received it');
      assert.deepEqual(b.seen.slice(bSeen), [], 'b received nothing of it');
      a.dying = false;
      assert.deepEqual(await imageIds(gateway), before);
    } finally {
      await gateway.close();
      await a.close();
      await b.close();
    }
  });

  test('a client gone mid-upload ends the request at the instance too', async () => {
    const gateway = await gatewayWith({ downFor: 5000, checkEvery: 60_000 });
    try {
      const gatewayUrl = new URL(await listen(gateway, { host: '127.0.0.1', port: 0 }));
      await turnAfter(gateway, 'b');
      const arrived = once(a.server, 'request') as Promise<[IncomingMessage]>;
      // A body of unknown length, of which only a part is ever sent.
      const client = request({
        host: gatewayUrl.hostname,
        port: gatewayUrl.port,
        method: 'POST',
        path: '/api/images',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'image/png' },
      });
      client.on('error', () => {});
      client.write(Buffer.alloc(64 * 1024, 7));
      const [atInstance] = await arrived;
      // Aborted at the instance: 'error' (aborted) and 'close'.
      const gone = new Promise((resolve) => atInstance.on('close', resolve));
      client.destroy();
      await Promise.race([
        gone,
        new Promise((_, reject) =>
          setTimeout(() => reject(new Error('the instance still waits for the body')), 5000),
        ),
      ]);
      assert.equal(atInstance.complete, false, 'the instance never took it for a whole body');
    } finally {
      await gateway.close();
      await a.close();
      await b.close();
    }
  });
});
