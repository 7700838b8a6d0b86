// Direct uploads against a real S3-protocol server (s3rver on loopback) and a real PostgreSQL:
// ask for a presigned POST, post the file to the bucket as a browser would, complete it here.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import sharp from 'sharp';
import { createGatewayTestbed, type GatewayTestbed } from '../../../test/helpers/gateway.ts';
import { createImageTestbed, type ImageTestbed } from '../../../test/helpers/image-service.ts';
import { makeImage, seededBytes } from '../../../test/helpers/images.ts';
import { type FakeS3, startFakeS3 } from '../../../test/helpers/s3.ts';
import { sweep } from '../expiry.ts';
import { addPrincipal, createKey } from '../gateway/principals.ts';
import { imageApiAudience, type Principal, signPrincipal } from '../principal.ts';
import { createS3Store, type S3ObjectStore } from '../store/s3-store.ts';
import { buildImageApi } from './app.ts';

const secret = 'a-test-secret-that-is-long-enough-to-use';
const ada: Principal = { id: 'ada', role: 'user' };
const grace: Principal = { id: 'grace', role: 'user' };
const kmsKeyId = 'arn:aws:kms:us-east-1:111122223333:key/tessera-test';
const maxBytes = 2 * 1024 * 1024;
const fifteenMinutes = 15 * 60_000;

type Ticket = {
  id: string;
  url: string;
  fields: Record<string, string>;
  maxBytes: number;
  expiresAt: string;
};

const fake: FakeS3 = await startFakeS3();
const stores: S3ObjectStore[] = [];
after(async () => {
  for (const store of stores) store.client.destroy();
  await fake.close();
});

function s3Store(prefix: string): S3ObjectStore {
  const store = createS3Store({
    bucket: fake.bucket,
    region: fake.region,
    endpoint: fake.endpoint,
    forcePathStyle: true,
    credentials: fake.credentials,
    kmsKeyId,
    prefix,
  });
  stores.push(store);
  return store;
}

/** What a browser does with the answer: every field, then the file, last. */
async function postToBucket(ticket: Ticket, bytes: Buffer, filename = 'photo.png') {
  const form = new FormData();
  for (const [name, value] of Object.entries(ticket.fields)) form.append(name, value);
  form.append('file', new Blob([new Uint8Array(bytes)]), filename);
  return fetch(ticket.url, { method: 'POST', body: form });
}

/** A PNG of noise, so it does not compress: about width × height × 3 bytes. */
function noisePng(width: number, height: number, seed: number): Promise<Buffer> {
  return sharp(seededBytes(width * height * 3, seed), { raw: { width, height, channels: 3 } })
    .png({ compressionLevel: 0 })
    .toBuffer();
}

describe('direct uploads to S3 (STORAGE=s3 against s3rver)', () => {
  let bed: ImageTestbed;
  let store: S3ObjectStore;
  let app: Awaited<ReturnType<typeof buildImageApi>>;

  before(async () => {
    bed = await createImageTestbed({ limits: { maxBytes } });
    store = s3Store('api/');
    app = await buildImageApi({
      ...bed,
      store,
      gatewaySecret: secret,
      directUploads: { expiry: fifteenMinutes },
    });
  });
  after(async () => {
    await app.close();
    await bed.close();
  });

  const as = (principal: Principal, method: string, url: string) =>
    signPrincipal(principal, secret, { method, url, audience: imageApiAudience });
  const ask = (principal: Principal, body: object = {}) =>
    app.inject({
      method: 'POST',
      url: '/images/direct-uploads',
      headers: as(principal, 'POST', '/images/direct-uploads'),
      body,
    });
  const complete = (principal: Principal, id: string) =>
    app.inject({
      method: 'POST',
      url: `/images/direct-uploads/${id}/complete`,
      headers: as(principal, 'POST', `/images/direct-uploads/${id}/complete`),
    });
  const ticketFor = async (principal: Principal, body: object = {}): Promise<Ticket> => {
    const answer = await ask(principal, body);
    assert.equal(answer.statusCode, 201, answer.body);
    return answer.json();
  };
  const incoming = async () => {
    const keys: string[] = [];
    for await (const object of store.list('incoming/')) keys.push(object.key);
    return keys;
  };

  test('a file posted to the bucket and completed is the same image POST /images would make', async () => {
    const bytes = await noisePng(600, 500, 1);
    const ticket = await ticketFor(ada, {
      name: 'holiday.png',
      contentType: 'image/png',
      size: bytes.length,
    });
    assert.equal(ticket.maxBytes, maxBytes);
    assert.equal(ticket.url, `${fake.endpoint}/${fake.bucket}`);
    assert.equal(ticket.fields.key, `api/incoming/${ticket.id}`, 'the store prefix is kept');

    const posted = await postToBucket(ticket, bytes);
    assert.equal(posted.status, 204, await posted.text());
    assert.deepEqual(await incoming(), [`incoming/${ticket.id}`]);

    const done = await complete(ada, ticket.id);
    assert.equal(done.statusCode, 201, done.body);
    const { id, duplicate, image } = done.json();
    assert.equal(duplicate, false);
    assert.equal(image.image_id, id);
    assert.equal(image.owner_id, 'ada');
    assert.equal(image.source, 'upload');
    assert.equal(image.original_name, 'holiday.png');
    assert.deepEqual([image.format, image.width, image.height], ['png', 600, 500]);
    assert.equal(image.bytes, bytes.length);
    assert.deepEqual(
      image.derivatives.map((d: { name: string }) => d.name),
      ['original', 'preview', 'thumbnail'],
    );
    assert.deepEqual(await incoming(), [], 'the incoming object is gone');

    const original = await app.inject({
      method: 'GET',
      url: `/images/${id}`,
      headers: as(ada, 'GET', `/images/${id}`),
    });
    assert.equal(original.statusCode, 200);
    assert.equal(original.headers['content-type'], 'image/png');
    assert.deepEqual(original.rawPayload, bytes);

    // The same bytes again, by either path, are the same image.
    const again = await ticketFor(ada);
    assert.equal((await postToBucket(again, bytes)).status, 204);
    const second = await complete(ada, again.id);
    assert.equal(second.statusCode, 200, second.body);
    assert.deepEqual(second.json().image.image_id, id);
    assert.equal(second.json().duplicate, true);
  });

  test('the signed policy allows 1 byte to the limit, exactly this key, encrypted with our KMS key, until expiresAt', async () => {
    const before = Date.now();
    const ticket = await ticketFor(ada);
    const policy = JSON.parse(Buffer.from(ticket.fields.Policy ?? '', 'base64').toString('utf8'));
    // s3rver accepts any POST and ignores the policy, so the policy itself is what we prove.
    assert.deepEqual(
      new Set(policy.conditions.map((c: unknown) => JSON.stringify(c))),
      new Set(
        [
          ['content-length-range', 1, maxBytes],
          { bucket: fake.bucket },
          { key: `api/incoming/${ticket.id}` },
          { 'x-amz-server-side-encryption': 'aws:kms' },
          { 'x-amz-server-side-encryption-aws-kms-key-id': kmsKeyId },
          { 'X-Amz-Algorithm': 'AWS4-HMAC-SHA256' },
          { 'X-Amz-Credential': ticket.fields['X-Amz-Credential'] },
          { 'X-Amz-Date': ticket.fields['X-Amz-Date'] },
        ].map((c) => JSON.stringify(c)),
      ),
      'nothing else may vary: S3 refuses any form field the policy does not name',
    );
    for (const name of [
      'x-amz-server-side-encryption',
      'x-amz-server-side-encryption-aws-kms-key-id',
    ]) {
      assert.ok(ticket.fields[name], `the form carries ${name}`);
    }
    const expiration = Date.parse(policy.expiration);
    assert.ok(Math.abs(expiration - Date.parse(ticket.expiresAt)) < 1000, policy.expiration);
    assert.ok(
      expiration >= before + fifteenMinutes - 1000 && expiration <= Date.now() + fifteenMinutes,
    );

    // SigV4 by hand: the signature is over exactly this Policy, with the store's credentials.
    const [, date = '', region = '', service = ''] = (
      ticket.fields['X-Amz-Credential'] ?? ''
    ).split('/');
    const key = [date, region, service, 'aws4_request'].reduce<Buffer>(
      (k, part) => createHmac('sha256', k).update(part).digest(),
      Buffer.from(`AWS4${fake.credentials.secretAccessKey}`),
    );
    assert.equal(
      createHmac('sha256', key)
        .update(ticket.fields.Policy ?? '')
        .digest('hex'),
      ticket.fields['X-Amz-Signature'],
    );
  });

  test('too large: refused when asked, and refused by intake should a store let it land', async () => {
    const early = await ask(ada, { size: maxBytes + 1 });
    assert.equal(early.statusCode, 413, early.body);
    assert.equal(early.json().code, 'too_large');

    const ticket = await ticketFor(ada);
    const tooBig = Buffer.alloc(maxBytes + 1, 7);
    const posted = await postToBucket(ticket, tooBig);
    assert.equal(posted.status, 204, 's3rver does not enforce content-length-range (S3 does)');
    const done = await complete(ada, ticket.id);
    assert.equal(done.statusCode, 413, done.body);
    assert.equal(done.json().code, 'too_large');
    const refusal = await bed.db.query(
      `select owner_id, source, bytes from images.refusals where reason = 'too_large' and bytes = $1`,
      [tooBig.length],
    );
    assert.deepEqual(refusal.rows, [{ owner_id: 'ada', source: 'upload', bytes: tooBig.length }]);
    assert.deepEqual(await incoming(), [], 'a refused object is removed');
    assert.equal((await complete(ada, ticket.id)).statusCode, 409, 'a refusal is final');
  });

  test('not an image: refused with its reason and recorded, as any upload', async () => {
    const ticket = await ticketFor(ada, { name: 'notes.png', contentType: 'image/png' });
    assert.equal((await postToBucket(ticket, Buffer.from('just some text'))).status, 204);
    const done = await complete(ada, ticket.id);
    assert.equal(done.statusCode, 415, done.body);
    assert.equal(done.json().code, 'not_an_image');
    const refusal = await bed.db.query(
      `select declared_type from images.refusals where reason = 'not_an_image' and owner_id = 'ada'`,
    );
    assert.deepEqual(refusal.rows, [{ declared_type: 'image/png' }]);
  });

  test('only the principal who asked may complete; others are told there is no such upload', async () => {
    const ticket = await ticketFor(ada);
    const bytes = await makeImage('jpeg', { scene: 41 });
    assert.equal((await postToBucket(ticket, bytes)).status, 204);
    const stolen = await complete(grace, ticket.id);
    assert.equal(stolen.statusCode, 404, stolen.body);
    assert.equal(stolen.json().code, 'not_found');
    assert.equal((await complete(grace, '00000000-0000-4000-8000-000000000000')).statusCode, 404);
    const mine = await complete(ada, ticket.id);
    assert.equal(mine.statusCode, 201, 'the claim is untouched by the attempt');
    assert.equal(mine.json().image.owner_id, 'ada');
  });

  test('completing before the upload is 409 and can be retried; completing twice is 409', async () => {
    const ticket = await ticketFor(ada);
    const early = await complete(ada, ticket.id);
    assert.equal(early.statusCode, 409, early.body);
    assert.equal(early.json().code, 'not_uploaded');
    assert.equal((await postToBucket(ticket, await makeImage('webp', { scene: 42 }))).status, 204);
    assert.equal((await complete(ada, ticket.id)).statusCode, 201);
    const twice = await complete(ada, ticket.id);
    assert.equal(twice.statusCode, 409, twice.body);
    assert.equal(twice.json().code, 'already_completed');
  });

  test('an expired claim is 410; the sweeper then removes it and what was posted', async () => {
    const ticket = await ticketFor(ada);
    assert.equal((await postToBucket(ticket, await makeImage('png', { scene: 43 }))).status, 204);
    const unfinished = await ticketFor(ada);
    assert.equal(
      (await postToBucket(unfinished, await makeImage('png', { scene: 44 }))).status,
      204,
    );
    await bed.db.query(
      `update images.direct_uploads
       set created_at = now() - interval '40 minutes', expires_at = now() - interval '20 minutes',
           complete_by = now() - interval '1 second'
       where upload_id = any($1::uuid[])`,
      [[ticket.id, unfinished.id]],
    );
    const late = await complete(ada, ticket.id);
    assert.equal(late.statusCode, 410, late.body);
    assert.equal(late.json().code, 'expired');
    assert.deepEqual(await incoming(), [`incoming/${unfinished.id}`]);

    const fresh = await ticketFor(ada);
    const report = await sweep({ db: bed.db, store });
    assert.equal(report.directUploadsDeleted, 2);
    assert.deepEqual(await incoming(), []);
    const rows = await bed.db.query(
      'select upload_id from images.direct_uploads where upload_id = any($1::uuid[])',
      [[ticket.id, unfinished.id, fresh.id]],
    );
    assert.deepEqual(rows.rows, [{ upload_id: fresh.id }], 'a live claim stays');
    assert.equal((await complete(ada, unfinished.id)).statusCode, 404);
  });

  test('bad requests are refused with the field at fault', async () => {
    assert.equal((await ask(ada, { size: 0 })).statusCode, 400);
    assert.equal((await ask(ada, { name: 'x'.repeat(256) })).statusCode, 400);
    assert.equal((await complete(ada, 'not-a-uuid')).statusCode, 400);
    const empty = await app.inject({
      method: 'POST',
      url: '/images/direct-uploads',
      headers: as(ada, 'POST', '/images/direct-uploads'),
    });
    assert.equal(empty.statusCode, 201, 'every field is optional');
  });

  test('without the gateway’s principal nothing is answered', async () => {
    const answer = await app.inject({ method: 'POST', url: '/images/direct-uploads', body: {} });
    assert.equal(answer.statusCode, 401);
  });
});

describe('direct uploads when they are off', () => {
  test('both routes answer 400 direct_uploads_off (the fs store, or the flag unset)', async () => {
    const bed = await createImageTestbed();
    const withFs = await buildImageApi({ ...bed, gatewaySecret: secret });
    const withS3 = await buildImageApi({ ...bed, store: s3Store('off/'), gatewaySecret: secret });
    try {
      for (const app of [withFs, withS3]) {
        const asked = await app.inject({
          method: 'POST',
          url: '/images/direct-uploads',
          headers: signPrincipal(ada, secret, {
            method: 'POST',
            url: '/images/direct-uploads',
            audience: imageApiAudience,
          }),
          body: {},
        });
        assert.equal(asked.statusCode, 400, asked.body);
        assert.equal(asked.json().code, 'direct_uploads_off');
        assert.match(asked.json().message, /POST the image to \/images/);
        const completed = await app.inject({
          method: 'POST',
          url: '/images/direct-uploads/00000000-0000-4000-8000-000000000000/complete',
          headers: signPrincipal(ada, secret, {
            method: 'POST',
            url: '/images/direct-uploads/00000000-0000-4000-8000-000000000000/complete',
            audience: imageApiAudience,
          }),
        });
        assert.equal(completed.json().code, 'direct_uploads_off');
      }
    } finally {
      await withFs.close();
      await withS3.close();
      await bed.close();
    }
  });

  test('an image API told to take direct uploads on a store that cannot presign refuses to start', async () => {
    const bed = await createImageTestbed();
    try {
      await assert.rejects(
        buildImageApi({ ...bed, gatewaySecret: secret, directUploads: { expiry: fifteenMinutes } }),
        /Direct uploads need a store clients can post to/,
      );
    } finally {
      await bed.close();
    }
  });
});

describe('direct uploads through the gateway', () => {
  let t: GatewayTestbed;
  let writer: string;
  let reader: string;
  let adaId: string;

  before(async () => {
    t = await createGatewayTestbed(
      {},
      { store: s3Store('gateway/'), directUploads: { expiry: fifteenMinutes } },
    );
    adaId = (await addPrincipal(t.bed.db, { name: 'ada', role: 'user' })).principal_id;
    writer = await createKey(t.bed.db, 'ada', 'laptop', ['images:read', 'images:write']);
    reader = await createKey(t.bed.db, 'ada', 'viewer', ['images:read']);
  });
  after(() => t.close());

  const call = (method: 'GET' | 'POST', url: string, key: string, body?: object) =>
    t.gateway.inject({
      method,
      url,
      headers: { authorization: `Bearer ${key}` },
      ...(body ? { body } : {}),
    });

  test('asked and completed through the gateway, posted to the bucket; the image is the owner’s', async () => {
    const bytes = await noisePng(700, 700, 2);
    const asked = await call('POST', '/api/images/direct-uploads', writer, { name: 'big.png' });
    assert.equal(asked.statusCode, 201, asked.body);
    const ticket: Ticket = asked.json();
    assert.equal((await postToBucket(ticket, bytes)).status, 204);
    const done = await call('POST', `/api/images/direct-uploads/${ticket.id}/complete`, writer);
    assert.equal(done.statusCode, 201, done.body);
    assert.equal(done.json().image.owner_id, adaId, 'the principal the gateway authenticated');
    const original = await call('GET', `/api/images/${done.json().id}`, writer);
    assert.equal(original.statusCode, 200);
    assert.deepEqual(original.rawPayload, bytes);
  });

  test('asking and completing need the images:write scope', async () => {
    const asked = await call('POST', '/api/images/direct-uploads', reader, {});
    assert.equal(asked.statusCode, 403, asked.body);
    assert.equal(asked.json().code, 'wrong_scope');
    const ticket: Ticket = (await call('POST', '/api/images/direct-uploads', writer, {})).json();
    const done = await call('POST', `/api/images/direct-uploads/${ticket.id}/complete`, reader);
    assert.equal(done.statusCode, 403);
  });
});
