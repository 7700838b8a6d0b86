import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import {
  createImageTestbed,
  type ImageTestbed,
  storedKeys,
} from '../../../test/helpers/image-service.ts';
import { makeImage, makeSvg, pngBomb } from '../../../test/helpers/images.ts';
import { imageApiAudience, type Principal, principalKey, signPrincipal } from '../principal.ts';
import { buildImageApi } from './app.ts';

const secret = 'a-test-secret-that-is-long-enough-to-use';
const ada: Principal = { id: 'ada', role: 'user' };
const grace: Principal = { id: 'grace', role: 'user' };
const analyst: Principal = { id: 'ann', role: 'analyst' };
const signedFor = (principal: Principal, method: string, url: string, now?: number) =>
  signPrincipal(principal, secret, { method, url, audience: imageApiAudience }, now);

describe('the image API', () => {
  let bed: ImageTestbed;
  let app: Awaited<ReturnType<typeof buildImageApi>>;

  before(async () => {
    bed = await createImageTestbed({ limits: { maxBytes: 2 * 1024 * 1024 } });
    app = await buildImageApi({ ...bed, gatewaySecret: secret });
  });
  after(async () => {
    await app.close();
    await bed.close();
  });

  const as = (
    principal: Principal,
    method: string,
    url: string,
    extra: Record<string, string> = {},
  ) => ({ ...signedFor(principal, method, url), ...extra });
  const upload = (principal: Principal, bytes: Buffer, contentType = 'image/jpeg') =>
    app.inject({
      method: 'POST',
      url: '/images?name=photo.jpg',
      headers: as(principal, 'POST', '/images?name=photo.jpg', { 'content-type': contentType }),
      payload: bytes,
    });

  test('an upload is stored and answered with its metadata; the same bytes again are the same image', async () => {
    const bytes = await makeImage('jpeg', { width: 800, height: 600, scene: 3 });
    const first = await upload(ada, bytes, 'application/octet-stream');
    assert.equal(first.statusCode, 201, first.body);
    const image = first.json().image;
    assert.equal(first.json().id, image.image_id);
    assert.equal(image.original_name, 'photo.jpg');
    assert.deepEqual(
      image.derivatives.map((d: { name: string }) => d.name),
      ['original', 'preview', 'thumbnail'],
    );
    assert.equal('object_key' in image.derivatives[0], false, 'storage keys stay inside');
    const again = await upload(ada, bytes);
    assert.equal(again.statusCode, 200);
    assert.equal(again.json().image.image_id, image.image_id);
  });

  test('a multipart form upload works too, and the declared type is not trusted', async () => {
    const bytes = await makeImage('png', { scene: 4 });
    const boundary = 'tessera-boundary';
    const body = Buffer.concat([
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="cat.gif"\r\nContent-Type: image/gif\r\n\r\n`,
      ),
      bytes,
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    const response = await app.inject({
      method: 'POST',
      url: '/images',
      headers: as(ada, 'POST', '/images', {
        'content-type': `multipart/form-data; boundary=${boundary}`,
      }),
      payload: body,
    });
    assert.equal(response.statusCode, 201, response.body);
    assert.equal(response.json().image.format, 'png');
    assert.equal(response.json().image.original_name, 'cat.gif');
  });

  test('owners see their images; other users do not; analysts see all', async () => {
    const created = (await upload(ada, await makeImage('webp', { scene: 5 }))).json().image;
    const thumbnail = await app.inject({
      method: 'GET',
      url: `/images/${created.image_id}/thumbnail`,
      headers: as(ada, 'GET', `/images/${created.image_id}/thumbnail`),
    });
    assert.equal(thumbnail.statusCode, 200);
    assert.equal(thumbnail.headers['content-type'], 'image/webp');
    const get = (url: string, principal: Principal) =>
      app.inject({ method: 'GET', url, headers: as(principal, 'GET', url) });
    assert.equal((await get(`/images/${created.image_id}`, grace)).statusCode, 404);
    assert.equal((await get(`/images/${created.image_id}/info`, grace)).statusCode, 404);
    const original = await get(`/images/${created.image_id}`, ada);
    assert.equal(original.headers['content-type'], 'image/webp', 'GET /images/:id is the original');
    assert.equal(
      (await get(`/images/${created.image_id}/info`, ada)).json().image_id,
      created.image_id,
    );
    assert.equal(
      (
        await app.inject({
          method: 'GET',
          url: `/images/${created.image_id}/original`,
          headers: as(analyst, 'GET', `/images/${created.image_id}/original`),
        })
      ).statusCode,
      200,
    );
    const mine = await app.inject({
      method: 'GET',
      url: '/images',
      headers: as(grace, 'GET', '/images'),
    });
    assert.equal(mine.json().total, 0);
    const all = await app.inject({
      method: 'GET',
      url: '/images?all=true',
      headers: as(analyst, 'GET', '/images?all=true'),
    });
    assert.ok(all.json().total >= 3);
  });

  test('without the gateway’s signed principal nothing is answered', async () => {
    assert.equal((await app.inject({ method: 'GET', url: '/images' })).statusCode, 401);
    const forged = {
      'x-tessera-principal': `ada;admin;${Date.now()};images`,
      'x-tessera-signature': 'made-up',
    };
    assert.equal(
      (await app.inject({ method: 'GET', url: '/images', headers: forged })).statusCode,
      401,
    );
    const stale = signedFor(ada, 'GET', '/images', Date.now() - 31_000);
    assert.equal(
      (await app.inject({ method: 'GET', url: '/images', headers: stale })).statusCode,
      401,
      'a header is good for 30 s',
    );
    const fresh = signedFor(ada, 'GET', '/images', Date.now() - 25_000);
    assert.equal(
      (await app.inject({ method: 'GET', url: '/images', headers: fresh })).statusCode,
      200,
    );
    const otherSecret = signPrincipal(ada, 'another-secret-that-is-also-long-enough', {
      method: 'GET',
      url: '/images',
      audience: imageApiAudience,
    });
    assert.equal(
      (await app.inject({ method: 'GET', url: '/images', headers: otherSecret })).statusCode,
      401,
    );
  });

  test('a signed principal is good for one request only: its method, path, query and upstream', async () => {
    const created = (await upload(ada, await makeImage('png', { scene: 11 }))).json().image;
    const url = `/images/${created.image_id}`;
    const captured = signedFor(ada, 'GET', url);
    assert.equal((await app.inject({ method: 'GET', url, headers: captured })).statusCode, 200);
    const replays: [string, string][] = [
      ['DELETE', url],
      ['GET', `${url}/original`],
      ['GET', `${url}?all=true`],
      ['GET', '/images'],
      ['HEAD', url],
    ];
    for (const [method, other] of replays) {
      const replayed = await app.inject({ method: method as 'GET', url: other, headers: captured });
      assert.equal(
        replayed.statusCode,
        401,
        `${method} ${other} with a header signed for GET ${url}`,
      );
    }
    assert.equal(
      (await app.inject({ method: 'GET', url, headers: as(ada, 'GET', url) })).statusCode,
      200,
      'the image is still there: the DELETE was refused',
    );
    // Another upstream's header, made with that upstream's own key, is no good here, even when it
    // claims to be meant for the image API.
    const ordersKey = principalKey(secret, 'orders');
    const forOrders = signPrincipal(ada, secret, { method: 'GET', url, audience: 'orders' });
    assert.equal((await app.inject({ method: 'GET', url, headers: forOrders })).statusCode, 401);
    const value = `ada;admin;${Date.now()};images`;
    const forgedWithOrdersKey = {
      'x-tessera-principal': value,
      'x-tessera-signature': createHmac('sha256', ordersKey)
        .update(`${value}\nGET\n${url}`)
        .digest('base64url'),
    };
    assert.equal(
      (await app.inject({ method: 'GET', url, headers: forgedWithOrdersKey })).statusCode,
      401,
    );
  });

  const refused: [string, () => Promise<Buffer>, number, string][] = [
    ['an empty file', async () => Buffer.alloc(0), 400, 'empty'],
    [
      'a truncated JPEG',
      async () => (await makeImage('jpeg', { width: 600, height: 400 })).subarray(0, 1500),
      422,
      'corrupt',
    ],
    ['a PNG bomb', async () => pngBomb(60_000, 60_000), 422, 'too_many_pixels'],
    [
      'a text file named .jpg',
      async () => Buffer.from('hello, not a picture'),
      415,
      'not_an_image',
    ],
    ['an SVG', async () => makeSvg(true), 415, 'unsupported_format'],
    ['an upload over the limit', async () => Buffer.alloc(3 * 1024 * 1024, 7), 413, 'too_large'],
  ];
  for (const [name, make, status, code] of refused) {
    test(`refuses ${name} with ${status} and a reason, leaving nothing behind`, async () => {
      const before = await storedKeys(bed.store);
      const response = await upload(grace, await make());
      assert.equal(response.statusCode, status, response.body);
      assert.equal(response.json().code, code);
      assert.ok(response.json().message.length > 10);
      assert.deepEqual(await storedKeys(bed.store), before);
      const healthy = await upload(grace, await makeImage('gif', { scene: 60 + status }));
      assert.ok([200, 201].includes(healthy.statusCode), 'the service still takes good images');
    });
  }

  test('makes only the named presets, caches each, and refuses any other size naming the presets', async () => {
    const created = (
      await upload(ada, await makeImage('jpeg', { width: 1200, height: 900, scene: 8 }))
    ).json().image;
    const url = `/images/${created.image_id}/resize?preset=w320&format=avif`;
    const first = await app.inject({ method: 'GET', url, headers: as(ada, 'GET', url) });
    assert.equal(first.statusCode, 200, first.body);
    assert.equal(first.headers['content-type'], 'image/avif');
    const cached = await bed.db.query(
      `select name, width, height from images.objects where image_id = $1 and name like 'resize-%'`,
      [created.image_id],
    );
    assert.deepEqual(cached.rows, [{ name: 'resize-w320-avif', width: 320, height: 240 }]);
    const second = await app.inject({ method: 'GET', url, headers: as(ada, 'GET', url) });
    assert.deepEqual(second.rawPayload, first.rawPayload);
    for (const query of [
      'w=300',
      'w=300&h=200&fit=cover&format=png',
      'preset=w300',
      'preset=w640&format=png',
    ]) {
      const refusedUrl = `/images/${created.image_id}/resize?${query}`;
      const refused = await app.inject({
        method: 'GET',
        url: refusedUrl,
        headers: as(ada, 'GET', refusedUrl),
      });
      assert.equal(refused.statusCode, 400, query);
      if (!query.includes('png')) assert.match(refused.json().message, /w320, w640, w1280, w2048/);
    }
    const after = await bed.db.query(
      `select count(*)::int as n from images.objects where image_id = $1 and name like 'resize-%'`,
      [created.image_id],
    );
    assert.equal(after.rows[0]?.n, 1, 'a refused size makes and keeps nothing');
  });

  test('an owner deletes their image: it is gone at once, bytes and all; others may not delete', async () => {
    const created = (await upload(ada, await makeImage('tiff', { scene: 9 }))).json().image;
    assert.equal(
      (
        await app.inject({
          method: 'DELETE',
          url: `/images/${created.image_id}`,
          headers: as(analyst, 'DELETE', `/images/${created.image_id}`),
        })
      ).statusCode,
      403,
    );
    assert.equal(
      (
        await app.inject({
          method: 'DELETE',
          url: `/images/${created.image_id}`,
          headers: as(ada, 'DELETE', `/images/${created.image_id}`),
        })
      ).statusCode,
      204,
    );
    assert.equal(
      (
        await app.inject({
          method: 'GET',
          url: `/images/${created.image_id}/original`,
          headers: as(ada, 'GET', `/images/${created.image_id}/original`),
        })
      ).statusCode,
      410,
    );
    assert.equal(
      (await storedKeys(bed.store)).some((k) => k.includes(created.image_id)),
      false,
    );
  });
});

describe('resumable uploads (tus)', () => {
  let bed: ImageTestbed;
  let app: Awaited<ReturnType<typeof buildImageApi>>;
  before(async () => {
    bed = await createImageTestbed();
    app = await buildImageApi({ ...bed, gatewaySecret: secret });
  });
  after(async () => {
    await app.close();
    await bed.close();
  });

  const tus = (
    principal: Principal,
    method: string,
    url: string,
    headers: Record<string, string>,
    payload?: Buffer,
  ) =>
    app.inject({
      method: method as 'POST',
      url,
      headers: { ...signedFor(principal, method, url), 'tus-resumable': '1.0.0', ...headers },
      ...(payload ? { payload } : {}),
    });
  const meta = (pairs: Record<string, string>) =>
    Object.entries(pairs)
      .map(([k, v]) => `${k} ${Buffer.from(v).toString('base64')}`)
      .join(',');

  test('an upload in three pieces, resumed after asking the offset, becomes an image owned by its creator', async () => {
    const bytes = await makeImage('jpeg', { width: 1024, height: 768, scene: 21 });
    const created = await tus(ada, 'POST', '/images/uploads', {
      'upload-length': String(bytes.length),
      'upload-metadata': meta({ filename: 'big.jpg', owner: 'grace' }),
    });
    assert.equal(created.statusCode, 201, created.body);
    assert.match(
      String(created.headers.location),
      /^\/images\/uploads\/[\w-]+$/,
      'a path, no host',
    );
    const location = new URL(String(created.headers.location), 'http://site.test').pathname;
    const third = Math.floor(bytes.length / 3);
    const send = (from: number, to: number) =>
      tus(
        ada,
        'PATCH',
        location,
        { 'upload-offset': String(from), 'content-type': 'application/offset+octet-stream' },
        bytes.subarray(from, to),
      );
    assert.equal((await send(0, third)).statusCode, 204);
    assert.equal(
      (await tus(grace, 'HEAD', location, {})).statusCode,
      404,
      'another user cannot see the upload',
    );
    assert.equal(
      (
        await tus(
          grace,
          'PATCH',
          location,
          { 'upload-offset': String(third), 'content-type': 'application/offset+octet-stream' },
          bytes.subarray(third, 2 * third),
        )
      ).statusCode,
      404,
    );
    const head = await tus(ada, 'HEAD', location, {});
    assert.equal(head.headers['upload-offset'], String(third));
    assert.equal((await send(third, 2 * third)).statusCode, 204);
    const last = await send(2 * third, bytes.length);
    assert.equal(last.statusCode, 204, last.body);
    const imageId = String(last.headers['tessera-image-id']);
    const image = await bed.db.query(
      'select owner_id, original_name, width from images.images where image_id = $1',
      [imageId],
    );
    assert.deepEqual(image.rows[0], { owner_id: 'ada', original_name: 'big.jpg', width: 1024 });
  });

  test('a finished upload that is not an image is refused with its reason, and nothing of it stays', async () => {
    const bytes = Buffer.from('definitely not an image, whatever the metadata says');
    const created = await tus(ada, 'POST', '/images/uploads', {
      'upload-length': String(bytes.length),
      'upload-metadata': meta({ filename: 'x.png', filetype: 'image/png' }),
    });
    const location = new URL(String(created.headers.location), 'http://site.test').pathname;
    const done = await tus(
      ada,
      'PATCH',
      location,
      { 'upload-offset': '0', 'content-type': 'application/offset+octet-stream' },
      bytes,
    );
    assert.equal(done.statusCode, 415);
    assert.equal(JSON.parse(done.body).code, 'not_an_image');
    const left: string[] = [];
    for await (const object of bed.store.list('uploads/')) left.push(object.key);
    assert.deepEqual(left, [], 'no part is left in the store');
    const rows = await bed.db.query('select upload_id from images.resumable_uploads');
    assert.deepEqual(rows.rows, [], 'no upload is left in the database');
  });

  test('without the gateway’s principal, no upload starts', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/images/uploads',
      headers: { 'tus-resumable': '1.0.0', 'upload-length': '10' },
    });
    assert.equal(response.statusCode, 401);
  });
});
