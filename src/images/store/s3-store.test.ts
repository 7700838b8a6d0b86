import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { type RecordedRequest, startFakeS3 } from '../../../test/helpers/s3.ts';
import { objectStoreConformance } from './conformance.ts';
import { ObjectTamperedError } from './object-store.ts';
import {
  applyLifecycle,
  createS3Store,
  LifecycleNotSupportedError,
  lifecycleConfiguration,
  MULTIPART_THRESHOLD,
  type S3ObjectStore,
  type S3StoreOptions,
} from './s3-store.ts';

const fake = await startFakeS3();
const stores: S3ObjectStore[] = [];
after(async () => {
  for (const store of stores) store.client.destroy();
  await fake.close();
});

let prefixes = 0;
/** A store of its own: every store gets a fresh prefix in the one test bucket. */
function newStore(options: Partial<S3StoreOptions> = {}): S3ObjectStore {
  prefixes += 1;
  const store = createS3Store({
    bucket: fake.bucket,
    region: fake.region,
    endpoint: fake.endpoint,
    forcePathStyle: true,
    credentials: fake.credentials,
    prefix: `store-${prefixes}/`,
    // Small pages, so the suite's listings cross page boundaries.
    listPageSize: 2,
    ...options,
  });
  stores.push(store);
  return store;
}

const writes = (requests: RecordedRequest[]) =>
  requests.filter((r) => r.operation === 'PutObject' || r.operation === 'CreateMultipartUpload');
const sent = (since: number) => fake.requests.slice(since);

objectStoreConformance('s3', async () => newStore(), {
  // s3rver truncates and rewrites the object file in place, then writes its metadata
  // apart: concurrent puts of one key can mix one body with another's digest (get then
  // reports ObjectTamperedError). S3 itself replaces an object atomically.
  overwritesNotAtomic: 's3rver rewrites objects in place',
});

describe('s3 store against s3rver', () => {
  test("the suite's listings followed continuation tokens across pages", () => {
    assert.ok(
      fake.requests.some(
        (r) => r.operation === 'ListObjectsV2' && r.query.has('continuation-token'),
      ),
    );
  });

  test('every write asks for SSE-S3 by default', async () => {
    const since = fake.requests.length;
    const store = newStore();
    await store.put('originals/ab/small', randomBytes(10));
    await store.put('originals/ab/big', randomBytes(MULTIPART_THRESHOLD + 1));
    const recorded = writes(sent(since));
    assert.deepEqual(
      recorded.map((r) => r.operation),
      ['PutObject', 'CreateMultipartUpload'],
    );
    for (const request of recorded) {
      assert.equal(request.headers['x-amz-server-side-encryption'], 'AES256');
      assert.equal(request.headers['x-amz-server-side-encryption-aws-kms-key-id'], undefined);
    }
  });

  test('with kmsKeyId every write asks for SSE-KMS under that key', async () => {
    const kmsKeyId = 'arn:aws:kms:eu-west-1:111122223333:key/0b7c5c1e-0000-4000-8000-000000000000';
    const since = fake.requests.length;
    const store = newStore({ kmsKeyId });
    await store.put('originals/ab/small', randomBytes(10));
    await store.put('originals/ab/big', randomBytes(MULTIPART_THRESHOLD + 1));
    const recorded = writes(sent(since));
    assert.equal(recorded.length, 2);
    for (const request of recorded) {
      assert.equal(request.headers['x-amz-server-side-encryption'], 'aws:kms');
      assert.equal(request.headers['x-amz-server-side-encryption-aws-kms-key-id'], kmsKeyId);
      assert.equal(request.headers['x-amz-server-side-encryption-bucket-key-enabled'], 'true');
    }
    assert.match(store.describe(), /SSE-KMS arn:aws:kms:eu-west-1/);
  });

  test('a body above the threshold goes up in parts and comes back whole', async () => {
    const since = fake.requests.length;
    const store = newStore();
    const body = randomBytes(2 * MULTIPART_THRESHOLD + 12345);
    await store.put('originals/mp/large', body);
    assert.deepEqual(
      sent(since).map((r) => r.operation),
      [
        'CreateMultipartUpload',
        'UploadPart',
        'UploadPart',
        'UploadPart',
        'CompleteMultipartUpload',
      ],
    );
    assert.ok((await store.get('originals/mp/large')).equals(body));
  });

  test('an object changed behind our back is ObjectTamperedError', async () => {
    const store = newStore();
    await store.put('originals/ab/victim', Buffer.from('the original bytes'));
    const file = path.join(
      fake.directory,
      fake.bucket,
      store.prefix,
      'originals/ab/victim._S3rver_object',
    );
    const bytes = await readFile(file);
    bytes[3] = (bytes[3] as number) ^ 0x20;
    await writeFile(file, bytes);
    await assert.rejects(() => store.get('originals/ab/victim'), ObjectTamperedError);
  });

  test('applyLifecycle sends a 7-day rule and says plainly that s3rver refuses it', async () => {
    const since = fake.requests.length;
    const store = newStore({ prefix: 'images/' });
    await assert.rejects(
      () => applyLifecycle(store),
      (error) =>
        error instanceof LifecycleNotSupportedError &&
        /does not support lifecycle rules/.test(error.message),
    );
    const [put] = sent(since).filter((r) => r.operation === 'PutBucketLifecycleConfiguration');
    assert.ok(put, 'no PutBucketLifecycleConfiguration was sent');
    assert.equal(put.method, 'PUT');
    assert.equal(put.path, `/${fake.bucket}/`);
    const xml = put.body.toString();
    assert.match(xml, /<Expiration><Days>7<\/Days><\/Expiration>/);
    assert.match(
      xml,
      /<AbortIncompleteMultipartUpload><DaysAfterInitiation>1<\/DaysAfterInitiation><\/AbortIncompleteMultipartUpload>/,
    );
    assert.match(xml, /<Filter><Prefix>images\/<\/Prefix><\/Filter>/);
    assert.match(xml, /<Status>Enabled<\/Status>/);
    assert.equal((xml.match(/<Rule>/g) ?? []).length, 1);
  });

  test('the lifecycle configuration keeps the rules of others and replaces our own', () => {
    const other = { ID: 'logs', Status: 'Enabled' as const, Filter: { Prefix: 'logs/' } };
    const stale = {
      ID: 'tessera-expiry:images/',
      Status: 'Enabled' as const,
      Expiration: { Days: 30 },
    };
    assert.deepEqual(lifecycleConfiguration('images/', 7, [other, stale]), {
      Rules: [
        other,
        {
          ID: 'tessera-expiry:images/',
          Status: 'Enabled',
          Filter: { Prefix: 'images/' },
          Expiration: { Days: 7 },
          AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
        },
      ],
    });
    assert.throws(() => lifecycleConfiguration('', 0), RangeError);
  });

  test('describe names bucket, prefix and encryption, never the secret', () => {
    const store = newStore({
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'hunter2-secret' },
      endpoint: fake.endpoint.replace('http://', 'http://user:pw@'),
    });
    const text = store.describe();
    assert.match(
      text,
      /^s3:\/\/tessera-test\/store-\d+\/ \(us-east-1 via http:\/\/127\.0\.0\.1:\d+\/; SSE-S3 AES256\)$/,
    );
    assert.doesNotMatch(text, /hunter2|pw@/);
  });

  test('every PutObject and CreateMultipartUpload of this file carried SSE', () => {
    const all = writes(fake.requests);
    assert.ok(all.length > 20);
    for (const request of all) {
      assert.match(String(request.headers['x-amz-server-side-encryption']), /^(AES256|aws:kms)$/);
    }
  });
});
