import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { tessera } from '../../test/helpers/cli.ts';
import { createImageTestbed } from '../../test/helpers/image-service.ts';
import { makeImage } from '../../test/helpers/images.ts';
import { loadConfig } from '../platform/config.ts';
import { buildImageApi } from './api/app.ts';
import { getImage } from './catalogue.ts';
import { imageApiAudience, type Principal, signPrincipal } from './principal.ts';
import { openStore } from './storage.ts';
import type { FsObjectStore } from './store/fs-store.ts';

const secret = 'a-test-secret-that-is-long-enough-to-use';
const ada: Principal = { id: 'ada', role: 'user' };

test('`tessera images rotate-key` while the image API runs: old images are served and new ones sealed with the new key, without a restart', async () => {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'tessera-rotate-live-'));
  const bed = await createImageTestbed();
  const config = loadConfig({ TESSERA_DATA_DIR: dataDir });
  const store = (await openStore(config, bed.log)) as FsObjectStore;
  const app = await buildImageApi({ ...bed, store, gatewaySecret: secret });
  const upload = async (scene: number) => {
    const bytes = await makeImage('jpeg', { width: 400, height: 300, scene });
    const response = await app.inject({
      method: 'POST',
      url: '/images',
      headers: {
        ...signPrincipal(ada, secret, {
          method: 'POST',
          url: '/images',
          audience: imageApiAudience,
        }),
        'content-type': 'image/jpeg',
      },
      payload: bytes,
    });
    assert.equal(response.statusCode, 201, response.body);
    return { id: response.json().id as string, bytes };
  };
  const originalKey = async (id: string) =>
    (await getImage(bed.db, id))?.objects.find((o) => o.name === 'original')?.object_key ?? '';
  const currentKey = async () =>
    JSON.parse(await readFile(path.join(dataDir, 'object-master-keys.json'), 'utf8')).current;
  try {
    const old = await upload(1);
    const oldKey = await currentKey();
    assert.equal(await store.masterKeyOf(await originalKey(old.id)), oldKey);

    const rotated = tessera(['images', 'rotate-key'], { env: { TESSERA_DATA_DIR: dataDir } });
    assert.equal(rotated.status, 0, rotated.stderr);
    assert.match(rotated.stdout, /Re-wrapped [1-9]\d* object/);
    const newKey = await currentKey();
    assert.notEqual(newKey, oldKey);
    assert.equal(await store.masterKeyOf(await originalKey(old.id)), newKey, 're-wrapped');

    const served = await app.inject({
      method: 'GET',
      url: `/images/${old.id}`,
      headers: signPrincipal(ada, secret, {
        method: 'GET',
        url: `/images/${old.id}`,
        audience: imageApiAudience,
      }),
    });
    assert.equal(served.statusCode, 200, served.body);
    assert.deepEqual(served.rawPayload, old.bytes);
    const fresh = await upload(2);
    assert.equal(await store.masterKeyOf(await originalKey(fresh.id)), newKey);
  } finally {
    await app.close();
    await bed.close();
    await rm(dataDir, { recursive: true, force: true });
  }
});
