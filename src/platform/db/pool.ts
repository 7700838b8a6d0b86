// The only module that imports `pg`: everything else sees the small types below.
import pg from 'pg';

// Values come back exact and ready for JSON: NUMERIC as decimal strings (never floats), BIGINT as
// numbers (ids and counts stay far below 2^53; a larger one stays a string), DATE as 'YYYY-MM-DD',
// and TIMESTAMPTZ as ISO 8601 text with its microseconds (a JS Date would drop them, and
// optimistic locking compares them exactly). Sessions run in UTC.
pg.types.setTypeParser(pg.types.builtins.DATE, (value) => value);
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => {
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : value;
});
pg.types.setTypeParser(pg.types.builtins.TIMESTAMPTZ, (value) =>
  value.replace(' ', 'T').replace(/([+-]\d\d)$/, '$1:00'),
);
const utc = '-c TimeZone=UTC';

export type Row = Record<string, unknown>;
export type QueryResult<R extends Row = Row> = { rows: R[]; rowCount: number | null };

/** Anything that runs a parameterised query: a pool, a pooled client or a single connection. */
export type Db = {
  query<R extends Row = Row>(text: string, values?: unknown[]): Promise<QueryResult<R>>;
};

export type Pool = Db & { end(): Promise<void> };
export type Connection = Db & { end(): Promise<void> };

export function createPool(
  url: string,
  options: { max?: number; applicationName?: string } = {},
): Pool {
  const pool = new pg.Pool({
    connectionString: url,
    options: utc,
    max: options.max ?? 10,
    application_name: options.applicationName ?? 'tessera',
  });
  // An idle client that loses its server must not crash the process; the next query reports it.
  pool.on('error', () => {});
  return pool as unknown as Pool;
}

export async function connect(url: string, applicationName = 'tessera'): Promise<Connection> {
  const client = new pg.Client({
    connectionString: url,
    application_name: applicationName,
    options: utc,
  });
  await client.connect();
  client.on('error', () => {});
  return client as unknown as Connection;
}

/**
 * A connection of its own that LISTENs on `channel`: each payload goes to `notify`, and `lost` is
 * called once when the connection fails or ends (after which nothing more is heard).
 */
export async function listenOn(
  url: string,
  channel: string,
  handlers: { notify(payload: string): void; lost(error: Error): void },
  applicationName = 'tessera',
): Promise<Connection> {
  // Keep-alive probes notice a peer that vanished without closing the connection.
  const client = new pg.Client({
    connectionString: url,
    application_name: applicationName,
    options: utc,
    keepAlive: true,
  });
  let lost = false;
  const lose = (error: Error) => {
    if (lost) return;
    lost = true;
    handlers.lost(error);
  };
  client.on('error', lose);
  client.on('end', () => lose(new Error('the connection ended')));
  client.on('notification', (message) => {
    if (message.channel === channel) handlers.notify(message.payload ?? '');
  });
  try {
    await client.connect();
    await client.query(`listen ${pg.escapeIdentifier(channel)}`);
  } catch (error) {
    // Reported by the rejection alone, not by `lost` as well.
    lost = true;
    await client.end().catch(() => {});
    throw error;
  }
  return client as unknown as Connection;
}

/** Runs `work` in one transaction on one connection of the pool; rolls back if it throws. */
export async function withTransaction<T>(pool: Pool, work: (tx: Db) => Promise<T>): Promise<T> {
  const client = await (pool as unknown as pg.Pool).connect();
  try {
    await client.query('begin');
    const result = await work(client as unknown as Db);
    await client.query('commit');
    return result;
  } catch (error) {
    await client.query('rollback').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

/**
 * Runs `work` on one connection of the pool, held for the whole call, for session state such as
 * an advisory lock. A connection whose work threw is closed rather than returned: it may still
 * hold that state, and a closed session holds nothing.
 */
export async function withSession<T>(pool: Pool, work: (session: Db) => Promise<T>): Promise<T> {
  const client = await (pool as unknown as pg.Pool).connect();
  try {
    const result = await work(client as unknown as Db);
    client.release();
    return result;
  } catch (error) {
    client.release(error instanceof Error ? error : true);
    throw error;
  }
}

/** The SQLSTATE of a PostgreSQL error, if it is one. */
export function sqlState(error: unknown): string | undefined {
  return error instanceof pg.DatabaseError ? error.code : undefined;
}

/** Quotes a name for the few DDL statements that cannot take bind parameters. */
export function quoteIdentifier(name: string): string {
  return pg.escapeIdentifier(name);
}

/** Quotes a value for DDL, which takes no bind parameters (e.g. a password verifier). */
export function quoteLiteral(value: string): string {
  return pg.escapeLiteral(value);
}

/** The same connection string pointing at another database or as another user. */
export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${encodeURIComponent(database)}`;
  return parsed.toString();
}

export function withCredentials(url: string, user: string, password: string): string {
  const parsed = new URL(url);
  parsed.username = encodeURIComponent(user);
  parsed.password = encodeURIComponent(password);
  return parsed.toString();
}
