import type { Db } from '../platform/db/pool.ts';
import { sql } from '../platform/db/sql.ts';
import { AppError } from '../platform/errors.ts';
import { type ListQuery, limitOffset, type Page, toPage } from './listing.ts';

export const itemSorts = [
  'item_id',
  'item_name',
  'item_cost',
  'item_weight',
  'updated_at',
] as const;
export const itemStatuses = ['active', 'retired', 'all'] as const;

export type Item = {
  item_id: number;
  item_name: string;
  item_cost: string;
  item_weight: string;
  deleted_at: string | null;
  created_at: string;
  /** Also the version: send it back with an edit, and a change made meanwhile is refused. */
  updated_at: string;
};

export type ItemFields = { item_name: string; item_cost: string; item_weight: string };

export async function listItems(
  db: Db,
  query: ListQuery<(typeof itemSorts)[number]>,
  status: (typeof itemStatuses)[number],
): Promise<Page<Item>> {
  const result = await db.query<Item & { total: number }>(
    sql(import.meta.url, 'db/queries/list-items.sql'),
    [query.q ?? null, query.sort, query.order, ...limitOffset(query), status],
  );
  return toPage(result.rows);
}

export async function getItem(db: Db, id: number): Promise<Item> {
  const result = await db.query<Item & { total: number }>(
    sql(import.meta.url, 'db/queries/get-item.sql'),
    [id],
  );
  const item = toPage(result.rows).data[0];
  if (!item) throw new AppError('item_not_found', 404, `There is no item ${id}.`);
  return item;
}

export async function addItem(db: Db, fields: ItemFields): Promise<Item> {
  const result = await db.query<{ id: number }>('select commerce.add_item($1, $2, $3) as id', [
    fields.item_name,
    fields.item_cost,
    fields.item_weight,
  ]);
  return getItem(db, Number(result.rows[0]?.id));
}

export async function updateItem(
  db: Db,
  id: number,
  fields: ItemFields,
  expectedUpdatedAt?: string,
): Promise<Item> {
  await db.query('select commerce.update_item($1, $2, $3, $4, $5)', [
    id,
    fields.item_name,
    fields.item_cost,
    fields.item_weight,
    expectedUpdatedAt ?? null,
  ]);
  return getItem(db, id);
}

export async function retireItem(db: Db, id: number): Promise<Item> {
  await db.query('select commerce.retire_item($1)', [id]);
  return getItem(db, id);
}

export async function restoreItem(db: Db, id: number): Promise<Item> {
  await db.query('select commerce.restore_item($1)', [id]);
  return getItem(db, id);
}
