// The image API as a fleet, as the cloud runs it: two `tessera serve image-api` processes, each
// with its own data and temporary folders, sharing only the database and the object store, behind
// one gateway given both URLs. A resumable upload goes on whichever instance its chunks reach, also
// after the instance that took its first chunk is killed, and no folder of either instance ever
// holds a byte of the photos in plaintext.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import type { Dirent } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { buildGateway } from '../../src/images/gateway/app.ts';
import { addPrincipal, createKey } from '../../src/images/gateway/principals.ts';
import { gatewayService } from '../../src/images/gateway/service.ts';
import { loadConfig } from '../../src/platform/config.ts';
import { createLogger } from '../../src/platform/log.ts';
import type { Opened } from '../../src/platform/service.ts';
import { gatewaySecret, testGatewayEnv } from '../helpers/gateway.ts';
import { createImageTestbed, type ImageTestbed } from '../helpers/image-service.ts';
import { noisyPhoto } from '../helpers/images.ts';

const chunk = 2 * 1024 * 1024;

/** One `tessera serve image-api` process: its URL, and what its log says it was asked. */
type Instance = { url: string; child: ChildProcess; dataDir: string; tmpDir: string; log: string };

describe('two image API processes behind one gateway', () => {
  let bed: ImageTestbed;
  let gateway: Awaited<ReturnType<typeof buildGateway>>;
  let gatewayDeps: Opened<Parameters<typeof buildGateway>[0]>;
  let key: string;
  let instances: Instance[];
  let photos: Buffer[];

  before(async () => {
    bed = await createImageTestbed();
    instances = [await serveImageApi(bed), await serveImageApi(bed)];
    // The gateway as `tessera serve gateway` makes it, given both instances.
    const config = loadConfig({
      ...bed.env,
      ...testGatewayEnv,
      IMAGE_API_URL: instances.map((i) => i.url).join(','),
      GATEWAY_RATE_LIMIT: '10000',
      GATEWAY_BODY_LIMIT_MB: '8',
      GATEWAY_TIMEOUT: '30s',
      GATEWAY_UPSTREAM_DOWN_FOR: '2s',
      GATEWAY_HEALTH_CHECK_EVERY: '500ms',
      TESSERA_DATA_DIR: bed.root,
    });
    gatewayDeps = await gatewayService.deps({
      config,
      log: createLogger('silent'),
      databaseUrl: bed.database.url,
      running: {},
    });
    gateway = await buildGateway(gatewayDeps.deps);
    await addPrincipal(bed.db, { name: 'ada', role: 'user' });
    key = await createKey(bed.db, 'ada', 'fleet', ['images:read', 'images:write']);
    photos = [await noisyPhoto(1600, 1200), await noisyPhoto(1600, 1201)];
  });
  after(async () => {
    await gateway?.close();
    await gatewayDeps?.close();
    for (const instance of instances ?? []) {
      instance.child.kill('SIGKILL');
      await rm(instance.dataDir, { recursive: true, force: true });
      await rm(instance.tmpDir, { recursive: true, force: true });
    }
    await bed?.close();
  });

  const tus = (method: string, url: string, headers: Record<string, string>, body?: Buffer) =>
    gateway.inject({
      method: method as 'PATCH',
      url,
      headers: { authorization: `Bearer ${key}`, 'tus-resumable': '1.0.0', ...headers },
      ...(body ? { payload: body } : {}),
    });
  const create = async (photo: Buffer) => {
    const created = await tus('POST', '/api/images/uploads', {
      'upload-length': String(photo.length),
    });
    assert.equal(created.statusCode, 201, created.body);
    return String(created.headers.location);
  };
  const patch = (url: string, photo: Buffer, from: number) =>
    tus(
      'PATCH',
      url,
      { 'upload-offset': String(from), 'content-type': 'application/offset+octet-stream' },
      photo.subarray(from, from + chunk),
    );
  const patchesSeen = (instance: Instance) => instance.log.split('"method":"PATCH"').length - 1;

  test('a tus upload in 2 MB chunks completes with chunks landing on both instances', async () => {
    const photo = photos[0] as Buffer;
    assert.ok(photo.length > 2 * chunk, `the photo is ${photo.length} bytes`);
    const url = await create(photo);
    let last: Awaited<ReturnType<typeof patch>> | undefined;
    for (let from = 0; from < photo.length; from += chunk) {
      last = await patch(url, photo, from);
      assert.equal(last.statusCode, 204, last.body);
    }
    const id = String(last?.headers['tessera-image-id']);
    const original = await gateway.inject({
      method: 'GET',
      url: `/api/images/${id}`,
      headers: { authorization: `Bearer ${key}` },
    });
    assert.ok(original.rawPayload.equals(photo), 'the chunks were joined in order');
    for (const instance of instances)
      assert.ok(patchesSeen(instance) > 0, `${instance.url} took some of the chunks`);
  });

  test('an upload goes on after the instance that took its first chunk is killed', async () => {
    const photo = photos[1] as Buffer;
    const url = await create(photo);
    const before = instances.map(patchesSeen);
    assert.equal((await patch(url, photo, 0)).statusCode, 204);
    const took = instances.findIndex((instance, i) => patchesSeen(instance) > (before[i] ?? 0));
    const killed = instances[took] as Instance;
    killed.child.kill('SIGKILL');
    if (killed.child.exitCode === null && killed.child.signalCode === null)
      await once(killed.child, 'exit');
    // As a tus client does: a chunk that fails (the gateway's kept-alive connection to the killed
    // instance answers 502, since it cannot know what reached it) is followed by HEAD for the
    // offset, and the upload goes on from there.
    let last: Awaited<ReturnType<typeof patch>> | undefined;
    let failures = 0;
    for (let from = chunk; from < photo.length; ) {
      last = await patch(url, photo, from);
      if (last.statusCode === 204) {
        from = Number(last.headers['upload-offset']);
        continue;
      }
      failures += 1;
      assert.ok(failures <= 2 && last.statusCode === 502, `${last.statusCode} ${last.body}`);
      const head = await tus('HEAD', url, {});
      assert.equal(head.statusCode, 200, 'the other instance knows the upload');
      from = Number(head.headers['upload-offset']);
    }
    assert.equal(last?.statusCode, 204);
    const stored = await bed.db.query('select owner_id from images.images where image_id = $1', [
      String(last?.headers['tessera-image-id']),
    ]);
    assert.equal(stored.rowCount, 1, 'one image, on the instance that was left');
  });

  test('no folder of either instance holds a byte run of either photo in plaintext', async () => {
    // The instances' own folders, and the shared store (whose files are ciphertext).
    const folders = [...instances.flatMap((i) => [i.dataDir, i.tmpDir]), bed.root];
    for (const photo of photos) {
      for (const at of [chunk / 2, Math.floor(photo.length / 2), photo.length - 100]) {
        assert.deepEqual(await filesHolding(photo.subarray(at, at + 64), folders), [], `at ${at}`);
      }
    }
  });
});

/** `tessera serve image-api` in a process of its own, with its own data and temporary folders. */
async function serveImageApi(bed: ImageTestbed): Promise<Instance> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'tessera-fleet-data-'));
  const tmpDir = await mkdtemp(path.join(tmpdir(), 'tessera-fleet-tmp-'));
  const child = spawn(process.execPath, ['src/cli.ts', 'serve', 'image-api', '--port', '0'], {
    env: {
      ...process.env,
      LOG_LEVEL: 'info',
      TMPDIR: tmpDir,
      DATABASE_URL: bed.database.url,
      TESSERA_DATA_DIR: dataDir,
      STORAGE_DIR: bed.root,
      STORAGE_MASTER_KEYS: bed.masterKeys,
      GATEWAY_SECRET: gatewaySecret,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const instance: Instance = { url: '', child, dataDir, tmpDir, log: '' };
  child.stderr?.on('data', (text) => {
    instance.log += String(text);
  });
  let out = '';
  for await (const text of child.stdout ?? []) {
    out += String(text);
    const url = /The image API: (http:\/\/\S+)/.exec(out)?.[1];
    if (url) {
      instance.url = url;
      child.stdout?.resume();
      return instance;
    }
  }
  throw new Error(`The image API did not start: ${out}${instance.log}`);
}

/** Every file under `roots` that holds `run`. */
async function filesHolding(run: Buffer, roots: string[]): Promise<string[]> {
  const found: string[] = [];
  const visit = async (dir: string): Promise<void> => {
    const entries: Dirent[] = await readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) await visit(file);
      else if (entry.isFile() && (await readFile(file).catch(() => undefined))?.includes(run))
        found.push(file);
    }
  };
  for (const root of roots) await visit(root);
  return found;
}
