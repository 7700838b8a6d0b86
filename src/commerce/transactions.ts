import type { Db, QueryResult } from '../platform/db/pool.ts';
import { sql } from '../platform/db/sql.ts';
import { AppError } from '../platform/errors.ts';
import {
  decodeCursor,
  encodeCursor,
  exactCountLimit,
  type KeysetPage,
  type ListQuery,
  limitOffset,
} from './listing.ts';

export const transactionStatuses = [
  'pending',
  'paid',
  'shipped',
  'completed',
  'cancelled',
] as const;
export type TransactionStatus = (typeof transactionStatuses)[number];
export const transactionSorts = [
  'transaction_id',
  'membership_id',
  'total_items_cost',
  'total_items_weight',
  'transaction_status',
] as const;

/** The moves a transaction may make; the database enforces the same table. */
export const nextStatuses: Record<TransactionStatus, TransactionStatus[]> = {
  pending: ['paid', 'cancelled'],
  paid: ['shipped', 'cancelled'],
  shipped: ['completed', 'cancelled'],
  completed: [],
  cancelled: [],
};

export type Transaction = {
  transaction_id: number;
  membership_id: string;
  member_name: string;
  manufacturer_id: number;
  manufacturer_name: string;
  total_items_cost: string;
  total_items_weight: string;
  transaction_status: TransactionStatus;
  created_at: string;
  completed_at: string | null;
  updated_at: string;
};

export type TransactionLine = {
  item_id: number;
  item_name: string;
  quantity: number;
  unit_cost: string;
  unit_weight: string;
  line_cost: string;
  line_weight: string;
  retired: boolean;
};

export type TransactionFilter = {
  status?: TransactionStatus | undefined;
  membership_id?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
};

type TransactionSort = (typeof transactionSorts)[number];

/**
 * A page of transactions, read from an index in the sort's order: after `query.after` (keyset, the
 * cursor the page before gave), else skipping to `query.page`. The total is exact while counting is
 * cheap (up to exactCountLimit rows) and the planner's estimate past that; `counted: false` skips
 * it (CSV exports). One query, one round trip.
 */
export async function listTransactions(
  db: Db,
  query: ListQuery<TransactionSort>,
  filter: TransactionFilter,
  options: { counted?: boolean } = {},
): Promise<KeysetPage<Transaction>> {
  const cursor = query.after ? decodeCursor(query.after, query.sort, query.order) : null;
  const [limit, offset] = cursor ? [query.perPage, 0] : limitOffset(query);
  const numericSort = query.sort === 'total_items_cost' || query.sort === 'total_items_weight';
  const counted = options.counted !== false;
  const result = await db.query<Listed>(sql(import.meta.url, 'db/queries/list-transactions.sql'), [
    filter.status ?? null,
    filter.membership_id ?? null,
    filter.from ?? null,
    filter.to ?? null,
    query.sort,
    query.order,
    limit,
    offset,
    cursor?.key ?? null,
    cursor && numericSort ? String(cursor.value) : null,
    cursor && !numericSort ? String(cursor.value) : null,
    counted,
    exactCountLimit,
  ]);
  const data: Transaction[] = [];
  for (const { total_estimate: _e, total_counted: _c, ...row } of result.rows) {
    if (row.transaction_id !== null) data.push(row as Transaction);
  }
  const last = data.at(-1);
  const next_cursor =
    last && data.length === limit
      ? encodeCursor({
          sort: query.sort,
          order: query.order,
          value: last[query.sort],
          key: last.transaction_id,
        })
      : null;
  return { data, ...totalOf(result.rows[0], counted ? null : data.length), next_cursor };
}

type Listed = Nullable<Transaction> & {
  total_estimate: number | null;
  total_counted: number | null;
};
type Nullable<T> = { [K in keyof T]: T[K] | null };

function totalOf(row: Listed | undefined, uncounted: number | null) {
  if (uncounted !== null) return { total: uncounted, total_is_estimate: false };
  const counted = row?.total_counted ?? null;
  if (counted !== null && counted <= exactCountLimit)
    return { total: counted, total_is_estimate: false };
  const estimate = Math.max(row?.total_estimate ?? 0, counted ?? 0);
  return { total: estimate, total_is_estimate: true };
}

export type TransactionDetail = Transaction & { lines: TransactionLine[] };

export async function getTransaction(db: Db, id: number): Promise<TransactionDetail> {
  return detailOf(await db.query(`select commerce.transaction_detail($1) as detail`, [id]), id);
}

/** The detail a statement built with commerce.transaction_detail, or 404 if the caller sees none. */
function detailOf(result: QueryResult, id?: number): TransactionDetail {
  const detail = result.rows[0]?.detail as TransactionDetail | null | undefined;
  if (!detail)
    throw new AppError('transaction_not_found', 404, `There is no transaction ${id ?? ''}.`);
  return detail;
}

export type NewTransaction = {
  membership_id: string;
  manufacturer_id: number;
  items: { item_id: number; quantity: number }[];
};

/** Records it through the procedure, which computes the prices and totals; read back in the same statement. */
export async function recordTransaction(db: Db, input: NewTransaction): Promise<TransactionDetail> {
  const result = await db.query(
    'select commerce.transaction_detail(commerce.record_transaction($1, $2, $3)) as detail',
    [input.membership_id, input.manufacturer_id, JSON.stringify(input.items)],
  );
  return detailOf(result);
}

export async function setTransactionStatus(
  db: Db,
  id: number,
  status: TransactionStatus,
): Promise<TransactionDetail> {
  // The status moves in the subquery, which runs before the detail is read (offset 0 keeps it apart).
  const result = await db.query(
    `select commerce.transaction_detail($1) as detail
     from (select commerce.set_transaction_status($1, $2) offset 0) moved`,
    [id, status],
  );
  return detailOf(result, id);
}
