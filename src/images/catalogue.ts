// Reading image metadata: one image, a page of them, and the cached resize objects.
import type { Db } from '../platform/db/pool.ts';
import { sql } from '../platform/db/sql.ts';

export type StoredObjectRef = {
  name: string;
  format: string;
  width: number;
  height: number;
  bytes: number;
  object_key: string;
};

export type ImageRecord = {
  image_id: string;
  owner_id: string;
  source: 'upload' | 'stream';
  sha256: string;
  format: string;
  bytes: number;
  width: number;
  height: number;
  colour_space: string;
  has_alpha: boolean;
  bit_depth: number | null;
  pages: number;
  camera_make: string | null;
  camera_model: string | null;
  lens: string | null;
  taken_at: string | null;
  iso: number | null;
  exposure: string | null;
  focal_length: string | null;
  dominant_colour: string;
  thumbhash: string;
  perceptual_hash: string;
  original_name: string | null;
  created_at: string;
  expires_at: string;
  expired_at: string | null;
  deleted_at: string | null;
  live: boolean;
  objects: StoredObjectRef[];
};

export type ImageSummary = Pick<
  ImageRecord,
  | 'image_id'
  | 'owner_id'
  | 'source'
  | 'format'
  | 'bytes'
  | 'width'
  | 'height'
  | 'original_name'
  | 'dominant_colour'
  | 'thumbhash'
  | 'created_at'
  | 'expires_at'
>;

const q = (name: string) => sql(import.meta.url, `db/queries/${name}.sql`);

export async function getImage(db: Db, imageId: string): Promise<ImageRecord | undefined> {
  const result = await db.query<ImageRecord>(q('get-image'), [imageId]);
  return result.rows[0];
}

/**
 * Live images, newest first: an owner's, or (owner null) everyone's, as `viewer` sees them: the
 * original name of another's image is null.
 */
export async function listImages(
  db: Db,
  viewer: string,
  owner: string | null,
  page: number,
  perPage: number,
) {
  const result = await db.query<ImageSummary & { total: number }>(q('list-images'), [
    owner,
    perPage,
    (page - 1) * perPage,
    viewer,
  ]);
  return {
    data: result.rows.map(({ total: _total, ...row }) => row),
    total: result.rows[0]?.total ?? 0,
  };
}

/**
 * Records a size made on request, so the next request is served from the store, only while the
 * image lives (atomically, see record-resize.sql). False when the image is gone: then the caller
 * deletes the object it wrote.
 */
export async function recordObjectWhileLive(
  db: Db,
  imageId: string,
  object: StoredObjectRef,
): Promise<boolean> {
  const result = await db.query<{ live: boolean }>(q('record-resize'), [
    imageId,
    JSON.stringify(object),
  ]);
  return result.rows[0]?.live === true;
}
