// What the person may use, for the workspace's autocompletion: read from the catalog on their own
// connection, filtered by their privileges (has_*_privilege), so it lists exactly their rights.
import type { Db } from '../db/pool.ts';
import { sql } from '../db/sql.ts';

export type CatalogSchema = {
  name: string;
  tables: { name: string; kind: 'table' | 'view'; columns: { name: string; type: string }[] }[];
  procedures: { name: string; kind: 'function' | 'procedure'; arguments: string }[];
};

const catalog = sql(import.meta.url, 'catalog.sql');

export async function catalogFor(db: Db): Promise<CatalogSchema[]> {
  return (await db.query<CatalogSchema>(catalog)).rows;
}
