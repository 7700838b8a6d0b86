// Principals, their API keys and browser sessions. Keys and session tokens are random secrets
// shown once and kept only as SHA-256 (they are long and random: no slow hash is needed);
// passwords, which people choose, are kept as argon2id.
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { Db } from '../../platform/db/pool.ts';
import { sqlState } from '../../platform/db/pool.ts';
import { sql } from '../../platform/db/sql.ts';
import { toInterval } from '../../platform/duration.ts';
import { AppError } from '../../platform/errors.ts';
import type { PrincipalRole } from '../principal.ts';
import { decoyHash, hashPassword, verifyPassword } from './passwords.ts';

export const scopes = ['images:read', 'images:write'] as const;
export type Scope = (typeof scopes)[number];

/** Who a request is, once authenticated. */
export type Caller = {
  principalId: string;
  name: string;
  role: PrincipalRole;
  cidrs: string[];
  scopes: readonly Scope[];
};

export type PrincipalRow = {
  principal_id: string;
  name: string;
  role: PrincipalRole;
  cidrs: string[];
  created_at: string;
  disabled_at: string | null;
  active_keys?: number;
};

const q = (name: string) => sql(import.meta.url, `../db/queries/${name}.sql`);
const sha256 = (value: string) => createHash('sha256').update(value).digest();

export async function addPrincipal(
  db: Db,
  input: { name: string; role: PrincipalRole; password?: string | undefined; cidrs?: string[] },
): Promise<PrincipalRow> {
  const hash = input.password ? await hashPassword(input.password) : null;
  try {
    const result = await db.query<PrincipalRow>(q('principal-insert'), [
      randomUUID(),
      input.name,
      input.role,
      hash,
      input.cidrs ?? [],
    ]);
    return result.rows[0] as PrincipalRow;
  } catch (error) {
    if (sqlState(error) === '23505')
      throw new AppError('name_taken', 409, `The name ${input.name} is already taken.`);
    if (sqlState(error) === '23514')
      throw new AppError('bad_name', 400, 'A name is 1 to 200 letters, digits and . _ @ + -.');
    throw error;
  }
}

export async function listPrincipals(db: Db): Promise<PrincipalRow[]> {
  return (await db.query<PrincipalRow>(q('principal-list'))).rows;
}

export async function disablePrincipal(db: Db, name: string): Promise<void> {
  const result = await db.query(q('principal-disable'), [name]);
  if (result.rowCount === 0)
    throw new AppError('no_principal', 404, `There is no principal named ${name}.`);
}

export async function findPrincipal(db: Db, name: string) {
  const result = await db.query<PrincipalRow & { password_hash: string | null }>(
    q('principal-by-name'),
    [name],
  );
  return result.rows[0];
}

/** The principal whose name and password these are, or a refusal that does not say which was wrong. */
export async function checkPassword(db: Db, name: string, password: string): Promise<Caller> {
  const found = await findPrincipal(db, name);
  const ok = await verifyPassword(password, found?.password_hash ?? decoyHash);
  if (!found || !ok || !found.password_hash)
    throw new AppError('sign_in_failed', 401, 'Wrong email or password.');
  if (found.disabled_at) throw new AppError('disabled', 403, 'This account is disabled.');
  return callerOf(found, scopes);
}

/** A new API key: returned once as `tsk_<prefix>_<secret>`; only its hash is kept. */
export async function createKey(
  db: Db,
  principalName: string,
  name: string,
  keyScopes: readonly Scope[],
): Promise<string> {
  const principal = await findPrincipal(db, principalName);
  if (!principal)
    throw new AppError('no_principal', 404, `There is no principal named ${principalName}.`);
  const prefix = randomBytes(9)
    .toString('base64url')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '0')
    .slice(0, 12);
  const key = `tsk_${prefix}_${randomBytes(32).toString('base64url')}`;
  await db.query(q('key-insert'), [
    randomUUID(),
    principal.principal_id,
    name,
    prefix,
    sha256(key),
    keyScopes,
  ]);
  return key;
}

export async function revokeKey(db: Db, keyOrPrefix: string): Promise<void> {
  const prefix = /^tsk_([a-z0-9]{12})_/.exec(keyOrPrefix)?.[1] ?? keyOrPrefix;
  const result = await db.query(q('key-revoke'), [prefix]);
  if (result.rowCount === 0)
    throw new AppError('no_key', 404, 'There is no live key with that prefix.');
}

export async function authenticateKey(db: Db, key: string): Promise<Caller | null> {
  const prefix = /^tsk_([a-z0-9]{12})_[A-Za-z0-9_-]{43}$/.exec(key)?.[1];
  if (!prefix) return null;
  const found = await db.query<PrincipalRow & { key_hash: Buffer; scopes: Scope[] }>(
    q('key-authenticate'),
    [prefix],
  );
  const row = found.rows[0];
  if (!row || !timingSafeEqual(row.key_hash, sha256(key))) return null;
  return callerOf(row, row.scopes);
}

export async function createSession(
  db: Db,
  principalId: string,
  /** In milliseconds. */
  lifetime: number,
): Promise<string> {
  const token = randomBytes(32).toString('base64url');
  await db.query(q('gateway-session-create'), [sha256(token), principalId, toInterval(lifetime)]);
  return token;
}

/** The caller of a live session idle for less than `idle` ms, or null. */
export async function findSession(db: Db, token: string, idle: number): Promise<Caller | null> {
  const found = await db.query<PrincipalRow>(q('gateway-session-find'), [
    sha256(token),
    toInterval(idle),
  ]);
  const row = found.rows[0];
  return row ? callerOf(row, scopes) : null;
}

export async function endSession(db: Db, token: string): Promise<void> {
  await db.query(q('gateway-session-delete'), [sha256(token)]);
}

function callerOf(
  row: Pick<PrincipalRow, 'principal_id' | 'name' | 'role' | 'cidrs'>,
  granted: readonly Scope[],
): Caller {
  return {
    principalId: row.principal_id,
    name: row.name,
    role: row.role,
    cidrs: row.cidrs ?? [],
    scopes: granted,
  };
}
