// One retention clock: when an image's time is up its original, its derivatives and its personal
// metadata go together, and its row stays, marked expired, for analytics (until ANALYTICS_RETENTION,
// see history.ts). With the fs store this sweep is what deletes; with s3 the bucket's lifecycle rule
// deletes too, and the sweep reconciles.
import { advisoryLocks, type Locked, withTryLock } from '../platform/db/advisory-lock.ts';
import type { Pool } from '../platform/db/pool.ts';
import { sql } from '../platform/db/sql.ts';
import { removeStaleDirectUploads } from './direct-uploads.ts';
import { endImage } from './expire-one.ts';
import { type PurgeReport, purgeHistory } from './history.ts';
import { removeAbandonedUploads } from './resumable-uploads.ts';
import type { ObjectStore } from './store/object-store.ts';

export type SweepReport = PurgeReport & {
  expired: number;
  objectsDeleted: number;
  orphansDeleted: number;
  claimsDeleted: number;
  /** Direct-upload claims past their time, completed or not, with any object they left. */
  directUploadsDeleted: number;
  /** Resumable uploads left unfinished for a day, with their parts. */
  uploadsAbandoned: number;
  /** Parts of resumable uploads that no upload counts (a crash between writing and recording). */
  uploadPartsOrphaned: number;
};

const q = (name: string) => sql(import.meta.url, `db/queries/${name}.sql`);

/**
 * Expires what is due, then removes orphans: objects under images/ that no image row owns (left by
 * a crash between writing objects and committing metadata, or between marking and deleting),
 * once they are older than `orphanGrace` so that an intake in progress is never touched. Last, the
 * stream's claim-checked bytes (incoming/) that no record came for within `claimLifetime`, resumable
 * uploads abandoned for a day and parts no upload counts (uploads/, after the same grace), and
 * (given `historyRetention`) the history older than that.
 */
export async function sweep(
  deps: { db: Pool; store: ObjectStore },
  options: {
    batch?: number;
    orphanGrace?: number;
    claimLifetime?: number;
    /** ANALYTICS_RETENTION: rows of images gone longer ago are purged; without it none are. */
    historyRetention?: number;
    onProgress?: (report: SweepReport) => void;
  } = {},
): Promise<SweepReport> {
  const report: SweepReport = {
    expired: 0,
    objectsDeleted: 0,
    orphansDeleted: 0,
    claimsDeleted: 0,
    historyPurged: 0,
    refusalsPurged: 0,
    directUploadsDeleted: 0,
    uploadsAbandoned: 0,
    uploadPartsOrphaned: 0,
  };
  const batch = options.batch ?? 500;
  for (;;) {
    const due = await deps.db.query<{ image_id: string; object_keys: string[] }>(
      q('due-for-expiry'),
      [batch],
    );
    for (const image of due.rows) {
      // Marked first, so it stops being served and its keys become orphans if we stop here.
      const ended = await endImage(deps.db, image.image_id, 'expired');
      const keys = new Set([...image.object_keys, ...ended]);
      await Promise.all([...keys].map((key) => deps.store.delete(key)));
      report.expired += 1;
      report.objectsDeleted += keys.size;
    }
    options.onProgress?.(report);
    if (due.rows.length < batch) break;
  }
  report.orphansDeleted = await removeOrphans(deps, options.orphanGrace ?? 3_600_000);
  report.claimsDeleted = await removeStaleClaims(
    deps.store,
    options.claimLifetime ?? 7 * 86_400_000,
  );
  // Direct uploads: their rows say when each claim is up, long before the 7 days above.
  report.directUploadsDeleted = await removeStaleDirectUploads(deps);
  const uploads = await removeAbandonedUploads(deps, { grace: options.orphanGrace ?? 3_600_000 });
  report.uploadsAbandoned = uploads.abandoned;
  report.uploadPartsOrphaned = uploads.orphans;
  if (options.historyRetention !== undefined)
    Object.assign(report, await purgeHistory(deps.db, options.historyRetention, batch));
  // Days that ended are rolled up here too, so BI tools' daily views stay fast without the dashboard.
  await deps.db.query('select images.refresh_rollups()');
  options.onProgress?.(report);
  return report;
}

/**
 * A sweep as the fleet runs it: one pass at a time across every instance. When another instance
 * (or `tessera images sweep`) is sweeping, this one does nothing (`ran: false`): that pass does the
 * same work, and the next tick comes soon enough.
 */
export function sweepUnlessRunning(
  deps: { db: Pool; store: ObjectStore },
  options: Parameters<typeof sweep>[1] = {},
): Promise<Locked<SweepReport>> {
  return withTryLock(deps.db, advisoryLocks.sweep, () => sweep(deps, options));
}

/** Deletes an owner's image: it stops being served at once; its bytes go right after. */
export async function deleteImage(
  deps: { db: Pool; store: ObjectStore },
  imageId: string,
  objectKeys: string[],
): Promise<void> {
  const ended = await endImage(deps.db, imageId, 'deleted');
  const keys = new Set([...objectKeys, ...ended]);
  await Promise.all([...keys].map((key) => deps.store.delete(key)));
}

async function removeOrphans(
  deps: { db: Pool; store: ObjectStore },
  grace: number,
): Promise<number> {
  const cutoff = Date.now() - grace;
  let removed = 0;
  let candidates: string[] = [];
  const flush = async () => {
    const owned = await deps.db.query<{ object_key: string }>(q('known-object-keys'), [candidates]);
    const keep = new Set(owned.rows.map((r) => r.object_key));
    for (const key of candidates) {
      if (keep.has(key)) continue;
      await deps.store.delete(key);
      removed += 1;
    }
    candidates = [];
  };
  for await (const object of deps.store.list('images/')) {
    if (object.modifiedAt.getTime() > cutoff) continue;
    candidates.push(object.key);
    if (candidates.length >= 500) await flush();
  }
  if (candidates.length > 0) await flush();
  return removed;
}

/** Claim-checked bytes wait in incoming/ for their record (or a dead letter's replay), not forever. */
async function removeStaleClaims(store: ObjectStore, lifetime: number): Promise<number> {
  const cutoff = Date.now() - lifetime;
  let removed = 0;
  for await (const object of store.list('incoming/')) {
    if (object.modifiedAt.getTime() > cutoff) continue;
    await store.delete(object.key);
    removed += 1;
  }
  return removed;
}
