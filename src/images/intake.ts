// THE path an image takes into Tessera, the same for an HTTP upload, the CLI and the stream:
// checks, processing, encrypted storage, metadata. Objects are written before the metadata
// commits, so a crash leaves no visible image (the sweeper removes the orphaned objects); a
// refusal leaves nothing behind but its record in images.refusals.
import { createHash, randomUUID } from 'node:crypto';
import type { Pool } from '../platform/db/pool.ts';
import { sqlState, withTransaction } from '../platform/db/pool.ts';
import { sql } from '../platform/db/sql.ts';
import type { Logger } from '../platform/log.ts';
import { endLocked } from './expire-one.ts';
import { contentTypeOf, processImage } from './processing/derive.ts';
import type { ImageLimits } from './processing/limits.ts';
import { ImageRefusal } from './processing/refusal.ts';
import type { ObjectStore } from './store/object-store.ts';

export type IntakeDeps = {
  db: Pool;
  store: ObjectStore;
  limits: ImageLimits;
  /** How long an image lives, in milliseconds. */
  retention: number;
  log: Logger;
};

export type IntakeInput = {
  owner: string;
  source: 'upload' | 'stream';
  bytes: Buffer;
  originalName?: string | undefined;
  /** What the client claimed; recorded with a refusal, never trusted. */
  declaredType?: string | undefined;
  stream?: { topic: string; partition: number; offset: string } | undefined;
};

export type IntakeResult = { imageId: string; duplicate: boolean };

const q = (name: string) => sql(import.meta.url, `db/queries/${name}.sql`);

export async function intake(deps: IntakeDeps, input: IntakeInput): Promise<IntakeResult> {
  try {
    return await accept(deps, input);
  } catch (error) {
    if (error instanceof ImageRefusal) await recordRefusal(deps, input, error);
    throw error;
  }
}

async function accept(deps: IntakeDeps, input: IntakeInput): Promise<IntakeResult> {
  const { bytes } = input;
  if (bytes.length === 0) throw new ImageRefusal('empty', 'The file is empty.');
  if (bytes.length > deps.limits.maxBytes) {
    throw new ImageRefusal(
      'too_large',
      `The file is ${megabytes(bytes.length)}; the limit is ${megabytes(deps.limits.maxBytes)}.`,
    );
  }
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const existing = await findLive(deps, input.owner, sha256);
  if (existing) return { imageId: existing, duplicate: true };

  const { facts, derivatives } = await processImage(bytes, deps.limits);
  const { format } = facts;
  const imageId = randomUUID();
  const objects = [
    { name: 'original', format, width: facts.width, height: facts.height, bytes },
    ...derivatives.map((d) => ({
      name: d.name,
      format: d.format,
      width: d.width,
      height: d.height,
      bytes: d.bytes,
    })),
  ].map((o) => ({ ...o, object_key: objectKey(imageId, o.name) }));
  await Promise.all(objects.map((o) => deps.store.put(o.object_key, o.bytes)));

  const row = {
    image_id: imageId,
    owner_id: input.owner,
    source: input.source,
    sha256,
    format: facts.format,
    bytes: bytes.length,
    width: facts.width,
    height: facts.height,
    colour_space: facts.colourSpace,
    has_alpha: facts.hasAlpha,
    bit_depth: facts.bitDepth,
    pages: facts.pages,
    camera_make: facts.exif.cameraMake,
    camera_model: facts.exif.cameraModel,
    lens: facts.exif.lens,
    taken_at: facts.exif.takenAt,
    iso: facts.exif.iso,
    exposure: facts.exif.exposure,
    focal_length: facts.exif.focalLength,
    dominant_colour: facts.dominantColour,
    thumbhash: facts.thumbhash,
    perceptual_hash: facts.perceptualHash,
    original_name: cleanName(input.originalName),
    gps_latitude: facts.gps?.latitude ?? null,
    gps_longitude: facts.gps?.longitude ?? null,
    stream_topic: input.stream?.topic ?? null,
    stream_partition: input.stream?.partition ?? null,
    stream_offset: input.stream?.offset ?? null,
  };
  let replaced: string[];
  try {
    replaced = await withTransaction(deps.db, async (tx) => {
      const due = await tx.query<{ image_id: string }>(q('lock-due-duplicate'), [
        input.owner,
        sha256,
      ]);
      const keys = [];
      for (const { image_id } of due.rows) keys.push(...(await endLocked(tx, image_id, 'expired')));
      await tx.query(q('insert-image'), [JSON.stringify(row), deps.retention]);
      await tx.query(q('insert-objects'), [
        JSON.stringify(
          objects.map(({ bytes: data, ...o }) => ({ ...o, image_id: imageId, bytes: data.length })),
        ),
      ]);
      return keys;
    });
  } catch (error) {
    await Promise.all(objects.map((o) => deps.store.delete(o.object_key).catch(() => {})));
    // The same bytes arrived twice at once: the other one won, and this is that image.
    if (sqlState(error) === '23505') {
      const winner = await findLive(deps, input.owner, sha256);
      if (winner) return { imageId: winner, duplicate: true };
    }
    throw error;
  }
  // The expired image's bytes: what fails here is an orphan, and the sweeper removes it.
  await Promise.all(replaced.map((key) => deps.store.delete(key).catch(() => {})));
  deps.log.info(
    { imageId, owner: input.owner, source: input.source, format, bytes: bytes.length },
    'image stored',
  );
  if (facts.exifDropped.length > 0)
    deps.log.info({ imageId, exifDropped: facts.exifDropped }, 'EXIF fields left out');
  return { imageId, duplicate: false };
}

export function objectKey(imageId: string, name: string): string {
  return `images/${imageId}/${name}`;
}

export { contentTypeOf };

async function findLive(
  deps: IntakeDeps,
  owner: string,
  sha256: string,
): Promise<string | undefined> {
  const found = await deps.db.query<{ image_id: string }>(q('find-live-image'), [owner, sha256]);
  return found.rows[0]?.image_id;
}

async function recordRefusal(
  deps: IntakeDeps,
  input: IntakeInput,
  refusal: ImageRefusal,
): Promise<void> {
  await deps.db
    .query(q('insert-refusal'), [
      input.owner,
      input.source,
      refusal.reason,
      refusal.message,
      input.bytes.length,
      input.declaredType?.slice(0, 200) ?? null,
    ])
    .catch((error) => deps.log.error({ err: error }, 'could not record a refusal'));
}

/** The name as given, minus any path, control characters and excess length. */
function cleanName(name: string | undefined): string | null {
  if (!name) return null;
  const base = name.split(/[\\/]/).pop() ?? '';
  // Cut by characters, not UTF-16 units: half an emoji is text PostgreSQL refuses.
  const clean = Array.from(base.replace(/[\p{Cc}\p{Cf}]/gu, '').trim())
    .slice(0, 255)
    .join('')
    .toWellFormed();
  return clean === '' ? null : clean;
}

function megabytes(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
