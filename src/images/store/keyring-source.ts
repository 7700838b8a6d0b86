// Where the fs store finds its master keys while it runs. A keyring file may be rewritten by
// another process (`tessera images rotate-key`: a new current key, every object re-wrapped under
// it) while image APIs and stream consumers keep running: they read the file again when an
// object names a key they do not hold, and look at it every few seconds before sealing, so new
// objects soon use the new key. No restart, and nothing to coordinate between processes: the
// file is replaced whole (rename), and it is the truth.
import { stat } from 'node:fs/promises';
import { type Keyring, loadKeyring } from './master-keys.ts';

export type KeyringSource = {
  /** The keyring as last read. */
  readonly latest: Keyring;
  /** The keyring to seal new objects with: read again if its file changed since it was last looked at. */
  forSealing(): Promise<Keyring>;
  /** A keyring that holds `id` if the file has it now; otherwise the latest (the caller reports the key unknown). */
  holding(id: string): Promise<Keyring>;
};

/** A keyring that never changes: STORAGE_MASTER_KEYS (changed by a restart), tests. */
export function fixedKeyring(keyring: Keyring): KeyringSource {
  return {
    latest: keyring,
    forSealing: async () => keyring,
    holding: async () => keyring,
  };
}

/** The keyring file, read now (created on first use) and again whenever it changes. */
export async function watchKeyringFile(
  file: string,
  options: { checkEvery?: number } = {},
): Promise<KeyringSource> {
  const checkEvery = options.checkEvery ?? 2000;
  // Read before the keyring so that a write in between is noticed next time, never missed.
  let seen = await fingerprint(file);
  let keyring = await loadKeyring(file);
  let lookedAt = Date.now();
  let looking: Promise<Keyring> | undefined;
  const look = () => {
    looking ??= (async () => {
      try {
        const now = await fingerprint(file);
        lookedAt = Date.now();
        // A vanished file forgets no key: the keys held stay until a file says otherwise.
        if (now !== null && now !== seen) {
          keyring = await loadKeyring(file);
          seen = now;
        }
        return keyring;
      } finally {
        looking = undefined;
      }
    })();
    return looking;
  };
  return {
    get latest() {
      return keyring;
    },
    forSealing: async () => (Date.now() - lookedAt < checkEvery ? keyring : look()),
    holding: async (id) => (keyring.keys.has(id) ? keyring : look()),
  };
}

/** Changes whenever the file is replaced or written (a rename gives it a new inode and ctime). */
async function fingerprint(file: string): Promise<string | null> {
  const stats = await stat(file, { bigint: true }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return null;
    throw error;
  });
  return stats && `${stats.ino}:${stats.size}:${stats.mtimeNs}:${stats.ctimeNs}`;
}
