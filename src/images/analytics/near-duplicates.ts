// Groups of near-duplicate images: those whose 64-bit perceptual hashes differ in at most `distance`
// bits. Comparing every pair is quadratic, so this uses multi-index hashing: the hash is cut into
// four 16-bit bands, and two hashes within `distance` bits must have some band within
// floor(distance / 4) bits of each other (else each band differs in more, and the four together
// in more than `distance`). Only images found that way are compared. No library does this for us.
// Identical hashes are merged first (in one pass), so the search runs over distinct hashes only:
// twenty thousand copies of one picture are one hash, not 200 million pairs.
// Hashes are kept as two 32-bit halves: plain numbers are many times faster than BigInt here.
// Pure and synchronous: the image API runs it in a worker thread (near-duplicates-jobs.ts).

/**
 * A group: the positions of its first members in the list of hashes (at most the cap asked for, in
 * list order), how many members it has in all, and its widest link in bits.
 */
export type Group = { members: number[]; size: number; maxDistance: number };
export type GroupOptions = {
  /** How many groups to keep, the largest; all by default. */
  groups?: number | undefined;
  /** How many members to list in each group; all by default. */
  membersPerGroup?: number | undefined;
};

const bands = 4;

/** The most bits two hashes may differ in to count as near-duplicates (the search stays fast). */
export const maxDistance = 10;

/** Bits set in a 32-bit number. */
function popcount(x: number): number {
  let v = x - ((x >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) & 0xff;
}

/** The number of bits two hashes (16 hex digits each) differ in. */
export function hammingDistance(a: string, b: string): number {
  return distanceOf(halves(a), halves(b));
}

function halves(hex: string): [number, number] {
  return [Number.parseInt(hex.slice(0, 8), 16), Number.parseInt(hex.slice(8, 16), 16)];
}

function distanceOf(a: [number, number], b: [number, number]): number {
  return popcount((a[0] ^ b[0]) >>> 0) + popcount((a[1] ^ b[1]) >>> 0);
}

/** Groups (two or more images each), largest first, of images linked by chains of near pairs. */
export function nearDuplicateGroups(
  hashes: readonly string[],
  distance: number,
  options: GroupOptions = {},
): Group[] {
  if (!Number.isInteger(distance) || distance < 0 || distance > maxDistance)
    throw new RangeError(`distance must be a whole number from 0 to ${maxDistance}`);
  const positionsOf = new Map<string, number[]>();
  hashes.forEach((hash, at) => {
    const positions = positionsOf.get(hash);
    if (positions) positions.push(at);
    else positionsOf.set(hash, [at]);
  });
  const distinct = [...positionsOf.values()];
  const sizeOf = (indexes: number[]) =>
    indexes.reduce((sum, i) => sum + (distinct[i] as number[]).length, 0);
  const cap = options.membersPerGroup ?? hashes.length;
  return linkedSets([...positionsOf.keys()], distance)
    .map((set) => ({ ...set, size: sizeOf(set.indexes) }))
    .filter((set) => set.size > 1)
    .sort((a, b) => b.size - a.size || a.widest - b.widest)
    .slice(0, options.groups)
    .map(({ indexes, widest, size }) => ({
      members: firstPositions(
        indexes.map((i) => distinct[i] as number[]),
        cap,
      ),
      size,
      maxDistance: widest,
    }));
}

/** The first `count` positions of ascending lists, merged. */
function firstPositions(lists: number[][], count: number): number[] {
  if (lists.length === 1) return (lists[0] as number[]).slice(0, count);
  return [...Int32Array.from(lists.flat()).sort().subarray(0, count)];
}

/** The sets of distinct hashes linked by chains of pairs within `distance` bits, singles included. */
function linkedSets(hashes: string[], distance: number) {
  const n = hashes.length;
  // Flat typed arrays: the halves of each hash, and its four bands.
  const high = new Uint32Array(n);
  const low = new Uint32Array(n);
  hashes.forEach((hash, i) => {
    [high[i], low[i]] = halves(hash);
  });
  const band = (i: number, b: number) =>
    b < 2
      ? ((high[i] as number) >>> (b === 0 ? 16 : 0)) & 0xffff
      : ((low[i] as number) >>> (b === 2 ? 16 : 0)) & 0xffff;
  const index = Array.from({ length: bands }, (_, b) => bandIndex(n, (i) => band(i, b)));
  const variants = flipsUpTo(Math.floor(distance / bands));
  const groups = disjointSets(n);
  const lastSeenBy = new Int32Array(n).fill(-1);
  for (let i = 0; i < n; i++) {
    for (let b = 0; b < bands; b++) {
      const { starts, members } = index[b] as BandIndex;
      const value = band(i, b);
      for (const flip of variants) {
        const key = value ^ flip;
        for (let k = starts[key] as number; k < (starts[key + 1] as number); k++) {
          const j = members[k] as number;
          if (j <= i || lastSeenBy[j] === i) continue;
          lastSeenBy[j] = i;
          const d =
            popcount(((high[i] as number) ^ (high[j] as number)) >>> 0) +
            popcount(((low[i] as number) ^ (low[j] as number)) >>> 0);
          if (d <= distance) groups.join(i, j, d);
        }
      }
    }
  }
  return groups.members();
}

type BandIndex = { starts: Int32Array; members: Int32Array };

/** For each 16-bit value, the items whose band has it: members[starts[v]] to members[starts[v + 1] - 1]. */
function bandIndex(n: number, bandOf: (i: number) => number): BandIndex {
  const starts = new Int32Array(65537);
  for (let i = 0; i < n; i++) starts[bandOf(i) + 1] = (starts[bandOf(i) + 1] as number) + 1;
  for (let v = 0; v < 65536; v++) starts[v + 1] = (starts[v + 1] as number) + (starts[v] as number);
  const filled = starts.slice(0, 65536);
  const members = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const v = bandOf(i);
    members[filled[v] as number] = i;
    filled[v] = (filled[v] as number) + 1;
  }
  return { starts, members };
}

/** Union-find over 0…n-1, remembering the widest link in each set. */
function disjointSets(n: number) {
  const parent = Array.from({ length: n }, (_, i) => i);
  const widest = new Map<number, number>();
  const find = (i: number): number => {
    let root = i;
    while (parent[root] !== root) root = parent[root] as number;
    while (parent[i] !== root) {
      const up = parent[i] as number;
      parent[i] = root;
      i = up;
    }
    return root;
  };
  return {
    join(a: number, b: number, d: number) {
      const [ra, rb] = [find(a), find(b)];
      const wide = Math.max(widest.get(ra) ?? 0, widest.get(rb) ?? 0, d);
      parent[ra] = rb;
      widest.set(rb, wide);
    },
    /** Every set, with its members in index order. */
    members() {
      const sets = new Map<number, number[]>();
      for (let i = 0; i < n; i++) {
        const root = find(i);
        const list = sets.get(root);
        if (list) list.push(i);
        else sets.set(root, [i]);
      }
      return [...sets.entries()].map(([root, indexes]) => ({
        indexes,
        widest: widest.get(root) ?? 0,
      }));
    },
  };
}

/** Every 16-bit mask with at most `bits` bits set (0 included). */
function flipsUpTo(bits: number): number[] {
  const masks = [0];
  let frontier = [0];
  for (let round = 0; round < bits; round++) {
    const next = new Set<number>();
    for (const mask of frontier)
      for (let bit = 0; bit < 16; bit++) if (!(mask & (1 << bit))) next.add(mask | (1 << bit));
    frontier = [...next];
    masks.push(...frontier);
  }
  return masks;
}
