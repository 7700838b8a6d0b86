// Running one statement of a person's workspace, on their own connection: in a READ ONLY
// transaction with the workspace's time limit, always rolled back, so a statement can change
// neither data nor the session (a `set_config(..., false)` is undone with the rest).
import { type Db, databaseError, queryRows, type Rows, streamRows } from '../db/pool.ts';
import { sql } from '../db/sql.ts';
import { AppError } from '../errors.ts';
import { oneStatement } from './statement.ts';
import type { WorkspaceSettings } from './workspaces.ts';

export type Column = { name: string; type: string };
export type Result = {
  columns: Column[];
  rows: unknown[][];
  rowCount: number;
  truncated: boolean;
  ms: number;
};

/** A statement the database refused, with its own words, SQLSTATE and position. */
export class StatementError extends AppError {
  readonly sqlstate: string;
  readonly position: number | null;
  constructor(
    status: number,
    code: string,
    message: string,
    sqlstate: string,
    position: number | null,
  ) {
    super(code, status, message);
    this.sqlstate = sqlstate;
    this.position = position;
  }
}

type Limits = Pick<WorkspaceSettings, 'statementTimeout' | 'rowLimit'>;

export async function runStatement(
  db: Db,
  limits: Limits,
  text: string,
  params: unknown[],
): Promise<Result> {
  const statement = oneStatement(text);
  const started = performance.now();
  return readOnly(db, limits, 0, async () => {
    const result = await queryRows(db, statement, params, limits.rowLimit);
    return {
      columns: await columnsOf(db, result.fields),
      rows: result.rows,
      rowCount: result.rows.length,
      truncated: result.more,
      ms: Math.round(performance.now() - started),
    };
  });
}

/** `EXPLAIN (FORMAT JSON)` of the statement; with `analyze` it runs, in the same read-only limits. */
export async function explainStatement(
  db: Db,
  limits: Limits,
  text: string,
  params: unknown[],
  analyze: boolean,
): Promise<unknown> {
  const prefix = `explain (format json${analyze ? ', analyze, buffers' : ''}) `;
  const statement = oneStatement(text);
  return readOnly(db, limits, prefix.length, async () => {
    const result = await queryRows(db, prefix + statement, params, 1);
    return result.rows[0]?.[0];
  });
}

/** Every row of the statement, a page at a time, with no row cap; resolves to the row count. */
export async function streamStatement(
  db: Db,
  limits: Limits,
  text: string,
  params: unknown[],
  page: (columns: string[] | null, rows: unknown[][]) => Promise<void>,
): Promise<number> {
  const statement = oneStatement(text);
  let first = true;
  return readOnly(db, limits, 0, () =>
    streamRows(db, statement, params, async (fields, rows) => {
      await page(first ? fields.map((f) => f.name) : null, rows);
      first = false;
    }),
  );
}

async function readOnly<T>(
  db: Db,
  limits: Limits,
  offset: number,
  work: () => Promise<T>,
): Promise<T> {
  await db.query('begin transaction read only');
  try {
    await db.query(`select set_config('statement_timeout', $1, true)`, [
      `${limits.statementTimeout}ms`,
    ]);
    return await work();
  } catch (error) {
    throw toStatementError(error, offset, limits.statementTimeout);
  } finally {
    await db.query('rollback').catch(() => {});
  }
}

const typeNames = sql(import.meta.url, 'type-names.sql');

async function columnsOf(db: Db, fields: Rows['fields']): Promise<Column[]> {
  if (fields.length === 0) return [];
  const names = await db.query<{ oid: number; name: string }>(typeNames, [
    fields.map((f) => f.typeId),
  ]);
  const byOid = new Map(names.rows.map((r) => [Number(r.oid), r.name]));
  return fields.map((f) => ({ name: f.name, type: byOid.get(f.typeId) ?? String(f.typeId) }));
}

// Classes of SQLSTATE about the server rather than the statement: their words stay in the log.
const serverClasses = new Set(['08', '53', '55', '57', '58', 'F0', 'XX']);

/** The database's refusal as the person is told it; anything else passes on unchanged. */
export function toStatementError(error: unknown, offset: number, timeout: number): unknown {
  const refused = databaseError(error);
  if (!refused) return error;
  const { sqlstate, message } = refused;
  const position = refused.position === null ? null : Math.max(1, refused.position - offset);
  if (sqlstate === '57014') {
    return new StatementError(
      422,
      'time_limit',
      `The statement reached the time limit of ${timeout / 1000} s and was cancelled.`,
      sqlstate,
      position,
    );
  }
  if (sqlstate === '42501')
    return new StatementError(403, 'forbidden', message, sqlstate, position);
  if (sqlstate === '25006')
    return new StatementError(403, 'read_only', message, sqlstate, position);
  if (serverClasses.has(sqlstate.slice(0, 2))) return error;
  return new StatementError(400, 'statement_failed', message, sqlstate, position);
}
