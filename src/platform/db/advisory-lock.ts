// Work that must run once across the fleet (every instance shares the one PostgreSQL) takes a
// session-level advisory lock for its pass. The keys are any constants all processes agree on;
// they live here together so that none collides. images.refresh_rollups() locks
// hashtext('images.refresh_rollups'), a 32-bit key, which these (above 2^32) cannot meet.
import { type Pool, withSession } from './pool.ts';

export const advisoryLocks = {
  /** Migrations: a second process waits its turn (pg_advisory_lock). */
  migrations: 7_362_940_118,
  /** A sweep pass (expiry, orphans, claims, history, rollups): a second one is skipped. */
  sweep: 7_362_940_119,
} as const;

export type Locked<T> = { ran: true; value: T } | { ran: false };

/**
 * Runs `work` if no other session holds `key`, holding it on a dedicated connection until `work`
 * ends; `{ ran: false }` at once if another holds it. A process that dies releases it with its
 * session. `work` queries through the pool's other connections, so the pool needs at least two.
 */
export function withTryLock<T>(
  pool: Pool,
  key: number,
  work: () => Promise<T>,
): Promise<Locked<T>> {
  return withSession(pool, async (session) => {
    const got = await session.query<{ locked: boolean }>(
      'select pg_try_advisory_lock($1) as locked',
      [key],
    );
    if (!got.rows[0]?.locked) return { ran: false };
    try {
      return { ran: true, value: await work() };
    } finally {
      // Unlocked before the connection goes back to the pool; if this fails, withSession closes it.
      await session.query('select pg_advisory_unlock($1)', [key]);
    }
  });
}
