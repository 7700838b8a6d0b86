// PostgreSQL logins for BI tools (QuickSight, Metabase, Superset, psql): each reads the views of
// schema analytics and nothing else. The database functions in db/functions/10_analytics_logins.sql
// do the checks and the DDL; this module makes the password, which never leaves this process
// except inside the URL it returns.
import type { HbaBlock } from '../../platform/db/hba.ts';
import { hbaName, networkRules } from '../../platform/db/hba.ts';
import type { Db } from '../../platform/db/pool.ts';
import { generatePassword, scramVerifier } from '../../platform/db/scram.ts';
import { sql } from '../../platform/db/sql.ts';

/** The group role every analytics login is in (0006_analytics_readers.sql). */
export const readerRole = 'tessera_analytics_reader';

export type AnalyticsLogin = { login: string; connectionLimit: number; sessions: number };

/** Creates the login with a generated password; returns its connection URL. */
export async function createAnalyticsLogin(
  db: Db,
  serverUrl: string,
  login: string,
): Promise<string> {
  const password = generatePassword();
  await db.query('select images.add_analytics_login($1, $2)', [login, scramVerifier(password)]);
  return loginUrl(serverUrl, login, password);
}

/** Gives an existing analytics login a new password (its open sessions end); returns the new URL. */
export async function rotateAnalyticsLogin(
  db: Db,
  serverUrl: string,
  login: string,
): Promise<string> {
  const password = generatePassword();
  await db.query('select images.set_analytics_login_password($1, $2)', [
    login,
    scramVerifier(password),
  ]);
  return loginUrl(serverUrl, login, password);
}

/** Ends the login's sessions and drops it; refuses any role that is not an analytics login. */
export async function removeAnalyticsLogin(db: Db, login: string): Promise<void> {
  await db.query('select images.remove_analytics_login($1)', [login]);
}

export async function listAnalyticsLogins(db: Db): Promise<AnalyticsLogin[]> {
  const result = await db.query<{ login: string; connection_limit: number; sessions: number }>(
    sql(import.meta.url, '../db/queries/analytics-sql-logins.sql'),
  );
  return result.rows.map((r) => ({
    login: r.login,
    connectionLimit: r.connection_limit,
    sessions: r.sessions,
  }));
}

/**
 * The URL a BI tool is given: the server the command used, as the login. Of the server URL's
 * parameters only sslmode is kept, so nothing of the administrator's (a password=…) leaks into it.
 */
export function loginUrl(serverUrl: string, login: string, password: string): string {
  const server = new URL(serverUrl);
  const sslmode = server.searchParams.get('sslmode');
  const query = sslmode ? `?sslmode=${encodeURIComponent(sslmode)}` : '';
  const port = server.port || '5432';
  return `postgres://${encodeURIComponent(login)}:${encodeURIComponent(password)}@${server.hostname}:${port}${server.pathname}${query}`;
}

/** The database a server URL names. */
export function databaseOf(serverUrl: string): string {
  return decodeURIComponent(new URL(serverUrl).pathname.slice(1)) || 'postgres';
}

/** The pg_hba.conf block that lets the login into `database` only from `cidrs`. */
export function loginRules(login: string, database: string, cidrs: string[]): HbaBlock {
  return {
    name: loginBlockName(login),
    purpose:
      'this analytics login only from these networks (managed by `tessera analytics sql-login`)',
    lines: networkRules(hbaName(login), cidrs, hbaName(database)),
  };
}

export function loginBlockName(login: string): string {
  return `tessera analytics sql-login ${login}`;
}
