// Signing in to the portal with one's own database login and password: PostgreSQL itself checks
// the password (the portal opens a connection as the person), so the portal keeps no password
// copy that could drift from the one psql uses. Sessions are random tokens kept hashed.
//
// Each portal keeps the sessions it has read for a few seconds (PORTAL_SESSION_CACHE_TTL), trusted
// only while it hears migration 0010's notices: a session that ends or changes is forgotten by
// every portal as that change commits.
import { createHash, randomBytes } from 'node:crypto';
import {
  type Connection,
  connect,
  type Db,
  sqlState,
  withCredentials,
} from '../../platform/db/pool.ts';
import { sql } from '../../platform/db/sql.ts';
import { toInterval } from '../../platform/duration.ts';
import { AppError } from '../../platform/errors.ts';
import { createRevocableCache, type RevocableCache } from '../../platform/revocable-cache.ts';
import { type Identity, whoAmI } from '../identity.ts';
import type { Team } from '../people.ts';

/** PORTAL_SESSION_* and PORTAL_SIGNIN_* (config.portal.sessions); every time in milliseconds. */
export type SessionSettings = {
  /** A session ends this long after sign-in. */
  lifetime: number;
  /** …or after this long without a request. */
  idle: number;
  /** Failed sign-ins in a row before the login is locked. */
  lockAfter: number;
  /** The first lock; each further failure doubles it, up to maxLock. */
  firstLock: number;
  maxLock: number;
};

export type SignInDeps = {
  db: Db;
  databaseUrl: string;
  settings: SessionSettings;
  cache?: SessionCache | undefined;
};
/** `id` names the session on the server (the token's hash), e.g. for its query workspace. */
export type Session = { id: string; login: string; team: Team; csrfToken: string };

export type SessionCache = RevocableCache<Session>;
export const sessionChannel = 'tessera_portal_sessions';

/** PORTAL_SESSION_CACHE_TTL (ms) and PORTAL_SESSION_CACHE_SIZE. */
export function createSessionCache(options: { ttl: number; max: number }): SessionCache {
  return createRevocableCache<Session>(options, (session) => session.id);
}

const q = (name: string) => sql(import.meta.url, `../db/queries/${name}.sql`);

export async function signIn(
  deps: SignInDeps,
  login: string,
  password: string,
  address: string,
): Promise<{ token: string; session: Session; identity: Identity }> {
  const locked = await deps.db.query<{ locked_until: string }>(q('portal-sign-in-locked'), [login]);
  if (locked.rows[0]) throw lockedError(locked.rows[0].locked_until);
  const identity = await checkPassword(deps, login, password);
  if (!identity.team) {
    throw new AppError(
      'not_a_person',
      403,
      'Only people in a team (tessera users add) may use the portal.',
    );
  }
  await deps.db.query(q('portal-sign-in-succeeded'), [login]);
  const token = randomBytes(32).toString('base64url');
  const session: Session = {
    id: hashToken(token).toString('hex'),
    login,
    team: identity.team,
    csrfToken: randomBytes(24).toString('base64url'),
  };
  await deps.db.query(q('portal-session-create'), [
    hashToken(token),
    login,
    identity.team,
    session.csrfToken,
    toInterval(deps.settings.lifetime),
    address,
  ]);
  return { token, session, identity };
}

/**
 * The live session of this token. Its last request is noted at most every tenth of the idle time
 * (a minute at most), so a session may count as idle up to that much before it really is; a
 * cached session is asked for again at least that often, so its requests keep it alive.
 */
export async function findSession(deps: SignInDeps, token: string): Promise<Session | null> {
  const hash = hashToken(token);
  const id = hash.toString('hex');
  const cache = deps.cache?.trusted ? deps.cache : undefined;
  const cached = cache?.get(id);
  if (cached) return cached;
  const ticket = cache?.ticket() ?? 0;
  const touchEvery = Math.min(deps.settings.idle / 10, 60_000);
  const found = await deps.db.query<{
    login: string;
    team: Team;
    csrf_token: string;
    expires_at: string;
  }>(q('portal-session-find'), [hash, toInterval(deps.settings.idle), toInterval(touchEvery)]);
  const row = found.rows[0];
  if (!row) return null;
  const session: Session = { id, login: row.login, team: row.team, csrfToken: row.csrf_token };
  cache?.set(id, session, ticket, Math.min(Date.parse(row.expires_at), Date.now() + touchEvery));
  return session;
}

export async function signOut(deps: SignInDeps, token: string): Promise<void> {
  const hash = hashToken(token);
  await deps.db.query(q('portal-session-delete'), [hash]);
  // Other portals hear it from PostgreSQL; this one forgets it before answering.
  deps.cache?.drop(hash.toString('hex'));
}

async function checkPassword(deps: SignInDeps, login: string, password: string): Promise<Identity> {
  let person: Connection;
  try {
    person = await connect(
      withCredentials(deps.databaseUrl, login, password),
      'tessera-portal-sign-in',
    );
  } catch (error) {
    throw await refusal(deps, login, error);
  }
  try {
    return await whoAmI(person);
  } finally {
    await person.end();
  }
}

/**
 * Runs `open` with the URL of the person's own login and password; a wrong password counts
 * towards the login's lock, as at sign-in.
 */
export async function asOwnLogin<T>(
  deps: SignInDeps,
  login: string,
  password: string,
  open: (url: string) => Promise<T>,
): Promise<T> {
  const locked = await deps.db.query<{ locked_until: string }>(q('portal-sign-in-locked'), [login]);
  if (locked.rows[0]) throw lockedError(locked.rows[0].locked_until);
  try {
    return await open(withCredentials(deps.databaseUrl, login, password));
  } catch (error) {
    throw await refusal(deps, login, error);
  }
}

async function refusal(deps: SignInDeps, login: string, error: unknown): Promise<AppError> {
  const state = sqlState(error);
  const message = (error as Error).message ?? '';
  // 28000 comes before the password is checked (pg_hba) or after it (a disabled login).
  if (state === '28000' && /pg_hba/.test(message)) {
    return new AppError(
      'network_not_allowed',
      403,
      'The database does not accept your login from the portal’s network.',
    );
  }
  if (state === '28000' && /not permitted to log in/.test(message)) {
    return new AppError('login_disabled', 403, 'This login is disabled. Ask an administrator.');
  }
  if (state === '28P01' || state === '28000') {
    const failures = await deps.db.query<{ failures: number }>(q('portal-sign-in-failed'), [login]);
    const count = Number(failures.rows[0]?.failures ?? 0);
    const { lockAfter, firstLock, maxLock } = deps.settings;
    if (count >= lockAfter) {
      const lock = Math.min(maxLock, firstLock * 2 ** (count - lockAfter));
      await deps.db.query(q('portal-sign-in-lock'), [login, toInterval(lock)]);
    }
    return new AppError('sign_in_failed', 401, 'Wrong login or password.');
  }
  return new AppError(
    'database_unavailable',
    503,
    'The database cannot be reached right now. Try again shortly.',
    {
      cause: error,
    },
  );
}

function lockedError(until: string): AppError {
  const minutes = Math.max(1, Math.ceil((Date.parse(until) - Date.now()) / 60_000));
  return new AppError(
    'sign_in_locked',
    429,
    `Too many failed sign-ins for this login. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`,
  );
}

function hashToken(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}
