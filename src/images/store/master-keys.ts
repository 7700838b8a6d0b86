import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { AppError } from '../../platform/errors.ts';
import { createFileAtomic, writeFileAtomic } from './atomic-file.ts';

/** The master keys that wrap data keys: new objects use current; any listed key can unwrap. */
export type Keyring = { readonly current: string; readonly keys: ReadonlyMap<string, Buffer> };

export const MASTER_KEY_BYTES = 32;
const KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** Refers to keys by id only: key material never goes into a message. */
export class KeyringError extends AppError {
  constructor(message: string) {
    super('keyring_invalid', 500, message);
    this.name = 'KeyringError';
  }
}

/** A fresh key with an id that sorts by creation date and does not collide in practice. */
export function generateMasterKey(now = new Date()): { id: string; key: Buffer } {
  const day = now.toISOString().slice(0, 10).replaceAll('-', '');
  return { id: `mk-${day}-${randomBytes(4).toString('hex')}`, key: randomBytes(MASTER_KEY_BYTES) };
}

export function createKeyring(current: string, keys: Iterable<[string, Buffer]>): Keyring {
  const map = new Map(keys);
  for (const [id, key] of map) checkKey(id, key);
  if (!map.has(current)) throw new KeyringError(`The current master key '${current}' is missing.`);
  return Object.freeze({ current, keys: map });
}

/** `STORAGE_MASTER_KEYS="id1:base64,id2:base64"`, the first being current (deployments). */
export function keyringFromEnv(value: string): Keyring {
  const entries = value
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .map((part, index): [string, Buffer] => {
      const colon = part.indexOf(':');
      if (colon < 1) {
        throw new KeyringError(`STORAGE_MASTER_KEYS entry ${index + 1} is not id:base64.`);
      }
      return [part.slice(0, colon), decodeKey(part.slice(colon + 1), part.slice(0, colon))];
    });
  const first = entries[0];
  if (!first) throw new KeyringError('STORAGE_MASTER_KEYS holds no key.');
  if (new Set(entries.map(([id]) => id)).size !== entries.length) {
    throw new KeyringError('STORAGE_MASTER_KEYS names a key id twice.');
  }
  return createKeyring(first[0], entries);
}

type KeyringFile = { version: 1; current: string; keys: Record<string, string> };

/** The embedded default: a 0600 JSON file, created with one random key on first use. */
export async function loadKeyring(file: string): Promise<Keyring> {
  const text = await readFile(file, 'utf8').catch(async (error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT') throw error;
    await createKeyringFile(file);
    return readFile(file, 'utf8');
  });
  let parsed: KeyringFile;
  try {
    parsed = JSON.parse(text) as KeyringFile;
  } catch {
    throw new KeyringError(`The keyring ${file} is not valid JSON.`);
  }
  if (parsed?.version !== 1 || typeof parsed.keys !== 'object' || parsed.keys === null) {
    throw new KeyringError(`The keyring ${file} is not a version 1 keyring.`);
  }
  const entries = Object.entries(parsed.keys).map(([id, b64]): [string, Buffer] => [
    id,
    decodeKey(String(b64), id),
  ]);
  return createKeyring(String(parsed.current), entries);
}

export async function saveKeyring(file: string, keyring: Keyring): Promise<void> {
  await writeFileAtomic(file, serialise(keyring), { mode: 0o600 });
}

/** Adds a new key and makes it current; objects written before still open with their old key. */
export async function rotateMasterKey(
  keyringFile: string,
): Promise<{ keyring: Keyring; id: string }> {
  const old = await loadKeyring(keyringFile);
  const fresh = generateMasterKey();
  const keyring = createKeyring(fresh.id, [...old.keys, [fresh.id, fresh.key]]);
  await saveKeyring(keyringFile, keyring);
  return { keyring, id: fresh.id };
}

/** The keyring without the given keys; never the current one. */
export function withoutKeys(keyring: Keyring, ids: Iterable<string>): Keyring {
  const drop = new Set(ids);
  if (drop.has(keyring.current)) {
    throw new KeyringError(`The current master key '${keyring.current}' cannot be retired.`);
  }
  return createKeyring(
    keyring.current,
    [...keyring.keys].filter(([id]) => !drop.has(id)),
  );
}

async function createKeyringFile(file: string): Promise<void> {
  const { id, key } = generateMasterKey();
  // If another process created it first, createFileAtomic leaves theirs and we read it.
  await createFileAtomic(file, serialise(createKeyring(id, [[id, key]])), { mode: 0o600 });
}

function serialise(keyring: Keyring): string {
  const keys = Object.fromEntries(
    [...keyring.keys].map(([id, key]) => [id, key.toString('base64')]),
  );
  const file: KeyringFile = { version: 1, current: keyring.current, keys };
  return `${JSON.stringify(file, null, 2)}\n`;
}

function decodeKey(base64: string, id: string): Buffer {
  checkId(id);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(base64)) {
    throw new KeyringError(`The master key '${id}' is not base64.`);
  }
  return Buffer.from(base64, 'base64');
}

function checkKey(id: string, key: Buffer): void {
  checkId(id);
  if (key.length !== MASTER_KEY_BYTES) {
    throw new KeyringError(`The master key '${id}' is not ${MASTER_KEY_BYTES} bytes.`);
  }
}

function checkId(id: string): void {
  if (!KEY_ID.test(id)) {
    // Not echoed: a key pasted the wrong way round would put its material in the id.
    throw new KeyringError('A master key id is invalid: use 1-64 of A-Z a-z 0-9 . _ -');
  }
}
