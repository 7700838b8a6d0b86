// The query log: every statement run in a workspace, with the person who ran it. Written with the
// portal's own connection (the person may not write it); people read their own history through
// the portal, administrators read all of it (a grant of their team role).
import type { Db } from '../../platform/db/pool.ts';
import { databaseError } from '../../platform/db/pool.ts';
import { sql } from '../../platform/db/sql.ts';

const q = (name: string) => sql(import.meta.url, `../db/queries/${name}.sql`);

export type Kind = 'run' | 'explain' | 'csv';
export type Who = { login: string; team: string };

export type HistoryEntry = {
  id: number;
  kind: Kind;
  statement: string;
  started_at: string;
  ms: number;
  row_count: number | null;
  sqlstate: string | null;
  error: string | null;
};

/** Runs `work` and records it, whether it succeeds or fails; `rows` counts a success's rows. */
export async function logged<T>(
  db: Db,
  who: Who,
  kind: Kind,
  statement: string,
  work: () => Promise<T>,
  rows: (result: T) => number | null,
): Promise<T> {
  const startedAt = new Date();
  const started = performance.now();
  const record = (rowCount: number | null, sqlstate: string | null, error: string | null) =>
    db.query(q('query-log-record'), [
      who.login,
      who.team,
      kind,
      statement,
      startedAt.toISOString(),
      Math.round(performance.now() - started),
      rowCount,
      sqlstate,
      error,
    ]);
  try {
    const result = await work();
    await record(rows(result), null, null);
    return result;
  } catch (error) {
    const refused = databaseError(error) ?? describe(error);
    await record(null, refused.sqlstate, refused.message);
    throw error;
  }
}

function describe(error: unknown): { sqlstate: string | null; message: string } {
  const { sqlstate } = error as { sqlstate?: string };
  return { sqlstate: sqlstate ?? null, message: (error as Error).message ?? String(error) };
}

export async function history(db: Db, login: string): Promise<HistoryEntry[]> {
  return (await db.query<HistoryEntry>(q('query-log-history'), [login])).rows;
}

export type LogEntry = HistoryEntry & { login: string; team: string };

/** The whole log, for administrators: run as the administrator, whose grant lets them read it. */
export async function queryLog(
  db: Db,
  page: number,
  perPage: number,
): Promise<{ data: LogEntry[]; total: number }> {
  const result = await db.query<LogEntry & { total: number }>(q('query-log-list'), [
    perPage,
    (page - 1) * perPage,
  ]);
  return {
    data: result.rows.map(({ total: _, ...entry }) => entry),
    total: Number(result.rows[0]?.total ?? 0),
  };
}
