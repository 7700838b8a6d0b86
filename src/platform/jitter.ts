/**
 * `ms` give or take `spread` (a fraction: 0.2 is ±20%), drawn afresh each call: instances started
 * together that wait this long between runs of the same background work drift apart.
 */
export function jittered(ms: number, spread = 0.2, random: () => number = Math.random): number {
  return Math.round(ms * (1 - spread + 2 * spread * random()));
}
