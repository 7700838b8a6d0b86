// One record's audit entries, for whoever the database lets read them (those who read the record).
import type { Db } from '../platform/db/pool.ts';
import { sql } from '../platform/db/sql.ts';

export type HistoryEntry = {
  audit_id: number;
  changed_at: string;
  actor: string;
  action: string;
  table_name: string | null;
  row_key: Record<string, unknown> | null;
  old_values: Record<string, unknown> | null;
  new_values: Record<string, unknown> | null;
  batch_id: string | null;
};

export const historyTables = ['transactions', 'items'] as const;

export async function recordHistory(
  db: Db,
  table: (typeof historyTables)[number],
  id: number,
): Promise<HistoryEntry[]> {
  const result = await db.query<HistoryEntry>(
    sql(import.meta.url, 'db/queries/record-history.sql'),
    [table, id],
  );
  return result.rows;
}
