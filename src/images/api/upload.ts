// An upload streamed to a temporary file as it arrives, never held whole in memory while it
// travels; the byte limit is enforced as the bytes come, so an oversized upload is cut off early.
import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ImageRefusal } from '../processing/refusal.ts';

const spool = path.join(tmpdir(), 'tessera-uploads');

/** Streams `source` to a temporary file, then hands its bytes to `use`; the file is always removed. */
export async function withSpooledUpload<T>(
  source: Readable,
  maxBytes: number,
  use: (bytes: Buffer) => Promise<T>,
): Promise<T> {
  await mkdir(spool, { recursive: true, mode: 0o700 });
  const file = path.join(spool, randomUUID());
  try {
    let seen = 0;
    const limit = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        seen += chunk.length;
        if (seen > maxBytes) {
          callback(
            new ImageRefusal(
              'too_large',
              `The file is larger than the limit of ${(maxBytes / 1024 / 1024).toFixed(1)} MB.`,
            ),
          );
        } else callback(null, chunk);
      },
    });
    await pipeline(source, limit, createWriteStream(file, { mode: 0o600 }));
    return await use(await readFile(file));
  } finally {
    await rm(file, { force: true });
  }
}
