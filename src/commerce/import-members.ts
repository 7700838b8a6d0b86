import type { Db } from '../platform/db/pool.ts';

export type ImportReport = {
  rows: number;
  inserted: number;
  unchanged: number;
  rejected: { line: number; reason: string }[];
};

export async function importMembers(
  _db: Db,
  _file: string,
  _progress: (rows: number) => void,
): Promise<ImportReport> {
  throw new Error('not yet');
}
