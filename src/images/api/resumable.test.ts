// Uploads on a fleet of image APIs that share only PostgreSQL and the object store: a resumable
// upload continues on any instance, and a crash leaves no byte of a photo readable on disk.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import type { Dirent } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createImageTestbed, type ImageTestbed } from '../../../test/helpers/image-service.ts';
import { makeImage, noisyPhoto } from '../../../test/helpers/images.ts';
import { sweep } from '../expiry.ts';
import { imageApiAudience, type Principal, signPrincipal } from '../principal.ts';
import { appendPart, createUpload, findUpload } from '../resumable-uploads.ts';
import { buildImageApi } from './app.ts';

const secret = 'a-test-secret-that-is-long-enough-to-use';
const ada: Principal = { id: 'ada', role: 'user' };
const grace: Principal = { id: 'grace', role: 'user' };
const chunk = 2 * 1024 * 1024;
const signedFor = (principal: Principal, method: string, url: string) =>
  signPrincipal(principal, secret, { method, url, audience: imageApiAudience });
const meta = (pairs: Record<string, string>) =>
  Object.entries(pairs)
    .map(([k, v]) => `${k} ${Buffer.from(v).toString('base64')}`)
    .join(',');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type ImageApi = Awaited<ReturnType<typeof buildImageApi>>;

describe('resumable uploads on a fleet', () => {
  let bed: ImageTestbed;
  let first: ImageApi;
  let second: ImageApi;
  let photo: Buffer;
  before(async () => {
    bed = await createImageTestbed();
    // Two instances: nothing in common but the database and the store.
    first = await buildImageApi({ ...bed, gatewaySecret: secret });
    second = await buildImageApi({ ...bed, gatewaySecret: secret });
    photo = await noisyPhoto();
  });
  after(async () => {
    await first.close();
    await second.close();
    await bed.close();
  });

  const tus = (
    app: ImageApi,
    principal: Principal,
    method: string,
    url: string,
    headers: Record<string, string> = {},
    payload?: Buffer,
  ) =>
    app.inject({
      method: method as 'POST',
      url,
      headers: { ...signedFor(principal, method, url), 'tus-resumable': '1.0.0', ...headers },
      ...(payload ? { payload } : {}),
    });
  const patch = (app: ImageApi, url: string, from: number, bytes: Buffer, who = ada) =>
    tus(
      app,
      who,
      'PATCH',
      url,
      { 'upload-offset': String(from), 'content-type': 'application/offset+octet-stream' },
      bytes,
    );
  const start = async (app: ImageApi, bytes: Buffer) => {
    const created = await tus(app, ada, 'POST', '/images/uploads', {
      'upload-length': String(bytes.length),
      'upload-metadata': meta({ filename: 'fleet.jpg', filetype: 'image/jpeg' }),
    });
    assert.equal(created.statusCode, 201, created.body);
    return String(created.headers.location);
  };

  test('a photo of over 5 MB sent in 2 MB chunks alternating between two instances becomes one image of its creator; nobody else sees the upload on either', async () => {
    assert.ok(photo.length > 5 * 1024 * 1024, `the photo is ${photo.length} bytes`);
    const url = await start(first, photo);
    const instances = [first, second];
    let last: Awaited<ReturnType<typeof patch>> | undefined;
    for (let from = 0, n = 0; from < photo.length; from += chunk, n += 1) {
      const app = instances[n % 2] as ImageApi;
      if (from > 0) {
        const head = await tus(app, ada, 'HEAD', url);
        assert.equal(head.statusCode, 200, 'the other instance knows the upload');
        assert.equal(head.headers['upload-offset'], String(from));
        for (const other of instances) {
          assert.equal((await tus(other, grace, 'HEAD', url)).statusCode, 404);
          const stolen = await patch(other, url, from, photo.subarray(from, from + chunk), grace);
          assert.equal(stolen.statusCode, 404, 'another principal may not continue it');
          assert.equal((await tus(other, grace, 'DELETE', url)).statusCode, 404);
        }
      }
      last = await patch(app, url, from, photo.subarray(from, from + chunk));
      assert.equal(last.statusCode, 204, last.body);
    }
    const imageId = String(last?.headers['tessera-image-id']);
    const image = await bed.db.query(
      'select owner_id, original_name, bytes from images.images where image_id = $1',
      [imageId],
    );
    assert.deepEqual(image.rows[0], {
      owner_id: 'ada',
      original_name: 'fleet.jpg',
      bytes: photo.length,
    });
    const original = await second.inject({
      method: 'GET',
      url: `/images/${imageId}`,
      headers: signedFor(ada, 'GET', `/images/${imageId}`),
    });
    assert.ok(original.rawPayload.equals(photo), 'the parts were joined in order');
    assert.equal((await tus(first, ada, 'HEAD', url)).statusCode, 404, 'a finished upload is gone');
    assert.deepEqual(await keysUnder(bed, 'uploads/'), [], 'its parts are gone');
  });

  test('a PATCH for a stale offset is refused with 409 on any instance, and a racing one does not count', async () => {
    const url = await start(first, photo);
    const piece = photo.subarray(0, chunk);
    assert.equal((await patch(first, url, 0, piece)).statusCode, 204);
    assert.equal((await patch(second, url, 0, piece)).statusCode, 409, 'the offset moved on');
    // Two writers past the offset check at once: the database lets one of them count.
    const id = url.split('/').pop() ?? '';
    const next = photo.subarray(chunk, 2 * chunk);
    const raced = await Promise.all([
      appendPart(bed, id, chunk, next),
      appendPart(bed, id, chunk, Buffer.alloc(next.length)),
    ]);
    assert.deepEqual(raced.filter((offset) => offset !== undefined).length, 1);
    const upload = await findUpload(bed.db, id);
    assert.equal(upload?.offset, 2 * chunk);
    assert.equal((await keysUnder(bed, `uploads/${id}/`)).length, 2, 'the loser’s part is removed');
    assert.equal((await tus(second, ada, 'DELETE', url)).statusCode, 204, 'its creator cancels it');
    assert.deepEqual(await keysUnder(bed, `uploads/${id}/`), []);
  });

  test('an upload whose length is deferred learns it on a later PATCH, on another instance', async () => {
    const bytes = await makeImage('jpeg', { width: 1024, height: 768, scene: 31 });
    const created = await tus(first, ada, 'POST', '/images/uploads', {
      'upload-defer-length': '1',
    });
    assert.equal(created.statusCode, 201, created.body);
    const url = String(created.headers.location);
    const half = Math.floor(bytes.length / 2);
    assert.equal((await patch(second, url, 0, bytes.subarray(0, half))).statusCode, 204);
    const head = await tus(first, ada, 'HEAD', url);
    assert.equal(head.headers['upload-defer-length'], '1');
    const last = await tus(
      first,
      ada,
      'PATCH',
      url,
      {
        'upload-offset': String(half),
        'upload-length': String(bytes.length),
        'content-type': 'application/offset+octet-stream',
      },
      bytes.subarray(half),
    );
    assert.equal(last.statusCode, 204, last.body);
    assert.match(String(last.headers['tessera-image-id']), /^[0-9a-f-]{36}$/);
  });

  test('a PATCH carrying more than 16 MB is refused with 413 before its bytes are read', async () => {
    const big = Buffer.alloc(17 * 1024 * 1024, 1);
    const url = await start(first, Buffer.alloc(20 * 1024 * 1024));
    const refused = await patch(second, url, 0, big);
    assert.equal(refused.statusCode, 413, refused.body);
    assert.equal(JSON.parse(refused.body).code, 'part_too_large');
    assert.equal((await tus(first, ada, 'HEAD', url)).headers['upload-offset'], '0');
  });

  test('the sweeper removes uploads abandoned for a day with their parts, and parts no upload counts', async () => {
    await bed.db.query('delete from images.resumable_uploads');
    await createUpload(bed.db, { id: 'abandoned', owner: 'ada', length: 100, metadata: {} });
    await appendPart(bed, 'abandoned', 0, Buffer.from('a'.repeat(50)));
    await bed.db.query(
      `update images.resumable_uploads set created_at = now() - interval '25 hours' where upload_id = 'abandoned'`,
    );
    await createUpload(bed.db, { id: 'live', owner: 'ada', length: 100, metadata: {} });
    await appendPart(bed, 'live', 0, Buffer.from('b'.repeat(50)));
    const counted = await keysUnder(bed, 'uploads/live/');
    // What a crash between writing a part and recording it leaves, for a live upload and for none.
    await bed.store.put('uploads/live/000000000000050-0badc0de', Buffer.from('c'));
    await bed.store.put('uploads/nobody/000000000000000-0badc0de', Buffer.from('d'));

    const fresh = await sweep(bed);
    assert.equal(fresh.uploadsAbandoned, 1);
    assert.equal(fresh.uploadPartsOrphaned, 0, 'a part younger than the grace may be in flight');
    assert.equal(await findUpload(bed.db, 'abandoned'), undefined);
    assert.deepEqual(await keysUnder(bed, 'uploads/abandoned/'), []);

    const later = await sweep(bed, { orphanGrace: 0 });
    assert.equal(later.uploadPartsOrphaned, 2);
    assert.deepEqual(await keysUnder(bed, 'uploads/'), counted, 'the live upload keeps its part');
    assert.equal((await findUpload(bed.db, 'live'))?.offset, 50);
  });
});

describe('a killed image API leaves no byte of a photo readable', () => {
  let bed: ImageTestbed;
  let dataDir: string;
  let survivor: ImageApi;
  let photo: Buffer;
  const children: ChildProcess[] = [];
  before(async () => {
    bed = await createImageTestbed();
    dataDir = await mkdtemp(path.join(tmpdir(), 'tessera-killed-'));
    survivor = await buildImageApi({ ...bed, gatewaySecret: secret });
    photo = await noisyPhoto();
  });
  after(async () => {
    for (const child of children) child.kill('SIGKILL');
    await survivor.close();
    await bed.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  /** `tessera serve image-api` in a process of its own, on the test's database and store. */
  async function serveImageApi(): Promise<{ url: string; child: ChildProcess }> {
    const child = spawn(process.execPath, ['src/cli.ts', 'serve', 'image-api', '--port', '0'], {
      env: {
        ...process.env,
        LOG_LEVEL: 'silent',
        DATABASE_URL: bed.database.url,
        TESSERA_DATA_DIR: dataDir,
        STORAGE_DIR: bed.root,
        STORAGE_MASTER_KEYS: bed.masterKeys,
        GATEWAY_SECRET: secret,
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    children.push(child);
    let out = '';
    for await (const text of child.stdout ?? []) {
      out += String(text);
      const url = /The image API: (http:\/\/\S+)/.exec(out)?.[1];
      if (url) return { url, child };
    }
    throw new Error(`The image API did not start: ${out}`);
  }

  /** Starts a request whose body is sent only in part, as a slow client would. */
  function slowRequest(url: string, principal: Principal, headers: Record<string, string>) {
    const target = new URL(url);
    const signed = signedFor(principal, headers.method ?? 'POST', target.pathname + target.search);
    const { method = 'POST', ...rest } = headers;
    const request = http.request(target, { method, headers: { ...signed, ...rest } });
    request.on('error', () => {}); // the server dies under it
    request.on('response', (response) => response.resume());
    return request;
  }

  async function kill(child: ChildProcess) {
    child.kill('SIGKILL');
    if (child.exitCode === null && child.signalCode === null) await once(child, 'exit');
  }

  test('SIGKILL in the middle of a plain POST: no file holds any of the photo; the next instance takes it', async () => {
    const since = Date.now();
    const { url, child } = await serveImageApi();
    const request = slowRequest(`${url}/images?name=photo.jpg`, ada, {
      'content-type': 'image/jpeg',
      'content-length': String(photo.length),
    });
    request.write(photo.subarray(0, Math.floor(photo.length * 0.75)));
    await sleep(1500); // long enough for the old spool file to fill
    await kill(child);
    const middle = Math.floor(photo.length / 2);
    assert.deepEqual(
      await filesHolding(photo.subarray(middle, middle + 64), [tmpdir(), dataDir], since),
      [],
    );
    const next = await survivor.inject({
      method: 'POST',
      url: '/images?name=photo.jpg',
      headers: {
        ...signedFor(ada, 'POST', '/images?name=photo.jpg'),
        'content-type': 'image/jpeg',
      },
      payload: photo,
    });
    assert.equal(next.statusCode, 201, next.body);
  });

  test('SIGKILL after the first chunk of a resumable upload: its part on disk is ciphertext, and another instance finishes it', async () => {
    const since = Date.now();
    const { url, child } = await serveImageApi();
    const created = await fetch(`${url}/images/uploads`, {
      method: 'POST',
      headers: {
        ...signedFor(ada, 'POST', '/images/uploads'),
        'tus-resumable': '1.0.0',
        'upload-length': String(photo.length),
        'upload-metadata': meta({ filename: 'cut.jpg' }),
      },
    });
    assert.equal(created.status, 201);
    const location = String(created.headers.get('location'));
    const firstChunk = await fetch(`${url}${location}`, {
      method: 'PATCH',
      headers: {
        ...signedFor(ada, 'PATCH', location),
        'tus-resumable': '1.0.0',
        'upload-offset': '0',
        'content-type': 'application/offset+octet-stream',
      },
      body: photo.subarray(0, chunk),
    });
    assert.equal(firstChunk.status, 204);
    // The second chunk is cut half-way by the kill.
    const request = slowRequest(`${url}${location}`, ada, {
      method: 'PATCH',
      'tus-resumable': '1.0.0',
      'upload-offset': String(chunk),
      'content-type': 'application/offset+octet-stream',
      'content-length': String(chunk),
    });
    request.write(photo.subarray(chunk, chunk + chunk / 2));
    await sleep(1500);
    await kill(child);
    for (const at of [chunk / 2, chunk + chunk / 4]) {
      assert.deepEqual(
        await filesHolding(photo.subarray(at, at + 64), [tmpdir(), dataDir], since),
        [],
        `no file holds the bytes at ${at}`,
      );
    }
    assert.ok((await keysUnder(bed, 'uploads/')).length >= 1, 'the first chunk is stored');

    const inject = (method: string, headers: Record<string, string>, payload?: Buffer) =>
      survivor.inject({
        method: method as 'PATCH',
        url: location,
        headers: { ...signedFor(ada, method, location), 'tus-resumable': '1.0.0', ...headers },
        ...(payload ? { payload } : {}),
      });
    let offset = Number((await inject('HEAD', {})).headers['upload-offset']);
    assert.ok(offset >= chunk, `the upload goes on from ${offset}`);
    let last: Awaited<ReturnType<typeof inject>> | undefined;
    while (offset < photo.length) {
      last = await inject(
        'PATCH',
        { 'upload-offset': String(offset), 'content-type': 'application/offset+octet-stream' },
        photo.subarray(offset, offset + chunk),
      );
      assert.equal(last.statusCode, 204, last.body);
      offset = Number(last.headers['upload-offset']);
    }
    const image = await bed.db.query(
      'select owner_id, sha256 from images.images where image_id = $1',
      [String(last?.headers['tessera-image-id'])],
    );
    assert.equal(image.rows[0]?.owner_id, 'ada');
  });
});

async function keysUnder(bed: ImageTestbed, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const object of bed.store.list(prefix)) keys.push(object.key);
  return keys;
}

/** Every file under `roots` changed since `since` that holds `run`. */
async function filesHolding(run: Buffer, roots: string[], since: number): Promise<string[]> {
  const found = new Set<string>();
  const visit = async (dir: string): Promise<void> => {
    const entries: Dirent[] = await readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) await visit(file);
      else if (entry.isFile()) {
        const stats = await stat(file).catch(() => undefined);
        if (!stats || stats.mtimeMs < since - 1000) continue;
        const bytes = await readFile(file).catch(() => undefined);
        if (bytes?.includes(run)) found.add(file);
      }
    }
  };
  for (const root of roots) await visit(root);
  return [...found];
}
