// A backup is one gzip file holding a sequence of entries, read and written as a stream so that no
// table or folder has to fit in memory. No tar library is installed, and a tar entry would need its
// size before its bytes anyway; this format is as simple (see docs in the README):
//
//   TESSERA-BACKUP 1\n
//   then per entry: one line of JSON (the header, with `kind` and `size`), \n, `size` raw bytes
//   and last an entry of kind "end", so a cut-off file is told from a whole one.

import { once } from 'node:events';
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { link, unlink } from 'node:fs/promises';
import { createGunzip, createGzip } from 'node:zlib';
import { AppError } from '../platform/errors.ts';

const MAGIC = 'TESSERA-BACKUP 1\n';

export type EntryHeader = { kind: string; size: number; [field: string]: unknown };
export type Entry = { header: EntryHeader; body: Buffer };

export type ArchiveWriter = {
  add(header: Omit<EntryHeader, 'size'>, body?: Buffer | string): Promise<void>;
  /** Writes the end marker and puts the file in place; until then only a temp file exists. */
  finish(): Promise<void>;
  abandon(): Promise<void>;
};

export async function createArchive(file: string): Promise<ArchiveWriter> {
  if (existsSync(file))
    throw new AppError(
      'exists',
      409,
      `${file} exists: a backup never overwrites a file; choose another name.`,
    );
  const temp = `${file}.partial`;
  const gzip = createGzip();
  const out = createWriteStream(temp, { mode: 0o600, flags: 'wx' });
  gzip.pipe(out);
  await once(out, 'open');
  const write = async (chunk: Buffer | string) => {
    if (!gzip.write(chunk)) await once(gzip, 'drain');
  };
  await write(MAGIC);
  const add = async (header: Omit<EntryHeader, 'size'>, body: Buffer | string = '') => {
    const bytes = typeof body === 'string' ? Buffer.from(body) : body;
    await write(`${JSON.stringify({ ...header, size: bytes.length })}\n`);
    await write(bytes);
  };
  return {
    add,
    async finish() {
      await add({ kind: 'end' });
      gzip.end();
      await once(out, 'close');
      // A link, unlike a rename, never replaces a file that appeared in the meantime.
      await link(temp, file).finally(() => unlink(temp).catch(() => {}));
    },
    async abandon() {
      gzip.destroy();
      out.destroy();
      await unlink(temp).catch(() => {});
    },
  };
}

/** Each entry in order; throws if the file is not a backup or was cut off. */
export async function* readArchive(file: string): AsyncGenerator<Entry> {
  const input = createReadStream(file).pipe(createGunzip());
  let buffer: Buffer = Buffer.alloc(0);
  let started = false;
  let ended = false;
  let pending: EntryHeader | undefined;
  try {
    for await (const chunk of input) {
      buffer = buffer.length === 0 ? (chunk as Buffer) : Buffer.concat([buffer, chunk as Buffer]);
      if (!started) {
        if (buffer.length < MAGIC.length) continue;
        if (buffer.subarray(0, MAGIC.length).toString() !== MAGIC) throw notABackup(file);
        buffer = buffer.subarray(MAGIC.length);
        started = true;
      }
      for (;;) {
        if (!pending) {
          const newline = buffer.indexOf(10);
          if (newline < 0) break;
          pending = parseHeader(buffer.subarray(0, newline).toString(), file);
          buffer = buffer.subarray(newline + 1);
        }
        if (buffer.length < pending.size) break;
        const entry = { header: pending, body: Buffer.from(buffer.subarray(0, pending.size)) };
        buffer = buffer.subarray(pending.size);
        pending = undefined;
        if (entry.header.kind === 'end') {
          ended = true;
          return;
        }
        yield entry;
      }
    }
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw new AppError(
      'bad_backup',
      400,
      `${file} is not a readable Tessera backup (${(error as Error).message}).`,
    );
  } finally {
    input.destroy();
  }
  if (!started) throw notABackup(file);
  if (!ended) throw new AppError('bad_backup', 400, `${file} is cut off: it has no end marker.`);
}

function parseHeader(line: string, file: string): EntryHeader {
  try {
    const header = JSON.parse(line) as EntryHeader;
    if (typeof header.kind === 'string' && Number.isInteger(header.size) && header.size >= 0)
      return header;
  } catch {}
  throw notABackup(file);
}

const notABackup = (file: string) =>
  new AppError('bad_backup', 400, `${file} is not a Tessera backup.`);
