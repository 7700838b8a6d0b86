// Ending one image: the sweeper when its time is up, its owner deleting it, an intake replacing a
// due image. Its row is locked before its objects' rows are deleted, in one transaction, so a size
// being recorded on request at that moment (record-resize.sql) is either deleted here too or not
// recorded at all; nothing of the image outlives it.
import { type Db, type Pool, withTransaction } from '../platform/db/pool.ts';
import { sql } from '../platform/db/sql.ts';

export type ImageEnd = 'expired' | 'deleted';

const q = (name: string) => sql(import.meta.url, `db/queries/${name}.sql`);

/** Marks the image and deletes its objects' rows; the keys whose bytes the caller must delete. */
export async function endImage(db: Pool, imageId: string, end: ImageEnd): Promise<string[]> {
  return withTransaction(db, async (tx) => {
    await tx.query(q('lock-image'), [imageId]);
    return endLocked(tx, imageId, end);
  });
}

/** As endImage, in a transaction that has locked the image's row already. */
export async function endLocked(tx: Db, imageId: string, end: ImageEnd): Promise<string[]> {
  const deleted = await tx.query<{ object_key: string }>(q('expire-image'), [imageId, end]);
  return deleted.rows.map((row) => row.object_key);
}
