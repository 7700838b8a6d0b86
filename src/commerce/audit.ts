import type { Db } from '../platform/db/pool.ts';
import { sql } from '../platform/db/sql.ts';
import { type ListQuery, limitOffset, type Page, toPage } from './listing.ts';

export type AuditEntry = {
  audit_id: number;
  changed_at: string;
  actor: string;
  login: string;
  request_id: string | null;
  action: string;
  table_name: string | null;
  row_key: Record<string, unknown> | null;
  old_values: Record<string, unknown> | null;
  new_values: Record<string, unknown> | null;
};

export type AuditFilter = {
  table?: string | undefined;
  actor?: string | undefined;
  action?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
};

/** The audit log as administrators read it (contact details hidden unless they hold that grant). */
export async function listAudit(
  db: Db,
  query: ListQuery<'audit_id'>,
  filter: AuditFilter,
): Promise<Page<AuditEntry>> {
  const result = await db.query<AuditEntry & { total: number }>(
    sql(import.meta.url, 'db/queries/list-audit.sql'),
    [
      filter.table ?? null,
      filter.actor ?? null,
      filter.action ?? null,
      filter.from ?? null,
      filter.to ?? null,
      query.order,
      ...limitOffset(query),
    ],
  );
  return toPage(result.rows);
}
