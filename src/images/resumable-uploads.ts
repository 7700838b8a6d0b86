// Resumable uploads in parts, shared by every image API instance: the bookkeeping in PostgreSQL,
// the bytes in the object store (encrypted like every object), one part object per PATCH. Nothing
// of an upload is on an instance's disk, so any instance continues any upload, and a crash leaves
// only ciphertext that the sweeper removes. The tus protocol around it is api/resumable.ts.
import { randomBytes } from 'node:crypto';
import type { Pool } from '../platform/db/pool.ts';
import { sql } from '../platform/db/sql.ts';
import type { ObjectStore } from './store/object-store.ts';

export type UploadDeps = { db: Pool; store: ObjectStore };

export type UploadMetadata = Record<string, string | null>;

export type ResumableUpload = {
  id: string;
  owner: string;
  /** Undefined while the client defers it. */
  length: number | undefined;
  offset: number;
  metadata: UploadMetadata;
  createdAt: string;
};

/** An upload not finished within a day is dropped with its parts. */
export const abandonAfter = 24 * 3_600_000;

const q = (name: string) => sql(import.meta.url, `db/queries/resumable-upload-${name}.sql`);
const area = 'uploads/';

/** Where a part lands: its offset (zero-padded, so keys sort in order) and a nonce, so that two racing writers never share a key. */
function partKey(id: string, offset: number): string {
  return `${area}${id}/${String(offset).padStart(15, '0')}-${randomBytes(4).toString('hex')}`;
}

export async function createUpload(
  db: Pool,
  input: { id: string; owner: string; length: number | undefined; metadata: UploadMetadata },
): Promise<void> {
  await db.query(q('create'), [input.id, input.owner, input.length ?? null, input.metadata]);
}

export async function findUpload(db: Pool, id: string): Promise<ResumableUpload | undefined> {
  const found = await db.query<{
    upload_id: string;
    owner_id: string;
    upload_length: number | null;
    upload_offset: number;
    metadata: UploadMetadata;
    created_at: string;
  }>(q('find'), [id]);
  const row = found.rows[0];
  return (
    row && {
      id: row.upload_id,
      owner: row.owner_id,
      length: row.upload_length ?? undefined,
      offset: row.upload_offset,
      metadata: row.metadata,
      createdAt: row.created_at,
    }
  );
}

/**
 * Stores `bytes` as the part at `offset` and advances the upload past it, only if it is still at
 * `offset` (by any instance's hand): the new offset, or undefined when the part does not count
 * (the offset was stale, the upload is gone or the part overruns its length), its object removed.
 */
export async function appendPart(
  deps: UploadDeps,
  id: string,
  offset: number,
  bytes: Buffer,
): Promise<number | undefined> {
  const key = partKey(id, offset);
  // Written first: a crash before the row counts it leaves an orphan, never a gap.
  await deps.store.put(key, bytes);
  const advanced = await deps.db.query<{ upload_offset: number }>(q('append'), [
    id,
    offset,
    bytes.length,
    key,
  ]);
  const next = advanced.rows[0]?.upload_offset;
  if (next === undefined) await deps.store.delete(key);
  return next;
}

/** Sets a deferred length once; false if it was set already or is below what arrived. */
export async function declareLength(db: Pool, id: string, length: number): Promise<boolean> {
  return (await db.query(q('declare-length'), [id, length])).rows.length > 0;
}

/**
 * Takes the upload away for whoever finishes it (`complete`: only once all its bytes are in) or
 * cancels it: its row is gone and its parts are the caller's to read and remove.
 */
export async function takeUpload(
  db: Pool,
  id: string,
  options: { complete: boolean },
): Promise<{ owner: string; metadata: UploadMetadata; parts: string[] } | undefined> {
  const taken = await db.query<{ owner_id: string; metadata: UploadMetadata; parts: string[] }>(
    q('take'),
    [id, options.complete],
  );
  const row = taken.rows[0];
  return row && { owner: row.owner_id, metadata: row.metadata, parts: row.parts };
}

/** The upload's bytes: its parts in order, decrypted and joined. */
export async function readParts(store: ObjectStore, parts: string[]): Promise<Buffer> {
  return Buffer.concat(await Promise.all(parts.map((key) => store.get(key))));
}

/** Every object under the upload's prefix, whether or not it counted. */
export async function removeParts(store: ObjectStore, id: string): Promise<void> {
  const keys: string[] = [];
  for await (const object of store.list(`${area}${id}/`)) keys.push(object.key);
  await Promise.all(keys.map((key) => store.delete(key)));
}

/**
 * The sweeper's part: uploads older than `age` with their parts, then part objects no upload
 * counts (a crash between writing a part and recording it, or while one was taken in) once they
 * are older than `grace`, so that a PATCH or a finish in progress is never touched.
 */
export async function removeAbandonedUploads(
  deps: UploadDeps,
  options: { age?: number; grace: number; batch?: number },
): Promise<{ abandoned: number; orphans: number }> {
  const batch = options.batch ?? 500;
  let abandoned = 0;
  for (;;) {
    const gone = await deps.db.query<{ upload_id: string }>(q('purge'), [
      options.age ?? abandonAfter,
      batch,
    ]);
    for (const row of gone.rows) await removeParts(deps.store, row.upload_id);
    abandoned += gone.rows.length;
    if (gone.rows.length < batch) break;
  }
  return { abandoned, orphans: await removeOrphanParts(deps, options.grace, batch) };
}

async function removeOrphanParts(deps: UploadDeps, grace: number, batch: number) {
  const cutoff = Date.now() - grace;
  let removed = 0;
  let candidates: string[] = [];
  const flush = async () => {
    const ids = [...new Set(candidates.map(uploadIdOf))];
    const rows = await deps.db.query<{ parts: string[] }>(q('parts'), [ids]);
    const counted = new Set(rows.rows.flatMap((row) => row.parts));
    for (const key of candidates) {
      if (counted.has(key)) continue;
      await deps.store.delete(key);
      removed += 1;
    }
    candidates = [];
  };
  for await (const object of deps.store.list(area)) {
    if (object.modifiedAt.getTime() > cutoff) continue;
    candidates.push(object.key);
    if (candidates.length >= batch) await flush();
  }
  if (candidates.length > 0) await flush();
  return removed;
}

function uploadIdOf(key: string): string {
  return key.slice(area.length).split('/')[0] ?? '';
}
