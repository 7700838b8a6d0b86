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
  options: {
    max?: number;
    applicationName?: string;
    /**
     * Each connection sends a query without waiting for the answers to the ones before it, and
     * `withTransaction` writes the queries of one tick together: BEGIN, its setup and the work's
     * first queries reach the server in one write and cost one round trip. No paged reads
     * (`queryRows`, `streamRows`) on such a pool.
     */
    pipeline?: boolean;
  } = {},
): Pool {
  const pool = new pg.Pool({
    connectionString: url,
    options: utc,
    max: options.max ?? 10,
    application_name: options.applicationName ?? 'tessera',
    pipeline: options.pipeline ?? false,
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

/** A statement with its parameters, e.g. a transaction's setup. */
export type Statement = { text: string; values?: unknown[] };

export type TransactionOptions = {
  /** Run first in the transaction, e.g. taking a role. */
  setup?: Statement;
  /**
   * The work is one statement: on a pipelining pool COMMIT goes in the same write, so the whole
   * transaction is one round trip (a failed statement turns that COMMIT into a ROLLBACK). A second
   * statement is refused: it would run after the COMMIT, outside the transaction and its setup.
   */
  oneStatement?: boolean;
};

/**
 * Runs `work` in one transaction on one connection of the pool, after `setup` if given; rolls back
 * if either throws. On a pipelining pool the queries issued in one tick are written together, so
 * BEGIN, `setup` and the work's first query are one round trip; a failed `setup` is the error
 * reported, not the refusal of the query queued behind it.
 */
export async function withTransaction<T>(
  pool: Pool,
  work: (tx: Db) => Promise<T>,
  options: TransactionOptions = {},
): Promise<T> {
  const client = await (pool as unknown as pg.Pool).connect();
  try {
    const { result, committing } = client.pipeline
      ? await pipelined(client, work, options)
      : { result: await inTurn(client, work, options.setup), committing: undefined };
    await (committing ?? client.query('commit'));
    return result;
  } catch (error) {
    await client.query('rollback').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

async function inTurn<T>(
  client: pg.PoolClient,
  work: (tx: Db) => Promise<T>,
  setup: Statement | undefined,
): Promise<T> {
  await client.query('begin');
  if (setup) await client.query(setup.text, setup.values);
  return work(client as unknown as Db);
}

/** The work's result, and its COMMIT if that went along with its one statement. */
async function pipelined<T>(
  client: pg.PoolClient,
  work: (tx: Db) => Promise<T>,
  { setup, oneStatement }: TransactionOptions,
): Promise<{ result: T; committing: Promise<unknown> | undefined }> {
  const tx = batchingWrites(client);
  const begun = tx.query('begin');
  const setUp = setup ? tx.query(setup.text, setup.values) : undefined;
  let committing: Promise<unknown> | undefined;
  const worked = work(
    oneStatement
      ? committingAfterOne(tx, (commit) => {
          committing = commit;
        })
      : tx,
  );
  // Answered in order: if BEGIN or the setup failed, the work's queries were refused behind it.
  worked.catch(() => {});
  await begun;
  await setUp;
  return { result: await worked, committing };
}

/** `tx`, sending COMMIT right behind the first statement and refusing any after it. */
function committingAfterOne(tx: Db, sent: (commit: Promise<unknown>) => void): Db {
  let used = false;
  return {
    query(text, values) {
      if (used) {
        return Promise.reject(
          new Error('a second statement in a transaction declared as one statement'),
        );
      }
      used = true;
      const answer = tx.query(text, values);
      const commit = tx.query('commit');
      // Awaited by withTransaction when the statement succeeds; a failure is the statement's.
      commit.catch(() => {});
      sent(commit);
      return answer as never;
    },
  };
}

type Corkable = { cork(): void; uncork(): void };

/**
 * The pipelining client, writing the queries of one tick in one write (pg writes each query on
 * its own, and on loopback every write costs both sides a wake-up); as it is if its socket cannot
 * be corked.
 */
function batchingWrites(client: pg.PoolClient): Db {
  const stream = (client as unknown as { connection?: { stream?: Partial<Corkable> } }).connection
    ?.stream;
  if (typeof stream?.cork !== 'function' || typeof stream.uncork !== 'function')
    return client as unknown as Db;
  const corkable = stream as Corkable;
  let corked = false;
  return {
    query(text, values) {
      if (!corked) {
        corked = true;
        corkable.cork();
        process.nextTick(() => {
          corked = false;
          corkable.uncork();
        });
      }
      return client.query(text, values) as never;
    },
  };
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

/**
 * A connection that keeps no password: the password is used once to log in and then dropped from
 * the client, so a connection that is lost cannot be reopened without asking the person again.
 */
export async function connectForgetting(url: string, applicationName: string): Promise<Connection> {
  const client = (await connect(url, applicationName)) as unknown as {
    password: unknown;
    connectionParameters: { password: unknown };
  };
  client.password = undefined;
  client.connectionParameters.password = undefined;
  return client as unknown as Connection;
}

/** A result as a query tool shows it: columns with their type ids, rows as arrays. */
export type Rows = {
  fields: { name: string; typeId: number }[];
  rows: unknown[][];
  /** The statement had more rows than were read. */
  more: boolean;
  rowCount: number | null;
};

// What a person typed is shown as PostgreSQL writes it, except numbers, booleans and JSON, which
// JSON carries as themselves (a float that is not finite stays text: JSON has no Infinity).
const asThemselves = new Set([16, 20, 21, 23, 26, 114, 3802]);
const toolTypes = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (asThemselves.has(oid)) return pg.types.getTypeParser(oid, format ?? 'text');
    if (oid === 700 || oid === 701)
      return (value: string) => (Number.isFinite(Number(value)) ? Number(value) : value);
    return (value: string) => value;
  },
};

type Wire = { sync(): void };
type Paged = pg.Query & {
  rows: number;
  _result: { rows: unknown[][]; fields: { name: string; dataTypeID: number }[] };
  _getRows(connection: Wire, rows: number): void;
};

/**
 * A query read a page at a time sends no Sync until it is done, so after an error the server would
 * wait for one forever: send it (as pg-cursor does), and the connection is ready again.
 */
function syncOnError(query: pg.Query): void {
  const handle = query as unknown as { handleError(error: unknown, c: Wire): void };
  const original = handle.handleError.bind(query);
  handle.handleError = (error, connection) => {
    connection.sync();
    original(error, connection);
  };
}

/**
 * Runs one statement (extended protocol: one statement only, parameters bound) and reads at most
 * `limit` rows: the server stops at the limit instead of sending what nobody will see.
 */
export function queryRows(db: Db, text: string, values: unknown[], limit: number): Promise<Rows> {
  return new Promise((resolve, reject) => {
    let more = false;
    const query = new pg.Query({
      text,
      values,
      rows: limit + 1,
      rowMode: 'array',
      types: toolTypes,
      callback: (error: Error | null, result: pg.QueryArrayResult) => {
        if (error) return reject(error);
        const rows = result.rows.slice(0, limit);
        resolve({
          fields: (result.fields ?? []).map((f) => ({ name: f.name, typeId: f.dataTypeID })),
          rows,
          more: more || result.rows.length > limit,
          rowCount: more ? null : result.rowCount,
        });
      },
    } as never) as Paged;
    syncOnError(query);
    (query as unknown as { handlePortalSuspended(c: Wire): void }).handlePortalSuspended = (
      connection,
    ) => {
      more = true;
      connection.sync();
    };
    (db as unknown as pg.Client).query(query);
  });
}

/**
 * Runs one statement and hands its rows to `batch` a page at a time, reading the next page only
 * once the last was taken (a download of millions of rows holds one page in memory).
 */
export function streamRows(
  db: Db,
  text: string,
  values: unknown[],
  batch: (fields: Rows['fields'], rows: unknown[][]) => Promise<void>,
  pageSize = 1000,
): Promise<number> {
  return new Promise((resolve, reject) => {
    let count = 0;
    let failed: unknown;
    const fieldsOf = () =>
      (query._result.fields ?? []).map((f) => ({ name: f.name, typeId: f.dataTypeID }));
    const take = () => {
      const rows = query._result.rows.splice(0);
      count += rows.length;
      return batch(fieldsOf(), rows);
    };
    const query = new pg.Query({
      text,
      values,
      rows: pageSize,
      rowMode: 'array',
      types: toolTypes,
      callback: (error: Error | null) => {
        if (error || failed) return reject(error ?? failed);
        take().then(() => resolve(count), reject);
      },
    } as never) as Paged;
    syncOnError(query);
    (query as unknown as { handlePortalSuspended(c: Wire): void }).handlePortalSuspended = (
      connection,
    ) => {
      take().then(
        () => query._getRows(connection, pageSize),
        (error) => {
          failed = error;
          connection.sync();
        },
      );
    };
    (db as unknown as pg.Client).query(query);
  });
}

/** A PostgreSQL error's own words, SQLSTATE and position (1-based, in the statement), if it is one. */
export function databaseError(
  error: unknown,
): { message: string; sqlstate: string; position: number | null } | undefined {
  if (!(error instanceof pg.DatabaseError) || !error.code) return undefined;
  return {
    message: error.message,
    sqlstate: error.code,
    position: error.position ? Number(error.position) : null,
  };
}
