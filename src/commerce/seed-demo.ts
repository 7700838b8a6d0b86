import type { Db } from '../platform/db/pool.ts';

export type SeedReport = { transactions: number; lines: number; milliseconds: number };

export async function seedDemo(
  _db: Db,
  _count: number,
  _progress: (done: number) => void,
): Promise<SeedReport> {
  throw new Error('not yet');
}
