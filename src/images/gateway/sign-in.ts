// Signing in to the gateway with an email and password, with failures limited per account as well
// as per address (the route's rate limit): after `lockAfter` failures in a row the account is
// locked, and each further failure doubles the lock up to `maxLock`, as in the portal. The count
// lives in PostgreSQL, so every gateway shares it. A locked account is refused even with the right
// password, and unknown names are counted and locked the same way, so no answer tells whether an
// account exists.
import type { Db } from '../../platform/db/pool.ts';
import { sql } from '../../platform/db/sql.ts';
import { AppError } from '../../platform/errors.ts';
import { type Caller, checkPassword } from './principals.ts';

export type SignInSettings = {
  /** Failed sign-ins in a row before the account is locked. */
  lockAfter: number;
  /** The first lock, in ms; each further failure doubles it, up to maxLock (ms). */
  firstLock: number;
  maxLock: number;
};

/** The refusal while an account is locked; `retryAfter` is in seconds. */
export class SignInLocked extends AppError {
  readonly retryAfter: number;

  constructor(seconds: number) {
    const minutes = Math.max(1, Math.ceil(seconds / 60));
    super(
      'sign_in_locked',
      429,
      `Too many failed sign-ins for this account. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`,
    );
    this.name = 'SignInLocked';
    this.retryAfter = seconds;
  }
}

const q = (name: string) => sql(import.meta.url, `../db/queries/${name}.sql`);

export async function signIn(
  db: Db,
  settings: SignInSettings,
  name: string,
  password: string,
): Promise<Caller> {
  const account = name.toLowerCase();
  const locked = await db.query<{ seconds: number }>(q('gateway-sign-in-locked'), [account]);
  if (locked.rows[0]) throw new SignInLocked(locked.rows[0].seconds);
  let caller: Caller;
  try {
    caller = await checkPassword(db, name, password);
  } catch (error) {
    if (error instanceof AppError && error.code === 'sign_in_failed')
      await recordFailure(db, settings, account);
    throw error;
  }
  await db.query(q('gateway-sign-in-succeeded'), [account]);
  return caller;
}

async function recordFailure(db: Db, settings: SignInSettings, account: string): Promise<void> {
  const result = await db.query<{ failures: number }>(q('gateway-sign-in-failed'), [account]);
  const failures = result.rows[0]?.failures ?? 0;
  const { lockAfter, firstLock, maxLock } = settings;
  if (failures < lockAfter) return;
  const lock = Math.min(maxLock, firstLock * 2 ** (failures - lockAfter));
  await db.query(q('gateway-sign-in-lock'), [account, lock]);
}
