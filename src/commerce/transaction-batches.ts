// Logistics' work on transactions beyond one status change: amending a transaction's lines, and
// moving many transactions to their next status at once (previewed first, then all or none).
// The database decides who may, and writes each change to the audit log as one batch.
import type { Db } from '../platform/db/pool.ts';
import { sql } from '../platform/db/sql.ts';
import { AppError } from '../platform/errors.ts';
import { getTransaction, type TransactionStatus } from './transactions.ts';
import { parseUploadedCsv } from './uploaded-csv.ts';

export type Line = { item_id: number; quantity: number };

/** Replaces the lines of a pending or paid transaction in one call; the database keeps the totals. */
export async function amendTransaction(db: Db, id: number, lines: Line[]) {
  await db.query('select commerce.amend_transaction($1, $2)', [id, JSON.stringify(lines)]);
  return getTransaction(db, id);
}

export type Move = {
  transaction_id: number;
  from_status: TransactionStatus;
  to_status: TransactionStatus;
};
export type Refusal = { transaction_id: number | null; given: string; problem: string };
export type BulkPreview = { moves: Move[]; refused: Refusal[] };

/** The most transactions one bulk move takes: a day's shipments, and one audit entry stays readable. */
export const bulkLimit = 5000;

/** The transaction numbers of a carrier's CSV: its `transaction_id` (or `id`) column. */
export function idsFromCsv(text: string): string[] {
  const { header, rows } = parseUploadedCsv(text);
  const column = header.find((name) => name === 'transaction_id' || name === 'id');
  if (!column)
    throw new AppError(
      'csv_no_ids',
      400,
      `The file needs a transaction_id column (its header has: ${header.join(', ')}).`,
    );
  return rows.map((row) => row.cells[column] ?? '');
}

/** What moving these transactions would do; changes nothing. */
export async function previewBulkStatus(db: Db, given: string[]): Promise<BulkPreview> {
  if (given.length === 0) throw new AppError('bulk_empty', 400, 'Choose at least one transaction.');
  if (given.length > bulkLimit)
    throw new AppError('bulk_too_many', 400, `At most ${bulkLimit} transactions move at once.`);
  const refused: Refusal[] = [];
  const ids: number[] = [];
  for (const text of given) {
    const id = /^\d{1,18}$/.test(text.trim()) ? Number(text.trim()) : Number.NaN;
    if (Number.isSafeInteger(id) && id > 0) ids.push(id);
    else refused.push({ transaction_id: null, given: text, problem: 'not a transaction number' });
  }
  const result = await db.query<{
    transaction_id: number;
    from_status: TransactionStatus | null;
    to_status: TransactionStatus | null;
    problem: string | null;
  }>(sql(import.meta.url, 'db/queries/preview-bulk-status.sql'), [ids]);
  const moves: Move[] = [];
  for (const row of result.rows) {
    if (row.problem || !row.from_status || !row.to_status)
      refused.push({
        transaction_id: row.transaction_id,
        given: String(row.transaction_id),
        problem: row.problem ?? 'it cannot move',
      });
    else
      moves.push({
        transaction_id: row.transaction_id,
        from_status: row.from_status,
        to_status: row.to_status,
      });
  }
  return { moves, refused };
}

/** Applies a preview's moves in one database transaction: all, or none if any has moved since. */
export async function applyBulkStatus(
  db: Db,
  moves: { transaction_id: number; from_status: TransactionStatus }[],
): Promise<{ batch_id: string; moved: number }> {
  const result = await db.query<{ batch_id: string }>(
    'select commerce.apply_bulk_status($1) as batch_id',
    [JSON.stringify(moves)],
  );
  return { batch_id: String(result.rows[0]?.batch_id), moved: moves.length };
}
