import { type Db, type Pool, withTransaction } from './pool.ts';

export type RoleContext = { role: string; requestId: string };

/**
 * Runs `work` in one transaction as `role` (SET LOCAL ROLE through set_config, so the name is a
 * bind parameter and the role ends with the transaction, never leaking to the pool's next user).
 * The request id goes along as a transaction setting, for the audit log. On a pipelining pool the
 * role is taken in the same round trip as BEGIN and the work's first queries, and for work that is
 * one statement (`oneStatement`), COMMIT as well.
 */
export function asRole<T>(
  pool: Pool,
  context: RoleContext,
  work: (db: Db) => Promise<T>,
  options: { oneStatement?: boolean } = {},
): Promise<T> {
  return withTransaction(pool, work, {
    setup: {
      text: `select set_config('role', $1, true), set_config('tessera.request_id', $2, true)`,
      values: [context.role, context.requestId],
    },
    oneStatement: options.oneStatement ?? false,
  });
}
