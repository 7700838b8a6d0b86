// The backup's secrets (the object store's master keys) are sealed under a passphrase: scrypt
// stretches it into a key (N = 2^17, OWASP's parameters), AES-256-GCM seals and authenticates.
// Without the passphrase the archive's images are as unreadable as the store itself.
import { createCipheriv, createDecipheriv, randomBytes, scrypt } from 'node:crypto';
import { AppError } from '../platform/errors.ts';

export type SealedBox = {
  kdf: 'scrypt';
  N: number;
  r: number;
  p: number;
  salt: string;
  iv: string;
  tag: string;
  data: string;
};

const AAD = Buffer.from('tessera backup secrets v1');
const cost = { N: 2 ** 17, r: 8, p: 1 };

export async function sealWithPassphrase(passphrase: string, plain: Buffer): Promise<SealedBox> {
  const salt = randomBytes(16);
  const iv = randomBytes(12);
  const key = await deriveKey(passphrase, salt, cost);
  const cipher = createCipheriv('aes-256-gcm', key, iv).setAAD(AAD);
  const data = Buffer.concat([cipher.update(plain), cipher.final()]);
  const b64 = (b: Buffer) => b.toString('base64');
  return {
    kdf: 'scrypt',
    ...cost,
    salt: b64(salt),
    iv: b64(iv),
    tag: b64(cipher.getAuthTag()),
    data: b64(data),
  };
}

export async function openWithPassphrase(passphrase: string, box: SealedBox): Promise<Buffer> {
  if (box.kdf !== 'scrypt' || box.N > 2 ** 20 || box.r > 16 || box.p > 4)
    throw new AppError(
      'bad_backup',
      400,
      'The backup seals its keys in a way this release does not know.',
    );
  const b = (s: string) => Buffer.from(s, 'base64');
  const key = await deriveKey(passphrase, b(box.salt), box);
  const decipher = createDecipheriv('aes-256-gcm', key, b(box.iv)).setAAD(AAD);
  decipher.setAuthTag(b(box.tag));
  try {
    return Buffer.concat([decipher.update(b(box.data)), decipher.final()]);
  } catch {
    throw new AppError(
      'wrong_passphrase',
      400,
      "Wrong passphrase: the backup's keys do not open with it.",
    );
  }
}

function deriveKey(
  passphrase: string,
  salt: Buffer,
  params: { N: number; r: number; p: number },
): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(
      passphrase.normalize('NFC'),
      salt,
      32,
      { N: params.N, r: params.r, p: params.p, maxmem: 256 * params.N * params.r },
      (error, key) => (error ? reject(error) : resolve(key)),
    ),
  );
}
