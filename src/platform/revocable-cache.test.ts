// The revocable cache's own rules: trusted only while listening, a lookup overtaken by a
// revocation is not kept, entries expire and the least recently used goes first.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRevocableCache } from './revocable-cache.ts';

type Caller = { principalId: string };
const caller = (principalId: string): Caller => ({ principalId });
const createKeyCache = (options: { ttl: number; max: number; now?: () => number }) =>
  createRevocableCache<Caller>(options, (c) => c.principalId);

test('nothing is kept or served while the cache is not trusted', () => {
  const cache = createKeyCache({ ttl: 1000, max: 10 });
  cache.set('h', caller('p'), cache.ticket());
  assert.equal(cache.get('h'), undefined);
  cache.trust(true);
  cache.set('h', caller('p'), cache.ticket());
  assert.equal(cache.get('h')?.principalId, 'p');
  cache.trust(false);
  assert.equal(cache.get('h'), undefined);
  cache.trust(true);
  assert.equal(cache.get('h'), undefined, 'listening again starts empty');
});

test('a lookup that began before a revocation is not kept', () => {
  const cache = createKeyCache({ ttl: 1000, max: 10 });
  cache.trust(true);
  const ticket = cache.ticket();
  cache.drop('someone-else');
  cache.set('h', caller('p'), ticket);
  assert.equal(cache.get('h'), undefined);
});

test("a drop forgets that principal's keys only, or all with '*'", () => {
  const cache = createKeyCache({ ttl: 1000, max: 10 });
  cache.trust(true);
  cache.set('a1', caller('a'), cache.ticket());
  cache.set('a2', caller('a'), cache.ticket());
  cache.set('b1', caller('b'), cache.ticket());
  cache.drop('a');
  assert.deepEqual(
    ['a1', 'a2', 'b1'].map((h) => cache.get(h)?.principalId),
    [undefined, undefined, 'b'],
  );
  cache.drop('*');
  assert.equal(cache.size, 0);
});

test('entries expire after the ttl, and the least recently used goes past the bound', () => {
  let now = 0;
  const cache = createKeyCache({ ttl: 1000, max: 2, now: () => now });
  cache.trust(true);
  cache.set('a', caller('a'), cache.ticket());
  cache.set('b', caller('b'), cache.ticket());
  assert.ok(cache.get('a'));
  cache.set('c', caller('c'), cache.ticket());
  assert.deepEqual(
    ['a', 'b', 'c'].map((h) => cache.get(h)?.principalId),
    ['a', undefined, 'c'],
  );
  now = 1000;
  assert.equal(cache.get('a'), undefined);
  assert.equal(cache.size, 1);
});

test('an entry given an end of its own goes then, if that comes before the ttl', () => {
  let now = 0;
  const cache = createKeyCache({ ttl: 1000, max: 10, now: () => now });
  cache.trust(true);
  cache.set('soon', caller('a'), cache.ticket(), 300);
  cache.set('later', caller('b'), cache.ticket(), 5000);
  now = 300;
  assert.equal(cache.get('soon'), undefined);
  assert.equal(cache.get('later')?.principalId, 'b');
  now = 1000;
  assert.equal(cache.get('later'), undefined, 'the ttl still bounds it');
});
