import { type Db, type Pool, withTransaction } from './pool.ts';

export type RoleContext = { role: string; requestId: string };

/**
 * Runs `work` in one transaction as `role` (SET LOCAL ROLE through set_config, so the name is a
 * bind parameter and the role ends with the transaction, never leaking to the pool's next user).
 * The request id goes along as a transaction setting, for the audit log.
 */
export function asRole<T>(
  pool: Pool,
  context: RoleContext,
  work: (db: Db) => Promise<T>,
): Promise<T> {
  return withTransaction(pool, async (tx) => {
    await tx.query(
      `select set_config('role', $1, true), set_config('tessera.request_id', $2, true)`,
      [context.role, context.requestId],
    );
    return work(tx);
  });
}
