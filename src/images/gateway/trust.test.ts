// The gateway under hostile input: guessed keys, oversized sign-in bodies, URLs spelled to slip
// past the checks, and principal headers captured on the way and replayed elsewhere.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { tesseraAsync } from '../../../test/helpers/cli.ts';
import {
  createGatewayTestbed,
  type GatewayTestbed,
  gatewaySecret,
} from '../../../test/helpers/gateway.ts';
import { makeImage } from '../../../test/helpers/images.ts';
import { listen } from '../../platform/http/listen.ts';
import { imageApiAudience, verifyPrincipal } from '../principal.ts';
import { addPrincipal, createKey } from './principals.ts';

const wrongKey = 'tsk_000000000000_notarealkeynotarealkeynotarealkeynotareal';

test('wrong keys and sessions count against the address in the rate limit', async () => {
  const t = await createGatewayTestbed({ rateLimit: 3 });
  try {
    await addPrincipal(t.bed.db, { name: 'honest', role: 'user' });
    const key = await createKey(t.bed.db, 'honest', 'laptop', ['images:read']);
    const get = (headers: Record<string, string>, remoteAddress = '10.1.1.1') =>
      t.gateway.inject({ method: 'GET', url: '/api/images', headers, remoteAddress });
    const statuses: number[] = [];
    const wrong: Record<string, string>[] = [
      { authorization: `Bearer ${wrongKey}` },
      { cookie: 'tessera_gw_session=made-up' },
      { authorization: 'Bearer guess' },
    ];
    for (const headers of wrong) statuses.push((await get(headers)).statusCode);
    const refused = await get({ authorization: `Bearer ${wrongKey}` });
    assert.deepEqual([...statuses, refused.statusCode], [401, 401, 401, 429]);
    assert.equal(refused.json().code, 'rate_limited');
    assert.ok(Number(refused.headers['retry-after']) > 0, 'with Retry-After');
    assert.equal(
      (await get({ authorization: `Bearer ${wrongKey}` }, '10.1.1.2')).statusCode,
      401,
      'another address has its own count',
    );
    assert.equal(
      (await get({ authorization: `Bearer ${key}` })).statusCode,
      200,
      'a valid key from that address counts against its principal, not the address',
    );
  } finally {
    await t.close();
  }
});

describe('the gateway', () => {
  let t: GatewayTestbed;
  let key: string;
  let fencedKey: string;
  let recorded: { method: string; url: string; headers: IncomingHttpHeaders }[];
  let ordersUrl: string;
  const orders = createServer((request, response) => {
    // The gateway's health checks are not what these tests look at.
    if (request.url === '/health') return void response.end('{"ok":true}');
    recorded.push({
      method: request.method ?? '',
      url: request.url ?? '',
      headers: request.headers,
    });
    response.setHeader('content-type', 'application/json');
    response.end('{"orders":[]}');
  });

  before(async () => {
    // Another API behind the gateway: a plain server that records what the gateway sends it.
    orders.listen(0, '127.0.0.1');
    await once(orders, 'listening');
    ordersUrl = `http://127.0.0.1:${(orders.address() as AddressInfo).port}`;
    recorded = [];
    t = await createGatewayTestbed({}, {}, [
      { prefix: '/api/orders', urls: [ordersUrl], rewritePrefix: '/v1', audience: 'orders' },
    ]);
    await addPrincipal(t.bed.db, { name: 'ada', role: 'user' });
    key = await createKey(t.bed.db, 'ada', 'laptop', ['images:read', 'images:write']);
    await addPrincipal(t.bed.db, { name: 'fenced', role: 'engineer', cidrs: ['10.20.0.0/16'] });
    fencedKey = await createKey(t.bed.db, 'fenced', 'ci', ['images:read']);
  });
  after(async () => {
    await t.close();
    orders.close();
  });

  const call = (method: string, url: string, headers: Record<string, string> = {}) =>
    t.gateway.inject({ method: method as 'GET', url, headers });
  const bearer = (k: string) => ({ authorization: `Bearer ${k}` });

  test('the principal header is signed for the upstream, method, path and query it reaches', async () => {
    const answer = await call('GET', '/api/orders/list?status=open&page=2', bearer(key));
    assert.equal(answer.statusCode, 200, answer.body);
    const seen = recorded.at(-1);
    assert.ok(seen);
    assert.equal(seen.url, '/v1/list?status=open&page=2', 'rewritten as the upstream sees it');
    const asSeen = { method: seen.method, url: seen.url, audience: 'orders' };
    assert.equal(verifyPrincipal(seen.headers, gatewaySecret, asSeen)?.role, 'user');
    for (const other of [
      { ...asSeen, method: 'DELETE' },
      { ...asSeen, url: '/v1/list?status=open&page=3' },
      { ...asSeen, url: '/v1/other?status=open&page=2' },
      { ...asSeen, audience: imageApiAudience },
    ])
      assert.equal(
        verifyPrincipal(seen.headers, gatewaySecret, other),
        null,
        JSON.stringify(other),
      );
    assert.equal(
      verifyPrincipal(seen.headers, gatewaySecret, asSeen, Date.now() + 31_000),
      null,
      'good for 30 s',
    );

    // Captured at the orders API and replayed at the image API, it opens nothing.
    const replayed = await fetch(`${t.imageApiUrl}/images`, {
      headers: {
        'x-tessera-principal': String(seen.headers['x-tessera-principal']),
        'x-tessera-signature': String(seen.headers['x-tessera-signature']),
      },
    });
    assert.equal(replayed.status, 401);
  });

  test('an upstream checks the header with the key `tessera principals upstream-key` prints', async () => {
    const printed = await tesseraAsync(['principals', 'upstream-key', 'orders'], {
      env: { GATEWAY_SECRET: gatewaySecret },
    });
    assert.equal(printed.status, 0, printed.stderr);
    const upstreamKey = Buffer.from(printed.stdout.trim(), 'base64url');
    assert.equal(upstreamKey.length, 32);
    const posted = await call('POST', '/api/orders/new?draft=1', bearer(key));
    assert.equal(posted.statusCode, 200, posted.body);
    const seen = recorded.find((r) => r.method === 'POST' && r.url === '/v1/new?draft=1');
    assert.ok(seen, 'the orders API got the POST');
    const value = String(seen.headers['x-tessera-principal']);
    assert.match(value, /^[\w-]+;user;\d+;orders$/, 'id;role;issued ms;audience');
    const expected = createHmac('sha256', upstreamKey)
      .update(`${value}\nPOST\n/v1/new?draft=1`)
      .digest('base64url');
    assert.equal(seen.headers['x-tessera-signature'], expected);
    const imagesKey = (
      await tesseraAsync(['principals', 'upstream-key', 'images'], {
        env: { GATEWAY_SECRET: gatewaySecret },
      })
    ).stdout.trim();
    assert.notEqual(imagesKey, printed.stdout.trim(), 'each upstream its own key');
  });

  test('uploads, tus and queries pass the image API’s check after the /api/images rewrite', async () => {
    const bytes = await makeImage('jpeg', { width: 320, height: 240, scene: 71 });
    const boundary = 'trust-boundary';
    const form = Buffer.concat([
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.jpg"\r\nContent-Type: image/jpeg\r\n\r\n`,
      ),
      bytes,
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    const multipart = await t.gateway.inject({
      method: 'POST',
      url: '/api/images?name=form.jpg',
      headers: { ...bearer(key), 'content-type': `multipart/form-data; boundary=${boundary}` },
      payload: form,
    });
    assert.equal(multipart.statusCode, 201, multipart.body);

    const other = await makeImage('png', { width: 200, height: 150, scene: 72 });
    const tus = (method: string, url: string, headers: Record<string, string>, payload?: Buffer) =>
      t.gateway.inject({
        method: method as 'POST',
        url,
        headers: { ...bearer(key), 'tus-resumable': '1.0.0', ...headers },
        ...(payload ? { payload } : {}),
      });
    const created = await tus('POST', '/api/images/uploads', {
      'upload-length': String(other.length),
    });
    assert.equal(created.statusCode, 201, created.body);
    const location = String(created.headers.location);
    assert.match(location, /^\/api\/images\/uploads\/[\w-]+$/);
    const half = Math.floor(other.length / 2);
    const patch = (from: number, to: number) =>
      tus(
        'PATCH',
        location,
        { 'upload-offset': String(from), 'content-type': 'application/offset+octet-stream' },
        other.subarray(from, to),
      );
    assert.equal((await patch(0, half)).statusCode, 204);
    const head = await tus('HEAD', location, {});
    assert.equal(head.statusCode, 200);
    assert.equal(head.headers['upload-offset'], String(half));
    const last = await patch(half, other.length);
    assert.equal(last.statusCode, 204, last.body);
    const id = String(last.headers['tessera-image-id']);

    const listed = await call('GET', '/api/images?per_page=1&page=1', bearer(key));
    assert.equal(listed.statusCode, 200, listed.body);
    assert.equal(listed.json().data.length, 1);
    assert.equal((await call('GET', `/api/images/${id}/info`, bearer(key))).statusCode, 200);
  });

  test('a path spelled another way meets the same checks as /api/…', async () => {
    for (const url of [
      '/%61pi/images',
      '/%61pi/images?all=true',
      '/api/%69mages',
      '/%61pi/auth/me',
    ]) {
      const bare = await call('GET', url);
      assert.equal(bare.statusCode, 401, `${url} without credentials`);
      assert.equal(bare.json().code, 'no_credentials', `${url}: refused by the gateway itself`);
    }
    const encoded = await call('GET', '/%61pi/images', bearer(key));
    assert.equal(encoded.statusCode, 200, 'the same route, with the same credentials');
    assert.equal(encoded.json().total, 2);
    const fenced = await call('GET', '/%61pi/images', bearer(fencedKey));
    assert.equal(fenced.statusCode, 403);
    assert.equal(fenced.json().code, 'address_not_allowed');
    for (const url of ['//api/images', '/api/./images', '/api//images', '/API/images']) {
      const answer = await call('GET', url);
      assert.ok([401, 404].includes(answer.statusCode), `${url}: ${answer.statusCode}`);
      assert.equal(answer.body.includes('image_id'), false, `${url} shows no data`);
    }
  });

  test('sign-up, sign-in and sign-out take at most 16 KB, declared or streamed', async () => {
    const big = { email: 'big@example.com', password: 'x'.repeat(17 * 1024) };
    for (const url of ['/api/auth/signup', '/api/auth/signin', '/api/auth/signout']) {
      const answer = await t.gateway.inject({ method: 'POST', url, payload: big });
      assert.equal(answer.statusCode, 413, `${url}: ${answer.body}`);
      assert.equal(answer.json().code, 'body_too_large');
      assert.match(answer.json().message, /16 KB/);
    }
    const gatewayUrl = await listen(t.gateway, { host: '127.0.0.1', port: 0 });
    const json = Buffer.from(JSON.stringify(big));
    const streamed = await fetch(`${gatewayUrl}/api/auth/signin`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: Readable.toWeb(Readable.from([json.subarray(0, 8000), json.subarray(8000)])),
      duplex: 'half',
    } as RequestInit);
    assert.equal(streamed.status, 413);
    assert.equal(((await streamed.json()) as { code: string }).code, 'body_too_large');
    const fine = await t.gateway.inject({
      method: 'POST',
      url: '/api/auth/signup',
      payload: { email: 'small@example.com', password: 'a fine long password' },
    });
    assert.equal(fine.statusCode, 201, 'a small body passes');
  });
});
