// The tus server's DataStore over resumable-uploads.ts: what @tus/server calls for each request,
// answered from PostgreSQL and the object store, so no instance holds an upload of its own.
import type { Readable } from 'node:stream';
import { DataStore, ERRORS, Upload } from '@tus/server';
import {
  abandonAfter,
  appendPart,
  createUpload,
  declareLength,
  findUpload,
  removeAbandonedUploads,
  removeParts,
  takeUpload,
  type UploadDeps,
} from '../resumable-uploads.ts';
import { readAtMost } from './upload.ts';

/** The most one PATCH may carry: it is held in memory as one part. */
export const maxPartBytes = 16 * 1024 * 1024;

/** A refusal in the form the tus server sends: its status, and our { code, message } body. */
export type Rejection = { status_code: number; body: string };

export function reject(status: number, code: string, message: string): Rejection {
  return { status_code: status, body: JSON.stringify({ code, message }) };
}

export const partTooLarge = () =>
  reject(
    413,
    'part_too_large',
    `One request may carry at most ${maxPartBytes / 1024 / 1024} MB; send the upload in smaller chunks.`,
  );

export class ObjectStoreDataStore extends DataStore {
  readonly deps: UploadDeps;

  constructor(deps: UploadDeps) {
    super();
    this.deps = deps;
    this.extensions = [
      'creation',
      'creation-with-upload',
      'creation-defer-length',
      'termination',
      'expiration',
    ];
  }

  /** The owner is metadata.owner, set by the server's onUploadCreate; it is kept apart from what the client sent. */
  override async create(upload: Upload): Promise<Upload> {
    const { owner, ...metadata } = upload.metadata ?? {};
    if (!owner) throw ERRORS.UNKNOWN_ERROR;
    await createUpload(this.deps.db, { id: upload.id, owner, length: upload.size, metadata });
    return upload;
  }

  override async getUpload(id: string): Promise<Upload> {
    const found = await findUpload(this.deps.db, id);
    if (!found) throw ERRORS.FILE_NOT_FOUND;
    return new Upload({
      id,
      ...(found.length === undefined ? {} : { size: found.length }),
      offset: found.offset,
      metadata: { ...found.metadata, owner: found.owner },
      creation_date: found.createdAt,
      storage: { type: 'object-store', path: `uploads/${id}/` },
    });
  }

  /** One PATCH's bytes become one part; a PATCH for an offset that is no longer current is refused (409), whichever instance moved it. */
  override async write(stream: Readable, id: string, offset: number): Promise<number> {
    const bytes = await readAtMost(stream, maxPartBytes, partTooLarge);
    if (bytes.length === 0) return offset;
    const next = await appendPart(this.deps, id, offset, bytes);
    if (next === undefined) throw ERRORS.INVALID_OFFSET;
    return next;
  }

  override async declareUploadLength(id: string, length: number): Promise<void> {
    if (!(await declareLength(this.deps.db, id, length))) throw ERRORS.INVALID_LENGTH;
  }

  override async remove(id: string): Promise<void> {
    if (!(await takeUpload(this.deps.db, id, { complete: false }))) throw ERRORS.FILE_NOT_FOUND;
    await removeParts(this.deps.store, id);
  }

  override async deleteExpired(): Promise<number> {
    const { abandoned } = await removeAbandonedUploads(this.deps, { grace: 3_600_000 });
    return abandoned;
  }

  override getExpiration(): number {
    return abandonAfter;
  }
}
