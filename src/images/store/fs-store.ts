import type { Dirent } from 'node:fs';
import { open, readdir, readFile, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { syncDirectory, writeFileAtomic } from './atomic-file.ts';
import {
  MAX_HEADER_BYTES,
  plaintextLength,
  readHeader,
  rewrap,
  sealPieces,
  unseal,
} from './envelope.ts';
import { fixedKeyring, type KeyringSource } from './keyring-source.ts';
import type { Keyring } from './master-keys.ts';
import {
  assertValidKey,
  assertValidPrefix,
  ObjectNotFoundError,
  type ObjectStore,
  type StoredObject,
} from './object-store.ts';

// '@' never appears in a key: an object's file never shares a name with the directory of
// a longer key ('a' and 'a/b' can both exist), nor with a temp file.
const OBJECT_SUFFIX = '@sealed';
const KEY_SEGMENT = /^[A-Za-z0-9._-]+$/;

export type FsStoreOptions = {
  root: string;
  /** A keyring, or a source that may change it while the store is open (a keyring file). */
  keyring: Keyring | KeyringSource;
};

export type RewrapOutcome = 'rewrapped' | 'current' | 'changed' | 'missing';

/** The fs driver, plus what master key rotation needs and other drivers do not have. */
export type FsObjectStore = ObjectStore & {
  readonly root: string;
  /** The keyring as last read. */
  readonly keyring: Keyring;
  /** Re-wraps one object's data key under the current master key; the ciphertext is copied. */
  rewrap(key: string): Promise<RewrapOutcome>;
  /** The id of the master key an object is wrapped under, from its header alone. */
  masterKeyOf(key: string): Promise<string>;
};

/** Objects as envelope-encrypted files under root: no plaintext byte ever reaches the disk. */
export function createFsStore(options: FsStoreOptions): FsObjectStore {
  const root = path.resolve(options.root);
  const keys = 'forSealing' in options.keyring ? options.keyring : fixedKeyring(options.keyring);
  const fileOf = (key: string) => {
    assertValidKey(key);
    return path.join(root, `${key}${OBJECT_SUFFIX}`);
  };
  return {
    root,
    get keyring() {
      return keys.latest;
    },
    async put(key, body) {
      await writeFileAtomic(fileOf(key), sealPieces(key, body, await keys.forSealing()));
    },
    async get(key) {
      const sealed = await readObject(key, fileOf(key));
      return unseal(key, sealed, await keys.holding(readHeader(key, sealed).masterKeyId));
    },
    async delete(key) {
      const file = fileOf(key);
      // Empty directories stay: removing one could race a put renaming into it.
      const removed = await unlink(file).then(() => true, ignoreMissing);
      if (removed) await syncDirectory(path.dirname(file));
    },
    list: (prefix) => listObjects(root, prefix),
    describe: () =>
      `fs ${root} (AES-256-GCM envelopes; master key ${keys.latest.current}, ${keys.latest.keys.size} in keyring)`,
    rewrap: async (key) => rewrapFile(key, fileOf(key), keys),
    masterKeyOf: async (key) => readHeader(key, await readStart(key, fileOf(key))).masterKeyId,
  };
}

async function readObject(key: string, file: string): Promise<Buffer> {
  return readFile(file).catch((error) => {
    if (isMissing(error)) throw new ObjectNotFoundError(key);
    throw error;
  });
}

async function readStart(key: string, file: string): Promise<Buffer> {
  const handle = await open(file, 'r').catch((error) => {
    if (isMissing(error)) throw new ObjectNotFoundError(key);
    throw error;
  });
  try {
    const { buffer, bytesRead } = await handle.read({
      buffer: Buffer.alloc(MAX_HEADER_BYTES),
      position: 0,
    });
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

async function rewrapFile(key: string, file: string, keys: KeyringSource): Promise<RewrapOutcome> {
  const before = await stat(file).catch(ignoreMissing);
  const sealed = before && (await readFile(file).catch(ignoreMissing));
  if (!before || !sealed) return 'missing';
  const next = rewrap(key, sealed, await keys.holding(readHeader(key, sealed).masterKeyId));
  if (!next) return 'current';
  // A put or delete since we read it wins. (The gap left between this check and the rename
  // can at worst restore an object with its old mtime, which the sweeper removes again.)
  const now = await stat(file).catch(ignoreMissing);
  if (!now || now.ino !== before.ino || now.mtimeMs !== before.mtimeMs) return 'changed';
  // The old mtime is kept: re-wrapping must not restart an object's expiry clock.
  await writeFileAtomic(file, next, { mtime: before.mtime });
  return 'rewrapped';
}

async function* listObjects(root: string, prefix: string): AsyncGenerator<StoredObject> {
  assertValidPrefix(prefix);
  // Start in the deepest directory the prefix names whole; filter the rest by name.
  yield* walk(root, prefix.slice(0, prefix.lastIndexOf('/') + 1), prefix);
}

async function* walk(root: string, dirKey: string, prefix: string): AsyncGenerator<StoredObject> {
  const entries = await readdir(path.join(root, dirKey), { withFileTypes: true }).catch((error) =>
    isMissing(error) ? [] : Promise.reject(error),
  );
  // Sorting a directory's names as keys ('a' < 'a/' < 'a-b' …) lists in key order, as S3 does.
  const named = entries.flatMap((entry) => keyNamed(entry, dirKey));
  named.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  for (const { key, entry } of named) {
    if (entry.isDirectory()) {
      if (key.startsWith(prefix) || prefix.startsWith(key)) yield* walk(root, key, prefix);
    } else if (key.startsWith(prefix)) {
      const found = await describeFile(root, key);
      if (found) yield found;
    }
  }
}

function keyNamed(entry: Dirent, dirKey: string): { key: string; entry: Dirent }[] {
  if (entry.isDirectory() && KEY_SEGMENT.test(entry.name)) {
    return [{ key: `${dirKey}${entry.name}/`, entry }];
  }
  const segment = entry.name.slice(0, -OBJECT_SUFFIX.length);
  if (entry.isFile() && entry.name.endsWith(OBJECT_SUFFIX) && KEY_SEGMENT.test(segment)) {
    return [{ key: `${dirKey}${segment}`, entry }];
  }
  return []; // temp files and strangers
}

async function describeFile(root: string, key: string): Promise<StoredObject | null> {
  const file = path.join(root, `${key}${OBJECT_SUFFIX}`);
  const [stats, start] = await Promise.all([
    stat(file).catch(ignoreMissing),
    readStart(key, file).catch((error) =>
      error instanceof ObjectNotFoundError ? null : Promise.reject(error),
    ),
  ]);
  if (!stats || !start) return null; // deleted while we listed
  return { key, size: plaintextLength(stats.size, start), modifiedAt: stats.mtime };
}

function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

function ignoreMissing(error: unknown): false {
  if (isMissing(error)) return false;
  throw error;
}
