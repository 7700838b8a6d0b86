// Groups of near-duplicate images: those whose 64-bit perceptual hashes differ in at most `distance`
// bits. Comparing every pair is quadratic, so this uses multi-index hashing: the hash is cut into
// four 16-bit bands, and two hashes within `distance` bits must have some band within
// floor(distance / 4) bits of each other (else each band differs in more, and the four together
// in more than `distance`). Only images found that way are compared. No library does this for us.
// Hashes are kept as two 32-bit halves: plain numbers are many times faster than BigInt here.

export type Hashed = { id: string; hash: string };
export type Group = { ids: string[]; maxDistance: number };

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
export function nearDuplicateGroups(items: Hashed[], distance: number): Group[] {
  if (!Number.isInteger(distance) || distance < 0 || distance > maxDistance)
    throw new RangeError(`distance must be a whole number from 0 to ${maxDistance}`);
  const n = items.length;
  // Flat typed arrays: the halves of each hash, and its four bands.
  const high = new Uint32Array(n);
  const low = new Uint32Array(n);
  items.forEach((item, i) => {
    [high[i], low[i]] = halves(item.hash);
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
  return groups
    .members()
    .map(({ indexes, widest }) => ({
      ids: indexes.map((i) => (items[i] as Hashed).id),
      maxDistance: widest,
    }))
    .sort((a, b) => b.ids.length - a.ids.length || a.maxDistance - b.maxDistance);
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
    /** The sets of two or more. */
    members() {
      const sets = new Map<number, number[]>();
      for (let i = 0; i < n; i++) {
        const root = find(i);
        const list = sets.get(root);
        if (list) list.push(i);
        else sets.set(root, [i]);
      }
      return [...sets.entries()]
        .filter(([, indexes]) => indexes.length > 1)
        .map(([root, indexes]) => ({ indexes, widest: widest.get(root) ?? 0 }));
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
