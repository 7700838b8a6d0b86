// Direct uploads, for images larger than a gateway request (API Gateway carries at most 10 MB):
// the API answers a presigned POST that lets the client put 1..maxBytes bytes at exactly
// incoming/<id> in the bucket, encrypted; the client then asks to complete it, and the object
// goes through the same intake as any upload, owned by whoever asked for the claim.
import { randomUUID } from 'node:crypto';
import type { Pool } from '../platform/db/pool.ts';
import { sql } from '../platform/db/sql.ts';
import { AppError } from '../platform/errors.ts';
import { type IntakeDeps, type IntakeResult, intake } from './intake.ts';
import { ImageRefusal } from './processing/refusal.ts';
import { ObjectNotFoundError, type ObjectStore } from './store/object-store.ts';

export type DirectUploadSettings = {
  /** How long the presigned POST is valid, in milliseconds; completing may take as long again. */
  expiry: number;
};

export type DirectUploadDeps = IntakeDeps & { directUploads: DirectUploadSettings | undefined };

export type DirectUpload = {
  id: string;
  url: string;
  fields: Record<string, string>;
  maxBytes: number;
  expiresAt: string;
};

type Claim = {
  upload_id: string;
  owner_id: string;
  original_name: string | null;
  declared_type: string | null;
  completed_at: Date | null;
  expired: boolean;
};

const q = (name: string) => sql(import.meta.url, `db/queries/${name}.sql`);

/** This area's refusals of a direct upload, each with its status and words. */
const refused = {
  off: () =>
    new AppError(
      'direct_uploads_off',
      400,
      'Direct uploads are off here (they need IMAGE_DIRECT_UPLOADS=true and STORAGE=s3); POST the image to /images instead.',
    ),
  unknown: () => new AppError('not_found', 404, 'There is no such direct upload.'),
  notUploaded: () =>
    new AppError(
      'not_uploaded',
      409,
      'Nothing has arrived for this upload yet: POST the file to its url with its fields first.',
    ),
  completed: () =>
    new AppError('already_completed', 409, 'This direct upload was already completed.'),
  expired: () => new AppError('expired', 410, 'This direct upload has expired; ask for a new one.'),
};

/** Where a claim's bytes land: the incoming/ area, which the sweeper keeps clean. */
export function incomingKey(uploadId: string): string {
  return `incoming/${uploadId}`;
}

/** A claim for `owner` and the presigned POST that fills it. */
export async function createDirectUpload(
  deps: DirectUploadDeps,
  input: {
    owner: string;
    name?: string | undefined;
    contentType?: string | undefined;
    size?: number | undefined;
  },
): Promise<DirectUpload> {
  const { expiry, presignPost } = enabled(deps);
  const { maxBytes } = deps.limits;
  if (input.size !== undefined && input.size > maxBytes) {
    throw new ImageRefusal(
      'too_large',
      `The file is ${megabytes(input.size)}; the limit is ${megabytes(maxBytes)}.`,
    );
  }
  const id = randomUUID();
  const now = Date.now();
  const expiresAt = new Date(now + expiry);
  const post = await presignPost(incomingKey(id), { maxBytes, expiresIn: expiry });
  await deps.db.query(q('direct-upload-create'), [
    id,
    input.owner,
    input.name ?? null,
    input.contentType ?? null,
    expiresAt,
    new Date(now + 2 * expiry),
  ]);
  return { id, ...post, maxBytes, expiresAt: expiresAt.toISOString() };
}

/**
 * Takes the landed object in, as `owner` (who must be the claim's): the same intake as any
 * upload, refusals recorded by it. A claim completes once; its object is removed either way.
 */
export async function completeDirectUpload(
  deps: DirectUploadDeps,
  input: { owner: string; id: string },
): Promise<IntakeResult> {
  enabled(deps);
  const found = await deps.db.query<Claim>(q('direct-upload-find'), [input.id]);
  const claim = found.rows[0];
  // Someone else's claim is as unknown as a missing one: ids are not to be probed.
  if (!claim || claim.owner_id !== input.owner) throw refused.unknown();
  if (claim.completed_at) throw refused.completed();
  const key = incomingKey(claim.upload_id);
  if (claim.expired) {
    await deps.store.delete(key);
    throw refused.expired();
  }
  const bytes = await deps.store.get(key).catch((error) => {
    throw error instanceof ObjectNotFoundError ? refused.notUploaded() : error;
  });
  let result: IntakeResult;
  try {
    result = await intake(deps, {
      owner: claim.owner_id,
      source: 'upload',
      bytes,
      originalName: claim.original_name ?? undefined,
      declaredType: claim.declared_type ?? undefined,
    });
  } catch (error) {
    // A refusal is final (the same bytes would be refused again); other errors leave the
    // claim and its object for a retry.
    if (error instanceof ImageRefusal) await finish(deps, claim.upload_id, null, error.reason);
    throw error;
  }
  const first = await finish(deps, claim.upload_id, result.imageId, null);
  if (!first) throw refused.completed();
  return result;
}

/** Claims whose time is up, done or not, and their objects; returns how many went. */
export async function removeStaleDirectUploads(
  deps: { db: Pool; store: ObjectStore },
  batch = 500,
): Promise<number> {
  let removed = 0;
  for (;;) {
    const gone = await deps.db.query<{ upload_id: string }>(q('direct-upload-purge'), [batch]);
    await Promise.all(gone.rows.map((row) => deps.store.delete(incomingKey(row.upload_id))));
    removed += gone.rows.length;
    if (gone.rows.length < batch) return removed;
  }
}

/** Marks the claim done and drops its object; false if another request finished it first. */
async function finish(
  deps: DirectUploadDeps,
  uploadId: string,
  imageId: string | null,
  refusal: string | null,
): Promise<boolean> {
  const done = await deps.db.query(q('direct-upload-complete'), [uploadId, imageId, refusal]);
  await deps.store.delete(incomingKey(uploadId));
  return done.rows.length > 0;
}

/** The settings and the store's presigner, or the refusal that says direct uploads are off. */
function enabled(deps: DirectUploadDeps) {
  const presignPost = deps.store.presignPost?.bind(deps.store);
  if (!deps.directUploads || !presignPost) throw refused.off();
  return { ...deps.directUploads, presignPost };
}

function megabytes(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
