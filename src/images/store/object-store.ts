import { AppError } from '../../platform/errors.ts';

export type StoredObject = { key: string; size: number; modifiedAt: Date };

/** Where images live: one interface, an `fs` and an `s3` driver, one conformance suite. */
export interface ObjectStore {
  /** Writes the object whole (replacing any earlier one); resolves once it is durable. */
  put(key: string, body: Buffer): Promise<void>;
  /** The object's bytes, verified; throws ObjectNotFoundError if there is none, ObjectTamperedError if it fails its integrity check. */
  get(key: string): Promise<Buffer>;
  /** Idempotent: deleting a missing object is not an error. */
  delete(key: string): Promise<void>;
  /** Every object whose key starts with prefix (keys use '/' as separator, e.g. 'originals/ab/abcd…'). */
  list(prefix: string): AsyncIterable<StoredObject>;
  /** A one-line description for logs and `tessera config`, with no secrets. */
  describe(): string;
  /**
   * Only where clients may write straight to the store (s3): a signed form for one POST of
   * 1..maxBytes bytes to exactly `key`, encrypted as put() would, valid for `expiresIn` ms.
   */
  presignPost?(
    key: string,
    limits: { maxBytes: number; expiresIn: number },
  ): Promise<PresignedPost>;
}

/** S3's browser-based upload: POST multipart/form-data to `url` with `fields`, the file last. */
export type PresignedPost = { url: string; fields: Record<string, string> };

export class ObjectNotFoundError extends AppError {
  readonly key: string;

  constructor(key: string) {
    super('object_not_found', 404, `No object is stored under '${key}'.`);
    this.name = 'ObjectNotFoundError';
    this.key = key;
  }
}

/** The stored bytes are not the ones written: never hand out any of them. */
export class ObjectTamperedError extends AppError {
  readonly key: string;

  constructor(key: string, reason: string, options?: ErrorOptions) {
    super(
      'object_tampered',
      500,
      `The object '${key}' failed its integrity check: ${reason}.`,
      options,
    );
    this.name = 'ObjectTamperedError';
    this.key = key;
  }
}

export class InvalidObjectKeyError extends AppError {
  constructor(key: string, reason: string) {
    super(
      'invalid_object_key',
      400,
      `Invalid object key ${JSON.stringify(key.slice(0, 80))}: ${reason}.`,
    );
    this.name = 'InvalidObjectKeyError';
  }
}

export const MAX_KEY_LENGTH = 512;
// A filesystem name holds at most 255 bytes; 200 leaves room for the fs driver's suffixes,
// and the rule is the same for every driver so a key valid on S3 is valid on disk.
export const MAX_SEGMENT_LENGTH = 200;
const KEY_CHARACTERS = /^[A-Za-z0-9._/-]*$/;

/** Throws InvalidObjectKeyError unless key is a safe relative path of allowed characters. */
export function assertValidKey(key: string): void {
  if (key === '') throw new InvalidObjectKeyError(key, 'it is empty');
  checkPath(key);
  if (key.endsWith('/')) throw new InvalidObjectKeyError(key, 'it ends with /');
}

/** A prefix obeys the key rules but may be empty or end with '/'. */
export function assertValidPrefix(prefix: string): void {
  if (prefix !== '') checkPath(prefix.endsWith('/') ? prefix.slice(0, -1) : prefix);
}

function checkPath(key: string): void {
  if (key.length > MAX_KEY_LENGTH) {
    throw new InvalidObjectKeyError(key, `it is longer than ${MAX_KEY_LENGTH} characters`);
  }
  if (!KEY_CHARACTERS.test(key)) {
    throw new InvalidObjectKeyError(key, 'only A-Z a-z 0-9 . _ - / are allowed');
  }
  if (key.startsWith('/')) throw new InvalidObjectKeyError(key, 'it starts with /');
  if (key.includes('..')) throw new InvalidObjectKeyError(key, "it contains '..'");
  for (const segment of key.split('/')) {
    // Empty and '.' segments would let two keys name the same file on disk.
    if (segment === '' || segment === '.') {
      throw new InvalidObjectKeyError(key, "it has an empty or '.' segment");
    }
    if (segment.length > MAX_SEGMENT_LENGTH) {
      throw new InvalidObjectKeyError(key, `a segment is longer than ${MAX_SEGMENT_LENGTH}`);
    }
  }
}
