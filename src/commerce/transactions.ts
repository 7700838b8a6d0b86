import type { Db } from '../platform/db/pool.ts';
import { sql } from '../platform/db/sql.ts';
import { AppError } from '../platform/errors.ts';
import { type ListQuery, limitOffset, type Page, toPage } from './listing.ts';

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

export async function listTransactions(
  db: Db,
  query: ListQuery<(typeof transactionSorts)[number]>,
  filter: TransactionFilter,
): Promise<Page<Transaction>> {
  const result = await db.query<Transaction & { total: number }>(
    sql(import.meta.url, 'db/queries/list-transactions.sql'),
    [
      filter.status ?? null,
      filter.membership_id ?? null,
      filter.from ?? null,
      filter.to ?? null,
      query.sort,
      query.order,
      ...limitOffset(query),
    ],
  );
  return toPage(result.rows);
}

export async function getTransaction(
  db: Db,
  id: number,
): Promise<Transaction & { lines: TransactionLine[] }> {
  const found = await db.query<Transaction & { total: number }>(
    sql(import.meta.url, 'db/queries/get-transaction.sql'),
    [id],
  );
  const transaction = toPage(found.rows).data[0];
  if (!transaction)
    throw new AppError('transaction_not_found', 404, `There is no transaction ${id}.`);
  const lines = await db.query<TransactionLine>(
    sql(import.meta.url, 'db/queries/list-transaction-lines.sql'),
    [id],
  );
  return { ...transaction, lines: lines.rows };
}

export type NewTransaction = {
  membership_id: string;
  manufacturer_id: number;
  items: { item_id: number; quantity: number }[];
};

/** Records it through the procedure, which computes the prices and totals. */
export async function recordTransaction(db: Db, input: NewTransaction) {
  const result = await db.query<{ id: number }>(
    'select commerce.record_transaction($1, $2, $3) as id',
    [input.membership_id, input.manufacturer_id, JSON.stringify(input.items)],
  );
  return getTransaction(db, Number(result.rows[0]?.id));
}

export async function setTransactionStatus(db: Db, id: number, status: TransactionStatus) {
  await db.query('select commerce.set_transaction_status($1, $2)', [id, status]);
  return getTransaction(db, id);
}
