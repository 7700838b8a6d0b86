import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { MAX_HEADER_BYTES, readHeader } from './envelope.ts';
import { createFsStore, type FsObjectStore } from './fs-store.ts';
import { masterKeyUsage, retireOldKeys, rewrapAll } from './key-rotation.ts';
import { createKeyring, KeyringError, loadKeyring, rotateMasterKey } from './master-keys.ts';
import { ObjectTamperedError } from './object-store.ts';

const dir = await mkdtemp(path.join(os.tmpdir(), 'tessera-rotation-'));
after(() => rm(dir, { recursive: true, force: true }));

const fileOf = (store: FsObjectStore, key: string) => path.join(store.root, `${key}@sealed`);

/** The sealed file without its header: what re-wrapping must leave byte for byte. */
async function ciphertextOf(store: FsObjectStore, key: string): Promise<Buffer> {
  const bytes = await readFile(fileOf(store, key));
  return bytes.subarray(readHeader(key, bytes.subarray(0, MAX_HEADER_BYTES)).length);
}

test('rotate, re-wrap and retire: every object stays readable throughout', async () => {
  const root = path.join(dir, 'objects');
  const keyringFile = path.join(dir, 'keyring.json');
  const keyringA = await loadKeyring(keyringFile);
  const keyA = keyringA.current;
  const bodies = new Map<string, Buffer>();
  const storeA = createFsStore({ root, keyring: keyringA });
  for (const key of ['originals/aa/1', 'originals/bb/2', 'thumbs/aa/3']) {
    bodies.set(key, randomBytes(1000));
    await storeA.put(key, bodies.get(key) as Buffer);
  }

  const { id: keyB } = await rotateMasterKey(keyringFile);
  assert.notEqual(keyB, keyA);
  const storeB = createFsStore({ root, keyring: await loadKeyring(keyringFile) });
  assert.equal(storeB.keyring.current, keyB);
  for (const key of ['originals/cc/4', 'thumbs/cc/5']) {
    bodies.set(key, randomBytes(1000));
    await storeB.put(key, bodies.get(key) as Buffer);
  }
  for (const [key, body] of bodies) assert.ok((await storeB.get(key)).equals(body), key);
  assert.equal(await storeB.masterKeyOf('originals/aa/1'), keyA);
  assert.equal(await storeB.masterKeyOf('originals/cc/4'), keyB);

  await assert.rejects(
    () => retireOldKeys(storeB, keyringFile, [keyA]),
    (error) => error instanceof KeyringError && /still wraps 3 object/.test(error.message),
  );
  assert.equal((await loadKeyring(keyringFile)).keys.size, 2, 'a refused retire changes nothing');

  const before = new Map<string, { ciphertext: Buffer; mtimeMs: number }>();
  for (const key of bodies.keys()) {
    const { mtimeMs } = await stat(fileOf(storeB, key));
    before.set(key, { ciphertext: await ciphertextOf(storeB, key), mtimeMs });
  }
  const seen: string[] = [];
  const report = await rewrapAll(storeB, (_counts, key) => seen.push(key));
  assert.deepEqual(
    { ...report, failures: report.failures.length },
    { rewrapped: 3, current: 2, changed: 0, missing: 0, failed: 0, failures: 0 },
  );
  assert.equal(seen.length, 5);
  for (const [key, was] of before) {
    assert.ok((await ciphertextOf(storeB, key)).equals(was.ciphertext), `${key} was re-encrypted`);
    const { mtimeMs } = await stat(fileOf(storeB, key));
    assert.ok(Math.abs(mtimeMs - was.mtimeMs) < 1, `${key} mtime moved`); // Date keeps whole ms
  }
  assert.deepEqual([...(await masterKeyUsage(storeB)).objects], [[keyB, 5]]);
  assert.equal((await rewrapAll(storeB)).current, 5, 'a second pass has nothing to do');

  const retired = await retireOldKeys(storeB, keyringFile);
  assert.deepEqual(retired.retired, [keyA]);
  assert.deepEqual(retired.kept, [keyB]);
  const storeC = createFsStore({ root, keyring: await loadKeyring(keyringFile) });
  assert.deepEqual([...storeC.keyring.keys.keys()], [keyB]);
  for (const [key, body] of bodies) assert.ok((await storeC.get(key)).equals(body), key);

  // Key A alone opens nothing now: the data keys really moved.
  await assert.rejects(() => storeA.get('originals/aa/1'), ObjectTamperedError);
  await assert.rejects(() => retireOldKeys(storeC, keyringFile, [keyB]), /current master key/);
  await assert.rejects(() => retireOldKeys(storeC, keyringFile, ['no-such-key']), KeyringError);
});

test('re-wrap reports a tampered object and goes on with the rest', async () => {
  const keyA = createKeyring('a', [['a', randomBytes(32)]]);
  const root = path.join(dir, 'tampered');
  const storeA = createFsStore({ root, keyring: keyA });
  await storeA.put('x/1', Buffer.from('one'));
  await storeA.put('x/2', Buffer.from('two'));
  const file = fileOf(storeA, 'x/1');
  const bytes = await readFile(file);
  bytes[20] = (bytes[20] as number) ^ 0xff; // inside the wrapped data key
  await writeFile(file, bytes);
  const keyB = createKeyring('b', [...keyA.keys, ['b', randomBytes(32)]]);
  const report = await rewrapAll(createFsStore({ root, keyring: keyB }));
  assert.equal(report.rewrapped, 1);
  assert.equal(report.failed, 1);
  assert.equal(report.failures[0]?.key, 'x/1');
});
