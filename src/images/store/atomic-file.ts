import { randomBytes } from 'node:crypto';
import { type FileHandle, link, mkdir, open, rename, unlink } from 'node:fs/promises';
import path from 'node:path';

// '@' never appears in an object key or a keyring name, so a temp file is never mistaken
// for one, and a crash leaves only names that list() skips and a sweep can remove.
export const TEMP_PREFIX = '@tmp-';

export type AtomicWriteOptions = { mode?: number; mtime?: Date };
/** The most buffers one writev takes (Linux's IOV_MAX). */
const IOV_MAX = 1024;
/** What a file is written from: one piece, or pieces written one after another (never joined). */
export type FileContents = Buffer | string | readonly Buffer[];

/**
 * Replaces file with data all at once: written to a temp name in the same directory,
 * fsynced, renamed over, and the directory fsynced, so a crash leaves the old file or the
 * new one, never half of either, and a resolved promise means the new one is on disk.
 */
export async function writeFileAtomic(
  file: string,
  data: FileContents,
  options: AtomicWriteOptions = {},
): Promise<void> {
  const temp = await writeTemp(file, data, options);
  try {
    await rename(temp, file);
  } catch (error) {
    await unlink(temp).catch(() => {});
    throw error;
  }
  await syncDirectory(path.dirname(file));
}

/**
 * Creates file with data unless it exists; false if another writer got there first. A
 * hard link is created whole or not at all, so no reader ever sees a half-written file.
 */
export async function createFileAtomic(
  file: string,
  data: FileContents,
  options: AtomicWriteOptions = {},
): Promise<boolean> {
  const temp = await writeTemp(file, data, options);
  try {
    await link(temp, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return false;
  } finally {
    await unlink(temp).catch(() => {});
  }
  await syncDirectory(path.dirname(file));
  return true;
}

async function writeTemp(file: string, data: FileContents, options: AtomicWriteOptions) {
  const directory = path.dirname(file);
  await makeDirectory(directory);
  const temp = path.join(directory, `${TEMP_PREFIX}${randomBytes(8).toString('hex')}`);
  const handle = await open(temp, 'wx', options.mode ?? 0o600);
  try {
    if (Array.isArray(data)) await writePieces(handle, data);
    else await handle.writeFile(data as Buffer | string);
    // Keeping the old mtime lets a rewrite that changes no content keep its expiry clock.
    if (options.mtime) await handle.utimes(options.mtime, options.mtime);
    await handle.sync();
  } catch (error) {
    await handle.close();
    await unlink(temp).catch(() => {});
    throw error;
  }
  await handle.close();
  return temp;
}

/** Every piece, in order, in as few system calls as the kernel takes them (writev). */
async function writePieces(handle: FileHandle, pieces: readonly Buffer[]): Promise<void> {
  let rest = pieces.filter((piece) => piece.length > 0);
  while (rest.length > 0) {
    const { bytesWritten } = await handle.writev(rest.slice(0, IOV_MAX));
    if (bytesWritten === 0) throw new Error(`writing ${handle.fd} made no progress`);
    rest = remaining(rest, bytesWritten);
  }
}

/** What is left of the pieces once `written` bytes from their start are on disk. */
function remaining(pieces: Buffer[], written: number): Buffer[] {
  let left = written;
  let first = 0;
  while (first < pieces.length && left >= (pieces[first] as Buffer).length) {
    left -= (pieces[first] as Buffer).length;
    first++;
  }
  const rest = pieces.slice(first);
  if (left > 0 && rest[0]) rest[0] = rest[0].subarray(left);
  return rest;
}

async function makeDirectory(directory: string): Promise<void> {
  const first = await mkdir(directory, { recursive: true });
  if (first === undefined) return;
  // A new directory is an entry in its parent, which must reach the disk as well.
  for (let dir = directory; dir !== path.dirname(first); dir = path.dirname(dir)) {
    await syncDirectory(path.dirname(dir));
  }
}

/** Makes a rename or unlink in directory durable. */
export async function syncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
