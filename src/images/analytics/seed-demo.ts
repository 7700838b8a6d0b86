// Demo history for the dashboard and its benchmark: image metadata without bytes, written by the
// database itself in batches (a million rows take seconds, not the hours real intake would).
import { randomBytes } from 'node:crypto';
import type { Db } from '../../platform/db/pool.ts';
import { sql } from '../../platform/db/sql.ts';

export type DemoOptions = {
  images: number;
  /** Days of history the images spread over, ending now. */
  days?: number;
  owners?: number;
  /** How long each image is kept, in milliseconds (the image retention). */
  retention: number;
};

const batch = 50_000;

/** Adds the demo images and rebuilds the rollups; reports each batch done. */
export async function seedDemoImages(
  db: Db,
  options: DemoOptions,
  progress: (done: number) => void = () => {},
): Promise<{ images: number; milliseconds: number }> {
  const started = performance.now();
  const run = randomBytes(4).toString('hex');
  const insert = sql(import.meta.url, '../db/queries/seed-demo-images.sql');
  for (let first = 1; first <= options.images; first += batch) {
    await db.query(insert, [
      first,
      options.images,
      options.days ?? 400,
      options.owners ?? 2000,
      options.retention / 1000,
      batch,
      run,
    ]);
    progress(Math.min(options.images, first + batch - 1));
  }
  await db.query(sql(import.meta.url, '../db/queries/seed-demo-refusals.sql'), [
    Math.round(options.images * 0.04),
    options.days ?? 400,
    options.owners ?? 2000,
  ]);
  // The demo wrote days already rolled up: roll them up again.
  await db.query('select images.reset_rollups()');
  await db.query('select images.refresh_rollups()');
  await db.query('analyze images.images, images.daily_facts, images.refusals');
  return { images: options.images, milliseconds: performance.now() - started };
}
