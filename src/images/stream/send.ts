// Putting images on the topic, as `tessera stream send` and the stream benchmark do: small ones
// inside the record, larger ones by claim check (the bytes put in the store's incoming area
// first, then a record with an empty value naming them). Whether the owner exists, and whether the
// bytes are an image, is for the consumer to decide; it sends refusals to the dead-letter topic.
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { ObjectStore } from '../store/object-store.ts';
import type { Producer } from './kafka.ts';
import { newClaimKey } from './records.ts';

export type SendDeps = {
  producer: Producer;
  /** Opened only when an image needs a claim check. */
  store: () => Promise<ObjectStore>;
  topic: string;
  /** Images up to this size travel inside the record. */
  inlineMaxBytes: number;
};

export type SentAs = 'inline' | 'claim';

/**
 * Sends one image; keyed by its SHA-256, so one image's records stay in one partition, in order.
 * A claim check gets an object of its own, so two records of the same bytes (two owners, or one
 * twice) never share one that the first would remove.
 */
export async function sendImage(
  deps: SendDeps,
  image: { owner: string; bytes: Buffer; filename?: string | undefined },
): Promise<SentAs> {
  const sha256 = createHash('sha256').update(image.bytes).digest('hex');
  const headers: Record<string, string> = { owner: image.owner };
  if (image.filename) headers.filename = image.filename;
  if (image.bytes.length <= deps.inlineMaxBytes) {
    await deps.producer.send(deps.topic, [{ key: sha256, value: image.bytes, headers }]);
    return 'inline';
  }
  const claim = newClaimKey();
  await (await deps.store()).put(claim, image.bytes);
  await deps.producer.send(deps.topic, [
    { key: sha256, value: Buffer.alloc(0), headers: { ...headers, claim } },
  ]);
  return 'claim';
}

export type FileOutcome = { file: string; sent: SentAs } | { file: string; skipped: string };

/**
 * Sends each file, `concurrency` at a time, telling `onDone` as each is done. A file that cannot
 * be read, is empty or is over `maxBytes` is not sent (the consumer would refuse it anyway).
 */
export async function sendFiles(
  deps: SendDeps,
  input: { owner: string; files: string[]; maxBytes: number; concurrency?: number },
  onDone: (outcome: FileOutcome, done: number) => void,
): Promise<FileOutcome[]> {
  const outcomes: FileOutcome[] = new Array(input.files.length);
  let next = 0;
  let done = 0;
  const worker = async () => {
    for (let i = next++; i < input.files.length; i = next++) {
      const file = input.files[i] as string;
      const outcome = await sendFile(deps, input.owner, file, input.maxBytes);
      outcomes[i] = outcome;
      onDone(outcome, ++done);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, input.concurrency ?? 4) }, worker));
  return outcomes;
}

async function sendFile(
  deps: SendDeps,
  owner: string,
  file: string,
  maxBytes: number,
): Promise<FileOutcome> {
  let bytes: Buffer;
  try {
    const info = await stat(file);
    if (!info.isFile()) return { file, skipped: 'not a file' };
    if (info.size === 0) return { file, skipped: 'empty' };
    if (info.size > maxBytes) {
      return {
        file,
        skipped: `larger than the limit of ${(maxBytes / 1024 / 1024).toFixed(1)} MB`,
      };
    }
    bytes = await readFile(file);
  } catch (error) {
    return { file, skipped: `cannot be read (${(error as NodeJS.ErrnoException).code ?? error})` };
  }
  return { file, sent: await sendImage(deps, { owner, bytes, filename: path.basename(file) }) };
}
