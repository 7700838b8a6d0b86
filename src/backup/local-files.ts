// The parts of a backup that live in files: the fs store's objects, copied sealed as they are (so
// the archive holds no plaintext image), and the secrets kept in the data directory.
import type { Dirent } from 'node:fs';
import { readdir, readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { TEMP_PREFIX, writeFileAtomic } from '../images/store/atomic-file.ts';
import { AppError } from '../platform/errors.ts';

/** Each object file under root, as a path relative to it (temp files of unfinished writes left out). */
export async function* objectFiles(root: string): AsyncGenerator<string> {
  let entries: Dirent[];
  try {
    entries = await readdir(root, { withFileTypes: true, recursive: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  for (const entry of entries) {
    if (!entry.isFile() || entry.name.startsWith(TEMP_PREFIX)) continue;
    yield path.relative(root, path.join(entry.parentPath, entry.name)).split(path.sep).join('/');
  }
}

export async function readObjectFile(root: string, relative: string) {
  const file = path.join(root, relative);
  const [body, info] = await Promise.all([readFile(file), stat(file)]);
  return { body, mtime: info.mtime.toISOString() };
}

/** Writes one object back, refusing a path that would leave root (the archive is input too). */
export async function writeObjectFile(
  root: string,
  relative: string,
  body: Buffer,
  mtime: string,
): Promise<void> {
  const file = path.resolve(root, relative);
  if (!file.startsWith(`${path.resolve(root)}${path.sep}`))
    throw new AppError(
      'bad_backup',
      400,
      `The backup names an object outside the store: ${relative}`,
    );
  // The sweeper reads an object's age from its mtime: it comes back as it was.
  await writeFileAtomic(file, body, { mode: 0o600, mtime: new Date(mtime) });
}

export async function hasObjects(root: string): Promise<boolean> {
  for await (const _ of objectFiles(root)) return true;
  return false;
}

export async function emptyStore(root: string): Promise<void> {
  await rm(root, { recursive: true, force: true });
}

/** The text of a secret file, or null when there is none. */
export async function readSecretFile(file: string): Promise<string | null> {
  return readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return null;
    throw error;
  });
}

export async function writeSecretFile(file: string, text: string): Promise<void> {
  await writeFileAtomic(file, text, { mode: 0o600 });
}
