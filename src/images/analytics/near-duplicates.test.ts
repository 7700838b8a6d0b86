import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  type GroupOptions,
  hammingDistance,
  maxDistance,
  nearDuplicateGroups,
} from './near-duplicates.ts';

type Hashed = { id: string; hash: string };

/** The groups of some images, by id. */
function groupsOf(items: Hashed[], distance: number, options?: GroupOptions) {
  return nearDuplicateGroups(
    items.map((item) => item.hash),
    distance,
    options,
  ).map((group) => ({ ...group, ids: group.members.map((at) => (items[at] as Hashed).id) }));
}

// A small deterministic generator, so a failure can be replayed.
function random64(seed: { s: bigint }): bigint {
  seed.s = (seed.s * 6364136223846793005n + 1442695040888963407n) & ((1n << 64n) - 1n);
  return seed.s;
}

const hex = (n: bigint) => n.toString(16).padStart(16, '0');

function flipBits(hash: bigint, bits: number, seed: { s: bigint }): bigint {
  const positions = new Set<number>();
  while (positions.size < bits) positions.add(Number(random64(seed) % 64n));
  return [...positions].reduce((h, p) => h ^ (1n << BigInt(p)), hash);
}

/** Bits set, counted the slow, obvious way. */
function bitsApart(a: string, b: string): number {
  return [...(BigInt(`0x${a}`) ^ BigInt(`0x${b}`)).toString(2)].filter((c) => c === '1').length;
}

/** Every pair compared: the answer the index must give. */
function bruteForce(items: Hashed[], distance: number): string[][] {
  const parent = new Map(items.map((i) => [i.id, i.id]));
  const find = (id: string): string =>
    parent.get(id) === id ? id : find(parent.get(id) as string);
  for (const [i, a] of items.entries())
    for (const b of items.slice(i + 1))
      if (bitsApart(a.hash, b.hash) <= distance) parent.set(find(a.id), find(b.id));
  const groups = new Map<string, string[]>();
  for (const item of items)
    groups.set(find(item.id), [...(groups.get(find(item.id)) ?? []), item.id]);
  return [...groups.values()].filter((g) => g.length > 1);
}

const canonical = (groups: string[][]) => groups.map((g) => [...g].sort().join()).sort();

test('finds exactly the groups comparing every pair finds, at every distance', () => {
  const seed = { s: 42n };
  const items: Hashed[] = [];
  for (let i = 0; i < 250; i++) items.push({ id: `r${i}`, hash: hex(random64(seed)) });
  // Planted near-duplicates at every distance up to the largest allowed.
  // Each with an exact copy or two, merged before the search.
  for (let d = 0; d <= maxDistance; d++) {
    const base = random64(seed);
    items.push(
      { id: `p${d}a`, hash: hex(base) },
      { id: `p${d}b`, hash: hex(flipBits(base, d, seed)) },
    );
    for (let copy = 0; copy < d % 3; copy++) items.push({ id: `p${d}c${copy}`, hash: hex(base) });
  }
  for (let distance = 0; distance <= maxDistance; distance++) {
    const found = groupsOf(items, distance);
    assert.deepEqual(
      canonical(found.map((g) => g.ids)),
      canonical(bruteForce(items, distance)),
      `distance ${distance}`,
    );
    for (const group of found) {
      assert.ok(group.maxDistance <= distance);
      assert.equal(group.size, group.ids.length);
    }
  }
});

test('chains join into one group, largest first', () => {
  const a = hex(0n);
  const b = hex(0b111n); // 3 bits from a
  const c = hex(0b111111n); // 3 bits from b, 6 from a
  const groups = groupsOf(
    [
      { id: 'a', hash: a },
      { id: 'b', hash: b },
      { id: 'c', hash: c },
      { id: 'x', hash: hex(0xff00n << 40n) },
      { id: 'y', hash: hex((0xff00n << 40n) | 1n) },
    ],
    3,
  );
  assert.deepEqual(
    groups.map((g) => g.ids.sort()),
    [
      ['a', 'b', 'c'],
      ['x', 'y'],
    ],
  );
  assert.equal(groups[0]?.maxDistance, 3);
  assert.throws(() => nearDuplicateGroups([], maxDistance + 1), RangeError);
});

test('twenty thousand identical hashes are one group, found in one pass', () => {
  const hashes = Array.from({ length: 20_000 }, () => 'a5a5a5a5a5a5a5a5');
  hashes.push('a5a5a5a5a5a5a5a4', '0123456789abcdef');
  const started = performance.now();
  const groups = nearDuplicateGroups(hashes, 1, { membersPerGroup: 20 });
  // Comparing every pair takes seconds; merging identical hashes first takes milliseconds.
  assert.ok(performance.now() - started < 500, `${performance.now() - started} ms`);
  assert.deepEqual(groups, [
    { members: Array.from({ length: 20 }, (_, i) => i), size: 20_001, maxDistance: 1 },
  ]);
});

test('a group lists its first members only, and the largest groups come first', () => {
  const hashes = ['ffff000000000000', '0000000000000000', '0000000000000001', 'ffff000000000000'];
  hashes.push('0000000000000000', 'ffff000000000001', '0000000000000000');
  const groups = nearDuplicateGroups(hashes, 1, { membersPerGroup: 2 });
  assert.deepEqual(groups, [
    { members: [1, 2], size: 4, maxDistance: 1 },
    { members: [0, 3], size: 3, maxDistance: 1 },
  ]);
  assert.deepEqual(nearDuplicateGroups(hashes, 0, { groups: 1 }), [
    { members: [1, 4, 6], size: 3, maxDistance: 0 },
  ]);
});

test('the distance counts every differing bit, the top ones too', () => {
  const seed = { s: 7n };
  for (let i = 0; i < 200; i++) {
    const [a, b] = [hex(random64(seed)), hex(random64(seed))];
    assert.equal(hammingDistance(a, b), bitsApart(a, b));
  }
  assert.equal(hammingDistance('ffffffffffffffff', '0000000000000000'), 64);
});
