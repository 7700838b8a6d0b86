import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { createFsStore } from './fs-store.ts';
import { rewrapAll } from './key-rotation.ts';
import { watchKeyringFile } from './keyring-source.ts';
import { loadKeyring, rotateMasterKey, saveKeyring, withoutKeys } from './master-keys.ts';
import { ObjectTamperedError } from './object-store.ts';

const dir = await mkdtemp(path.join(os.tmpdir(), 'tessera-keyring-source-'));
after(() => rm(dir, { recursive: true, force: true }));

/** As `tessera images rotate-key` does it, from another store: a new current key, all re-wrapped. */
async function rotateElsewhere(root: string, file: string): Promise<string> {
  const { id, keyring } = await rotateMasterKey(file);
  const report = await rewrapAll(createFsStore({ root, keyring }));
  assert.equal(report.failed, 0);
  return id;
}

test('a running store reads objects re-wrapped under a key rotated in meanwhile, and seals with it', async () => {
  const root = path.join(dir, 'one');
  const file = path.join(dir, 'one.json');
  const running = createFsStore({ root, keyring: await watchKeyringFile(file) });
  const first = randomBytes(500);
  await running.put('images/a/original', first);
  const oldKey = running.keyring.current;

  const newKey = await rotateElsewhere(root, file);
  assert.equal(await running.masterKeyOf('images/a/original'), newKey, 're-wrapped on disk');
  assert.deepEqual(await running.get('images/a/original'), first, 'read without a restart');
  await running.put('images/b/original', randomBytes(500));
  assert.equal(await running.masterKeyOf('images/b/original'), newKey);
  assert.notEqual(newKey, oldKey);
});

test('new objects use the new key within the check interval, even when nothing is read', async () => {
  const root = path.join(dir, 'two');
  const file = path.join(dir, 'two.json');
  const running = createFsStore({
    root,
    keyring: await watchKeyringFile(file, { checkEvery: 50 }),
  });
  await running.put('images/a/original', randomBytes(100));
  const newKey = await rotateElsewhere(root, file);
  await new Promise((resolve) => setTimeout(resolve, 60));
  await running.put('images/c/original', randomBytes(100));
  assert.equal(await running.masterKeyOf('images/c/original'), newKey);
});

test('a key unknown even after the file is read again is a clear error, without key material', async () => {
  const root = path.join(dir, 'three');
  const file = path.join(dir, 'three.json');
  const writer = createFsStore({ root, keyring: await watchKeyringFile(file) });
  await writer.put('images/a/original', randomBytes(100));
  const oldKey = writer.keyring.current;
  await rotateMasterKey(file);
  const withoutOld = withoutKeys(await loadKeyring(file), [oldKey]);
  await saveKeyring(file, withoutOld);
  const reader = createFsStore({ root, keyring: await watchKeyringFile(file) });
  const material = JSON.parse(await readFile(file, 'utf8')).keys as Record<string, string>;
  await assert.rejects(
    () => reader.get('images/a/original'),
    (error) =>
      error instanceof ObjectTamperedError &&
      error.message.includes(`master key '${oldKey}' is not in the keyring`) &&
      Object.values(material).every((b64) => !error.message.includes(b64)),
  );
});
