// A 64-bit perceptual hash (pHash): pictures that look alike have hashes a few bits apart, whatever
// their format, size or compression. The hash of pHash.org's ph_dct_imagehash: a 2D DCT-II of a
// 32×32 greyscale image, the 8×8 lowest frequencies after the DC row and column (rows and columns
// 1..8), and one bit per coefficient: set when it is above their median.

const size = 32;
const kept = 8;

// cosine[u][x] = α(u) · cos((2x + 1)uπ / 2N): the orthonormal DCT-II basis, for u = 0..kept.
const cosine: Float64Array[] = Array.from({ length: kept + 1 }, (_, u) => {
  const alpha = u === 0 ? Math.sqrt(1 / size) : Math.sqrt(2 / size);
  return Float64Array.from(
    { length: size },
    (_, x) => alpha * Math.cos(((2 * x + 1) * u * Math.PI) / (2 * size)),
  );
});

/** The pHash of a 32×32 greyscale image (1024 bytes, row by row), as 16 hex digits. */
export function perceptualHash(grey: Uint8Array): string {
  if (grey.length !== size * size) {
    throw new RangeError(`perceptualHash needs ${size * size} grey pixels, not ${grey.length}`);
  }
  // Separable DCT, computing only the frequencies kept: first along rows, then down columns.
  const rows = new Float64Array(size * (kept + 1));
  for (let y = 0; y < size; y++) {
    for (let u = 1; u <= kept; u++) {
      const basis = cosine[u] as Float64Array;
      let sum = 0;
      for (let x = 0; x < size; x++) sum += (grey[y * size + x] as number) * (basis[x] as number);
      rows[y * (kept + 1) + u] = sum;
    }
  }
  const coefficients: number[] = [];
  for (let v = 1; v <= kept; v++) {
    const basis = cosine[v] as Float64Array;
    for (let u = 1; u <= kept; u++) {
      let sum = 0;
      for (let y = 0; y < size; y++)
        sum += (rows[y * (kept + 1) + u] as number) * (basis[y] as number);
      // A flat image's coefficients are zero but for rounding: keep them zero, not noise.
      coefficients.push(Math.abs(sum) < 1e-9 ? 0 : sum);
    }
  }
  const sorted = [...coefficients].sort((a, b) => a - b);
  const median = ((sorted[31] as number) + (sorted[32] as number)) / 2;
  let hash = 0n;
  for (const coefficient of coefficients) hash = (hash << 1n) | (coefficient > median ? 1n : 0n);
  return hash.toString(16).padStart(16, '0');
}

/** How many of the 64 bits two hashes differ in: ≤ 6 or so is the same picture. */
export function hammingDistance(a: string, b: string): number {
  let diff = BigInt(`0x${a}`) ^ BigInt(`0x${b}`);
  let count = 0;
  while (diff > 0n) {
    count += Number(diff & 1n);
    diff >>= 1n;
  }
  return count;
}
