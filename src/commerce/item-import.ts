// Sales' item import: a supplier's CSV (name, manufacturer, cost, weight), previewed row by row,
// then imported whole or not at all through the database's procedures. And many items retired or
// restored at once.
import type { Db } from '../platform/db/pool.ts';
import { sql } from '../platform/db/sql.ts';
import { AppError } from '../platform/errors.ts';
import { parseUploadedCsv } from './uploaded-csv.ts';

export const importColumns = ['name', 'manufacturer', 'cost', 'weight'] as const;
/** A supplier's list, not a catalogue migration: larger loads go through `tessera db`. */
export const importLimit = 2000;

export type ImportRow = Record<(typeof importColumns)[number], string> & { line: number };
export type ImportVerdict =
  | 'valid'
  | 'duplicate'
  | 'unknown manufacturer'
  | 'bad number'
  | 'missing name';
export type ImportReport = {
  line: number;
  name: string;
  manufacturer: string;
  cost: string;
  weight: string;
  verdict: ImportVerdict;
  detail: string | null;
};

/** The rows of an item CSV, each with its line in the file. */
export function importRowsFromCsv(text: string): ImportRow[] {
  const { header, rows } = parseUploadedCsv(text);
  const missing = importColumns.filter((column) => !header.includes(column));
  if (missing.length > 0)
    throw new AppError(
      'csv_columns',
      400,
      `The file's header lacks ${missing.join(', ')} (it needs name, manufacturer, cost, weight; it has: ${header.join(', ')}).`,
    );
  if (rows.length === 0) throw new AppError('csv_empty', 400, 'The file has no items.');
  if (rows.length > importLimit)
    throw new AppError(
      'import_too_many',
      400,
      `At most ${importLimit} items are imported at once.`,
    );
  return rows.map(({ line, cells }) => ({
    line,
    name: cells.name ?? '',
    manufacturer: cells.manufacturer ?? '',
    cost: cells.cost ?? '',
    weight: cells.weight ?? '',
  }));
}

const cellsOf = (rows: ImportRow[]) =>
  JSON.stringify(
    rows.map(({ name, manufacturer, cost, weight }) => ({ name, manufacturer, cost, weight })),
  );

/** Each row's verdict, as the database sees it now; changes nothing. */
export async function previewItemImport(db: Db, rows: ImportRow[]): Promise<ImportReport[]> {
  const result = await db.query<{
    row_number: number;
    verdict: ImportVerdict;
    detail: string | null;
  }>(sql(import.meta.url, 'db/queries/preview-item-import.sql'), [cellsOf(rows)]);
  return result.rows.map((report) => {
    const row = rows[report.row_number - 1] as ImportRow;
    // The database numbers rows from 1; people read the file's own line numbers.
    const detail =
      report.detail?.replace(/^row (\d+) /, (_, n) => `line ${rows[Number(n) - 1]?.line} `) ?? null;
    return { ...row, verdict: report.verdict, detail };
  });
}

/** Imports every row, or none if one is not valid (the procedure says which, by file row). */
export async function importItems(db: Db, rows: ImportRow[]): Promise<number[]> {
  const result = await db.query<{ ids: number[] }>('select commerce.import_items($1) as ids', [
    cellsOf(rows),
  ]);
  return (result.rows[0]?.ids ?? []).map(Number);
}

export async function retireItems(db: Db, ids: number[]): Promise<void> {
  await db.query('select commerce.retire_items($1::bigint[])', [ids]);
}

export async function restoreItems(db: Db, ids: number[]): Promise<void> {
  await db.query('select commerce.restore_items($1::bigint[])', [ids]);
}
