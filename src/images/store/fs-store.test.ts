import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import {
  copyFile,
  mkdtemp,
  readdir,
  readFile,
  rename,
  rm,
  stat,
  utimes,
  writeFile,
} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { collect, objectStoreConformance } from './conformance.ts';
import { createFsStore } from './fs-store.ts';
import { createKeyring } from './master-keys.ts';
import { ObjectNotFoundError, ObjectTamperedError } from './object-store.ts';

const roots: string[] = [];
after(() => Promise.all(roots.map((root) => rm(root, { recursive: true, force: true }))));

async function tempRoot(): Promise<string> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'tessera-fs-store-'));
  roots.push(root);
  return root;
}

function testKeyring(id = 'test-key') {
  return createKeyring(id, [[id, randomBytes(32)]]);
}

async function newStore() {
  return createFsStore({ root: await tempRoot(), keyring: testKeyring() });
}

/** Every file under root, with its bytes. */
async function filesUnder(root: string): Promise<{ file: string; bytes: Buffer }[]> {
  const names = await readdir(root, { recursive: true, withFileTypes: true });
  const files = names.filter((entry) => entry.isFile()).map((e) => path.join(e.parentPath, e.name));
  return Promise.all(files.map(async (file) => ({ file, bytes: await readFile(file) })));
}

objectStoreConformance('fs', newStore);

describe('fs store on disk', () => {
  test('no plaintext byte run reaches the disk, and no temp file is left', async () => {
    const store = await newStore();
    const marker = randomBytes(64);
    const body = Buffer.concat(Array.from({ length: 1024 }, () => marker));
    await store.put('originals/ab/secret', body);
    await store.put('originals/ab/small-secret', marker);
    assert.ok((await store.get('originals/ab/secret')).equals(body));
    const files = await filesUnder(store.root);
    assert.equal(files.length, 2);
    for (const { file, bytes } of files) {
      assert.ok(!path.basename(file).startsWith('@tmp-'), file);
      // Any 16 bytes of the marker would be a leak, not only the whole run.
      for (let at = 0; at + 16 <= marker.length; at += 16) {
        assert.equal(bytes.indexOf(marker.subarray(at, at + 16)), -1, `${file} holds plaintext`);
      }
      assert.equal((await stat(file)).mode & 0o077, 0, `${file} is readable by others`);
    }
  });

  test('an object in more cipher pieces than one write takes (over 64 MiB) comes back whole', async () => {
    const store = await newStore();
    const body = randomBytes(65 * 1024 * 1024 + 1);
    await store.put('originals/ab/large', body);
    assert.ok((await store.get('originals/ab/large')).equals(body));
  });

  test('any flipped byte, in header, ciphertext or tag, is ObjectTamperedError', async () => {
    const store = await newStore();
    await store.put('originals/ab/flip', randomBytes(100));
    const [{ file, bytes }] = (await filesUnder(store.root)) as [{ file: string; bytes: Buffer }];
    for (let at = 0; at < bytes.length; at += 1) {
      const flipped = Buffer.from(bytes);
      flipped[at] = (flipped[at] as number) ^ 0x01;
      await writeFile(file, flipped);
      await assert.rejects(() => store.get('originals/ab/flip'), ObjectTamperedError, `byte ${at}`);
    }
    for (const length of [0, 3, 40, bytes.length - 17, bytes.length - 1]) {
      await writeFile(file, bytes.subarray(0, length));
      await assert.rejects(() => store.get('originals/ab/flip'), ObjectTamperedError, `${length}`);
    }
    await writeFile(file, bytes);
    assert.equal((await store.get('originals/ab/flip')).length, 100);
  });

  test("a file moved to another key's name fails verification", async () => {
    const store = await newStore();
    await store.put('originals/aa/one', Buffer.from('one'));
    await store.put('originals/bb/two', Buffer.from('two'));
    const fileOf = (key: string) => path.join(store.root, `${key}@sealed`);
    await copyFile(fileOf('originals/aa/one'), fileOf('originals/aa/three'));
    await assert.rejects(() => store.get('originals/aa/three'), ObjectTamperedError);
    await rename(fileOf('originals/aa/one'), fileOf('originals/bb/two'));
    await assert.rejects(() => store.get('originals/bb/two'), ObjectTamperedError);
    await assert.rejects(() => store.get('originals/aa/one'), ObjectNotFoundError);
  });

  test('an object under a master key the keyring lacks is refused, naming the key', async () => {
    const store = await newStore();
    await store.put('originals/ab/k', Buffer.from('x'));
    const stranger = createFsStore({ root: store.root, keyring: testKeyring('other-key') });
    await assert.rejects(() => stranger.get('originals/ab/k'), /master key 'test-key' is not in/);
  });

  test('list skips temp files and strangers, and reports the mtime', async () => {
    const store = await newStore();
    await store.put('originals/ab/k', Buffer.from('abc'));
    await writeFile(path.join(store.root, 'originals/ab/@tmp-0123456789abcdef'), 'partial');
    await writeFile(path.join(store.root, 'originals/ab/README'), 'not an object');
    const old = new Date('2020-01-02T03:04:05Z');
    await utimes(path.join(store.root, 'originals/ab/k@sealed'), old, old);
    const listed = await collect(store.list(''));
    assert.deepEqual(listed, [{ key: 'originals/ab/k', size: 3, modifiedAt: old }]);
  });

  test('describe names the root and master key, never key material', async () => {
    const keyring = testKeyring();
    const store = createFsStore({ root: await tempRoot(), keyring });
    const text = store.describe();
    assert.match(text, /^fs \/.*AES-256-GCM.*test-key/);
    assert.ok(!text.includes(keyring.keys.get('test-key')?.toString('base64') ?? '?'));
  });
});
