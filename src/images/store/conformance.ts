import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import {
  InvalidObjectKeyError,
  ObjectNotFoundError,
  type ObjectStore,
  type StoredObject,
} from './object-store.ts';

export type ConformanceOptions = {
  /** Why the backend under test (a fake, never a real store) cannot replace objects atomically. */
  overwritesNotAtomic?: string;
};

/**
 * The one suite every ObjectStore driver passes against a real backend (as every tus store
 * passes tus's shared tests). makeStore gives each test an empty store of its own.
 */
export function objectStoreConformance(
  name: string,
  makeStore: () => Promise<ObjectStore>,
  options: ConformanceOptions = {},
): void {
  describe(`${name} object store conformance`, () => {
    test('put then get returns the same bytes: empty, small and 10 MiB', async () => {
      const store = await makeStore();
      const bodies = {
        'originals/ab/empty': Buffer.alloc(0),
        'originals/ab/small': Buffer.concat([Buffer.from('tessera'), Buffer.from(byteValues())]),
        'originals/ab/large': randomBytes(10 * 1024 * 1024),
      };
      for (const [key, body] of Object.entries(bodies)) await store.put(key, body);
      for (const [key, body] of Object.entries(bodies)) {
        const back = await store.get(key);
        assert.ok(Buffer.isBuffer(back));
        assert.equal(back.length, body.length, key);
        assert.ok(back.equals(body), `${key} came back changed`);
      }
    });

    test('a put replaces the earlier object whole', async () => {
      const store = await makeStore();
      await store.put('originals/ab/k', Buffer.from('the first, longer version'));
      await store.put('originals/ab/k', Buffer.from('second'));
      assert.equal((await store.get('originals/ab/k')).toString(), 'second');
      assert.deepEqual(summary(await collect(store.list('originals/'))), [['originals/ab/k', 6]]);
    });

    test('delete removes the object and is idempotent', async () => {
      const store = await makeStore();
      await store.put('originals/ab/gone', Buffer.from('x'));
      await store.delete('originals/ab/gone');
      await assert.rejects(() => store.get('originals/ab/gone'), ObjectNotFoundError);
      await store.delete('originals/ab/gone');
      await store.delete('never/was/here');
      assert.deepEqual(await collect(store.list('')), []);
    });

    test('a missing object is ObjectNotFoundError, naming the key', async () => {
      const store = await makeStore();
      await assert.rejects(
        () => store.get('originals/zz/none'),
        (error) => error instanceof ObjectNotFoundError && error.key === 'originals/zz/none',
      );
    });

    test('list finds every object under a prefix, with its size and time', async () => {
      const store = await makeStore();
      const started = Date.now();
      const objects: [string, number][] = [
        ['originals/ab/1', 1],
        ['originals/ab/22', 2],
        ['originals/cd/333', 3],
        ['originalsx', 4],
        ['thumbs/ab/55555', 5],
      ];
      for (const [key, size] of objects) await store.put(key, randomBytes(size));
      const listed = await collect(store.list(''));
      assert.deepEqual(summary(listed), objects);
      for (const { modifiedAt } of listed) {
        assert.ok(modifiedAt instanceof Date);
        // Some servers keep whole seconds.
        assert.ok(
          modifiedAt.getTime() >= started - 2000 && modifiedAt.getTime() <= Date.now() + 2000,
        );
      }
      assert.deepEqual(summary(await collect(store.list('originals/'))), objects.slice(0, 3));
      assert.deepEqual(summary(await collect(store.list('originals/a'))), objects.slice(0, 2));
      assert.deepEqual(summary(await collect(store.list('originals'))), objects.slice(0, 4));
      assert.deepEqual(summary(await collect(store.list('thumbs/ab/55555'))), objects.slice(4));
      assert.deepEqual(await collect(store.list('nothing/')), []);
    });

    test('a key may also begin another key', async () => {
      const store = await makeStore();
      await store.put('a', Buffer.from('short'));
      await store.put('a/b', Buffer.from('longer'));
      assert.equal((await store.get('a')).toString(), 'short');
      assert.equal((await store.get('a/b')).toString(), 'longer');
      assert.deepEqual(summary(await collect(store.list('a'))), [
        ['a', 5],
        ['a/b', 6],
      ]);
    });

    test('bad keys and prefixes are refused', async () => {
      const store = await makeStore();
      const longest = ['x'.repeat(200), 'y'.repeat(200), 'z'.repeat(110)].join('/');
      assert.equal(longest.length, 512);
      await store.put(longest, Buffer.from('fits'));
      assert.equal((await store.get(longest)).toString(), 'fits');
      const bad = [
        '',
        '/abs',
        '..',
        'a/../b',
        'a/..',
        'a/./b',
        'a//b',
        'a/',
        'a b',
        'a\\b',
        'ü',
        `${longest}z`,
        'x'.repeat(201),
      ];
      for (const key of bad) {
        await assert.rejects(() => store.put(key, Buffer.from('x')), InvalidObjectKeyError, key);
        await assert.rejects(() => store.get(key), InvalidObjectKeyError, key);
        await assert.rejects(() => store.delete(key), InvalidObjectKeyError, key);
      }
      for (const prefix of ['/', '/abs', '../', 'a/../', 'a b']) {
        await assert.rejects(() => collect(store.list(prefix)), InvalidObjectKeyError, prefix);
      }
    });

    test('concurrent puts of different keys all land', async () => {
      const store = await makeStore();
      const bodies = Array.from({ length: 16 }, () => randomBytes(64 * 1024));
      await Promise.all(bodies.map((body, i) => store.put(`originals/cc/${i}`, body)));
      const back = await Promise.all(bodies.map((_, i) => store.get(`originals/cc/${i}`)));
      for (const [i, body] of back.entries()) {
        assert.ok(body.equals(bodies[i] as Buffer), `object ${i}`);
      }
      assert.equal((await collect(store.list('originals/cc/'))).length, 16);
    });

    const atomic = { skip: options.overwritesNotAtomic ?? false };
    test('concurrent puts of one key leave one of them whole', atomic, async () => {
      const store = await makeStore();
      const bodies = Array.from({ length: 8 }, () => randomBytes(256 * 1024));
      await Promise.all(bodies.map((body) => store.put('originals/dd/same', body)));
      const back = await store.get('originals/dd/same');
      assert.ok(bodies.some((body) => body.equals(back)));
    });
  });
}

export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}

/** [key, size] pairs sorted by key: drivers need not list in any order. */
function summary(objects: StoredObject[]): [string, number][] {
  return objects
    .map(({ key, size }): [string, number] => [key, size])
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

function byteValues(): number[] {
  return Array.from({ length: 256 }, (_, i) => i);
}
