import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import sharp from 'sharp';
import { createGatewayTestbed, type GatewayTestbed } from '../../../test/helpers/gateway.ts';
import { makeImage, seededBytes } from '../../../test/helpers/images.ts';
import { listen } from '../../platform/http/listen.ts';
import { addPrincipal, createKey, revokeKey } from './principals.ts';

describe('the gateway', () => {
  let t: GatewayTestbed;
  let adaKey: string;
  let readOnlyKey: string;
  let fencedKey: string;
  let analystKey: string;
  let adaId: string;

  before(async () => {
    t = await createGatewayTestbed();
    adaId = (await addPrincipal(t.bed.db, { name: 'ada', role: 'user' })).principal_id;
    adaKey = await createKey(t.bed.db, 'ada', 'laptop', ['images:read', 'images:write']);
    readOnlyKey = await createKey(t.bed.db, 'ada', 'viewer', ['images:read']);
    await addPrincipal(t.bed.db, { name: 'fenced', role: 'engineer', cidrs: ['10.20.0.0/16'] });
    fencedKey = await createKey(t.bed.db, 'fenced', 'ci', ['images:read', 'images:write']);
    await addPrincipal(t.bed.db, { name: 'ann', role: 'analyst' });
    analystKey = await createKey(t.bed.db, 'ann', 'bi', ['images:read']);
  });
  after(() => t.close());

  const call = (
    method: string,
    url: string,
    key?: string,
    extra: { headers?: Record<string, string>; payload?: Buffer | object } = {},
  ) =>
    t.gateway.inject({
      method: method as 'GET',
      url,
      headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...extra.headers },
      ...(extra.payload ? { payload: extra.payload } : {}),
    });

  test('uploads through POST /api/images, lists with GET /api/images and returns the original at /api/images/<id>', async () => {
    const bytes = await makeImage('jpeg', { width: 640, height: 480, scene: 31 });
    const posted = await call('POST', '/api/images', adaKey, {
      headers: { 'content-type': 'application/octet-stream' },
      payload: bytes,
    });
    assert.equal(posted.statusCode, 201, posted.body);
    const id = posted.json().id;
    const listed = await call('GET', '/api/images', adaKey);
    assert.deepEqual(
      listed.json().data.map((i: { image_id: string }) => i.image_id),
      [id],
    );
    const original = await call('GET', `/api/images/${id}`, adaKey);
    assert.equal(original.statusCode, 200);
    assert.deepEqual(original.rawPayload, bytes);
    assert.equal(
      posted.json().image.owner_id,
      adaId,
      'the owner is the principal the gateway authenticated',
    );
  });

  test('no credential gets 401; a wrong or revoked key too', async () => {
    assert.equal((await call('GET', '/api/images')).statusCode, 401);
    assert.equal(
      (
        await call(
          'GET',
          '/api/images',
          'tsk_000000000000_notarealkeynotarealkeynotarealkeynotareal',
        )
      ).statusCode,
      401,
    );
    const doomed = await createKey(t.bed.db, 'ada', 'old', ['images:read']);
    assert.equal((await call('GET', '/api/images', doomed)).statusCode, 200);
    await revokeKey(t.bed.db, doomed);
    assert.equal((await call('GET', '/api/images', doomed)).statusCode, 401);
  });

  test('a key without the scope gets 403; an analyst cannot upload', async () => {
    const bytes = await makeImage('png', { scene: 32 });
    const readOnly = await call('POST', '/api/images', readOnlyKey, {
      headers: { 'content-type': 'image/png' },
      payload: bytes,
    });
    assert.equal(readOnly.statusCode, 403);
    assert.equal(readOnly.json().code, 'wrong_scope');
    assert.equal((await call('GET', '/api/images', readOnlyKey)).statusCode, 200);
    const writerAnalyst = await createKey(t.bed.db, 'ann', 'mistaken', [
      'images:read',
      'images:write',
    ]);
    const upload = await call('POST', '/api/images', writerAnalyst, {
      headers: { 'content-type': 'image/png' },
      payload: bytes,
    });
    assert.equal(upload.statusCode, 403);
    assert.equal(upload.json().code, 'forbidden');
    const analyst = await call('GET', '/api/images?all=true', analystKey);
    assert.equal(analyst.statusCode, 200);
    assert.ok(analyst.json().total >= 1, 'analysts see everyone’s images');
  });

  test('a principal limited to networks is refused from elsewhere, even with a valid key', async () => {
    const outside = await call('GET', '/api/images', fencedKey);
    assert.equal(outside.statusCode, 403);
    assert.equal(outside.json().code, 'address_not_allowed');
    const inside = await t.gateway.inject({
      method: 'GET',
      url: '/api/images',
      remoteAddress: '10.20.3.4',
      headers: { authorization: `Bearer ${fencedKey}` },
    });
    assert.equal(inside.statusCode, 200);
  });

  test('a principal header forged by the client is dropped: the upstream sees only the gateway’s', async () => {
    const forged = {
      'x-tessera-principal': `someone-else;admin;${Date.now()}`,
      'x-tessera-signature': 'x',
    };
    const bytes = await makeImage('webp', { scene: 33 });
    const posted = await call('POST', '/api/images', adaKey, {
      headers: { ...forged, 'content-type': 'image/webp' },
      payload: bytes,
    });
    assert.equal(posted.statusCode, 201);
    assert.equal(posted.json().image.owner_id, adaId);
    const direct = await fetch(`${t.imageApiUrl}/images`, { headers: forged });
    assert.equal(direct.status, 401, 'and the image API refuses it from anyone else');
  });

  test('an oversize body gets 413', async () => {
    const big = Buffer.alloc(6 * 1024 * 1024, 1);
    const response = await call('POST', '/api/images', adaKey, {
      headers: { 'content-type': 'application/octet-stream' },
      payload: big,
    });
    assert.equal(response.statusCode, 413);
  });

  test('a resumable upload is created at a path under /api, whatever host the proxies saw', async () => {
    const created = await call('POST', '/api/images/uploads', adaKey, {
      headers: {
        host: 'abc123.execute-api.eu-west-1.amazonaws.com',
        'tus-resumable': '1.0.0',
        'upload-length': '1000',
      },
    });
    assert.equal(created.statusCode, 201, created.body);
    assert.match(String(created.headers.location), /^\/api\/images\/uploads\/[\w-]+$/);
  });

  test('the request id is echoed, and a fresh one made when none is given', async () => {
    const response = await call('GET', '/api/images', adaKey, {
      headers: { 'x-request-id': 'trace-42' },
    });
    assert.equal(response.headers['x-request-id'], 'trace-42');
    const fresh = await call('GET', '/api/images', adaKey);
    assert.match(String(fresh.headers['x-request-id']), /^[0-9a-f-]{36}$/);
  });

  test('sign-up, sign-in and sign-out for the web app; changes need the CSRF header', async () => {
    const signup = await call('POST', '/api/auth/signup', undefined, {
      payload: { email: 'Grace@Example.com', password: 'correct horse battery' },
    });
    assert.equal(signup.statusCode, 201, signup.body);
    assert.equal(signup.json().name, 'grace@example.com');
    const again = await call('POST', '/api/auth/signup', undefined, {
      payload: { email: 'grace@example.com', password: 'another password' },
    });
    assert.equal(again.statusCode, 409);
    const weak = await call('POST', '/api/auth/signup', undefined, {
      payload: { email: 'x@example.com', password: 'short' },
    });
    assert.equal(weak.statusCode, 400);
    const wrong = await call('POST', '/api/auth/signin', undefined, {
      payload: { email: 'grace@example.com', password: 'not the password' },
    });
    assert.equal(wrong.statusCode, 401);
    const signin = await call('POST', '/api/auth/signin', undefined, {
      payload: { email: 'grace@example.com', password: 'correct horse battery' },
    });
    assert.equal(signin.statusCode, 200);
    const cookie = String(signin.headers['set-cookie']).split(';')[0] ?? '';
    assert.match(String(signin.headers['set-cookie']), /HttpOnly; SameSite=Strict/);
    assert.equal(
      (await call('GET', '/api/auth/me', undefined, { headers: { cookie } })).json().name,
      'grace@example.com',
    );
    const bytes = await makeImage('gif', { scene: 34 });
    const noCsrf = await call('POST', '/api/images', undefined, {
      headers: { cookie, 'content-type': 'image/gif' },
      payload: bytes,
    });
    assert.equal(noCsrf.statusCode, 403);
    const withCsrf = await call('POST', '/api/images', undefined, {
      headers: { cookie, 'x-tessera-csrf': '1', 'content-type': 'image/gif' },
      payload: bytes,
    });
    assert.equal(withCsrf.statusCode, 201);
    const graces = await call('GET', '/api/images', undefined, { headers: { cookie } });
    assert.equal(graces.json().total, 1, 'grace sees only her own image');
    await call('POST', '/api/auth/signout', undefined, { headers: { cookie } });
    assert.equal(
      (await call('GET', '/api/auth/me', undefined, { headers: { cookie } })).statusCode,
      401,
    );
  });

  test('metrics count requests by route and status', async () => {
    const text = (await call('GET', '/metrics')).body;
    assert.match(
      text,
      /gateway_requests_total\{route="\/api\/images",method="GET",status="200"\} \d+/,
    );
    assert.match(text, /gateway_requests_total\{[^}]*status="401"\} \d+/);
    assert.match(text, /gateway_request_duration_seconds_bucket/);
  });

  test('health and readiness', async () => {
    assert.equal((await call('GET', '/healthz')).statusCode, 200);
    assert.deepEqual((await call('GET', '/readyz')).json(), {
      ready: true,
      problems: [],
      upstreams: { '/api/images': ['up'], '/api/analytics': ['up'], '/api/openapi.json': ['up'] },
    });
  });
});

test('the rate limit answers 429 with Retry-After and is counted', async () => {
  const t = await createGatewayTestbed({ rateLimit: 3 });
  try {
    await addPrincipal(t.bed.db, { name: 'busy', role: 'user' });
    const key = await createKey(t.bed.db, 'busy', 'loop', ['images:read']);
    const statuses: number[] = [];
    let last: Awaited<ReturnType<typeof t.gateway.inject>> | undefined;
    for (let i = 0; i < 5; i++) {
      last = await t.gateway.inject({
        method: 'GET',
        url: '/api/images',
        headers: { authorization: `Bearer ${key}` },
      });
      statuses.push(last.statusCode);
    }
    assert.deepEqual(statuses, [200, 200, 200, 429, 429]);
    assert.ok(Number(last?.headers['retry-after']) > 0);
    assert.equal(last?.json().code, 'rate_limited');
    assert.match(
      (await t.gateway.inject({ method: 'GET', url: '/metrics' })).body,
      /gateway_rate_limited_total 2/,
    );
  } finally {
    await t.close();
  }
});

test("the gateway's body limit holds for proxied uploads, declared or streamed", async () => {
  // The image API behind it would take 4 MB: what refuses here is the gateway.
  const t = await createGatewayTestbed({ bodyLimit: 1024 * 1024 });
  try {
    await addPrincipal(t.bed.db, { name: 'big', role: 'user' });
    const key = await createKey(t.bed.db, 'big', 'loader', ['images:write', 'images:read']);
    const url = `${await listen(t.gateway, { host: '127.0.0.1', port: 0 })}/api/images`;
    const headers = { authorization: `Bearer ${key}`, 'content-type': 'image/png' };
    const big = await sharp(seededBytes(700 * 700 * 3, 5), {
      raw: { width: 700, height: 700, channels: 3 },
    })
      .png()
      .toBuffer();
    assert.ok(big.length > 1024 * 1024 && big.length < 4 * 1024 * 1024, `${big.length} bytes`);

    const declared = await fetch(url, { method: 'POST', headers, body: big });
    assert.equal(declared.status, 413);
    assert.equal(((await declared.json()) as { code: string }).code, 'body_too_large');

    const streamed = await fetch(url, {
      method: 'POST',
      headers,
      body: Readable.toWeb(Readable.from([big.subarray(0, 600_000), big.subarray(600_000)])),
      duplex: 'half',
    } as RequestInit);
    assert.equal(streamed.status, 413);
    assert.equal(((await streamed.json()) as { code: string }).code, 'body_too_large');
    const stored = await t.bed.db.query('select 1 from images.images');
    assert.equal(stored.rowCount, 0, 'nothing of a cut-off body is stored');

    const small = await makeImage('png', { width: 64, height: 64 });
    const fine = await fetch(url, {
      method: 'POST',
      headers,
      body: Readable.toWeb(Readable.from([small])),
      duplex: 'half',
    } as RequestInit);
    assert.equal(fine.status, 201, 'a streamed body under the limit passes');
  } finally {
    await t.close();
  }
});
