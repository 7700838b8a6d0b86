// History outlives the images, for ANALYTICS_RETENTION: after that an image's row (its bytes long
// gone), old refusals and old rollup days are deleted, so analytics covers a window, not forever.
import type { Db } from '../platform/db/pool.ts';
import { sql } from '../platform/db/sql.ts';

export type PurgeReport = { historyPurged: number; refusalsPurged: number };

const q = (name: string) => sql(import.meta.url, `db/queries/${name}.sql`);

/**
 * Deletes, in batches, image rows created more than `retention` ms ago whose bytes are gone
 * (expired or deleted; a live image is never purged), refusals as old, and rollup days before it.
 */
export async function purgeHistory(db: Db, retention: number, batch = 500): Promise<PurgeReport> {
  const historyPurged = await inBatches(db, q('purge-history-images'), retention, batch);
  const refusalsPurged = await inBatches(db, q('purge-history-refusals'), retention, batch);
  await db.query(q('purge-history-rollups'), [retention]);
  return { historyPurged, refusalsPurged };
}

async function inBatches(db: Db, query: string, retention: number, batch: number) {
  let total = 0;
  for (;;) {
    const { rowCount } = await db.query(query, [retention, batch]);
    total += rowCount ?? 0;
    if ((rowCount ?? 0) < batch) return total;
  }
}
