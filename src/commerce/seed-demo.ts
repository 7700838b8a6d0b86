// Plausible demo data, fast: the reference data (makers, items, members) through the ordinary
// triggers, then transactions generated server-side in batches with the triggers skipped.

import { type Db, sqlState } from '../platform/db/pool.ts';
import { sql } from '../platform/db/sql.ts';
import { AppError } from '../platform/errors.ts';

export type SeedReport = { transactions: number; lines: number; milliseconds: number };

const demo = { manufacturers: 50, items: 2_000, members: 10_000 } as const;
const defaultBatchSize = 100_000;

type Sources = { members: number; manufacturers: number; items: number };
type Batch = { transactions: number; lines: number; first_transaction_id: string | null };

/**
 * Adds demo makers, items and members (only what is missing; members only when there are none),
 * then `count` transactions in batches of `batchSize`, each batch its own database transaction,
 * calling `progress` after each. `db` must be one connection (not a pool): a batch is several
 * statements in one transaction, and needs a superuser to set session_replication_role.
 */
export async function seedDemo(
  db: Db,
  count: number,
  progress: (done: number) => void,
  batchSize = defaultBatchSize,
): Promise<SeedReport> {
  const started = performance.now();
  const added = await inTransaction(db, async () => ({
    manufacturers: await run(db, 'seed-demo-manufacturers.sql', [demo.manufacturers]),
    items: await run(db, 'seed-demo-items.sql', [demo.items]),
    members: await run(db, 'seed-demo-members.sql', [demo.members]),
  }));
  await requireSources(db);

  let transactions = 0;
  let lines = 0;
  while (transactions < count) {
    const size = Math.min(batchSize, count - transactions);
    const batch = await inTransaction(db, async () => {
      await bulkMode(db);
      const result = await db.query<Batch>(query('seed-demo-transactions.sql'), [size]);
      const written = result.rows[0] ?? { transactions: 0, lines: 0, first_transaction_id: null };
      if (written.transactions !== size) {
        throw new Error(`a seed batch wrote ${written.transactions} transactions, not ${size}`);
      }
      // Recorded with the first batch, so no bulk-loaded row is ever committed unaccounted for.
      if (transactions === 0) {
        await db.query(query('seed-demo-audit.sql'), [
          count,
          batchSize,
          written.first_transaction_id,
          added.members,
          added.items,
          added.manufacturers,
        ]);
      }
      return written;
    });
    transactions += batch.transactions;
    lines += batch.lines;
    progress(transactions);
  }
  await db.query(query('seed-demo-analyze.sql'));
  return { transactions, lines, milliseconds: Math.round(performance.now() - started) };
}

function query(file: string): string {
  return sql(import.meta.url, `db/queries/${file}`);
}

async function run(db: Db, file: string, values: unknown[]): Promise<number> {
  return (await db.query(query(file), values)).rowCount ?? 0;
}

async function requireSources(db: Db): Promise<void> {
  const found = (await db.query<Sources>(query('seed-demo-sources.sql'))).rows[0];
  if (!found || found.members === 0 || found.manufacturers === 0 || found.items === 0) {
    throw new AppError(
      'seed_no_sources',
      409,
      'Demo transactions need at least one member, one manufacturer and one item that is not retired.',
    );
  }
}

/** Skips every trigger, foreign keys included, until this transaction ends. */
async function bulkMode(db: Db): Promise<void> {
  try {
    await db.query('set local session_replication_role = replica');
  } catch (error) {
    if (sqlState(error) !== '42501') throw error;
    throw new AppError(
      'seed_needs_superuser',
      403,
      'seed-demo loads in bulk with the triggers skipped (session_replication_role), which needs a superuser connection.',
      { cause: error },
    );
  }
}

async function inTransaction<T>(db: Db, work: () => Promise<T>): Promise<T> {
  await db.query('begin');
  try {
    const result = await work();
    await db.query('commit');
    return result;
  } catch (error) {
    await db.query('rollback').catch(() => {});
    throw error;
  }
}
