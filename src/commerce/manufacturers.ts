import type { Db } from '../platform/db/pool.ts';
import { sql } from '../platform/db/sql.ts';
import { type ListQuery, limitOffset, type Page, toPage } from './listing.ts';

export const manufacturerSorts = ['manufacturer_id', 'manufacturer_name'] as const;

export type Manufacturer = {
  manufacturer_id: number;
  manufacturer_name: string;
  created_at: string;
};

export async function listManufacturers(
  db: Db,
  query: ListQuery<(typeof manufacturerSorts)[number]>,
): Promise<Page<Manufacturer>> {
  const result = await db.query<Manufacturer & { total: number }>(
    sql(import.meta.url, 'db/queries/list-manufacturers.sql'),
    [query.q ?? null, query.sort, query.order, ...limitOffset(query)],
  );
  return toPage(result.rows);
}
