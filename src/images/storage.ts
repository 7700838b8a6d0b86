// The object store the configuration asks for, and the operations on it that the CLI offers.
import path from 'node:path';
import type { Config } from '../platform/config.ts';
import { AppError } from '../platform/errors.ts';
import type { Logger } from '../platform/log.ts';
import { createFsStore } from './store/fs-store.ts';
import { rewrapAll } from './store/key-rotation.ts';
import { watchKeyringFile } from './store/keyring-source.ts';
import { keyringFromEnv, rotateMasterKey } from './store/master-keys.ts';
import type { ObjectStore } from './store/object-store.ts';

/** The embedded default keeps its master keys beside the data, readable by their owner only. */
export function keyringFile(config: Config): string {
  return path.join(config.dataDir, 'object-master-keys.json');
}

export async function openStore(config: Config, log: Logger): Promise<ObjectStore> {
  const storage = config.images.storage;
  if (storage.driver === 's3') {
    // Loaded only for S3: the AWS SDK takes a second to load, which every fs command would pay.
    const { createS3Store } = await import('./store/s3-store.ts');
    return createS3Store({
      bucket: storage.bucket,
      region: storage.region,
      ...(storage.endpoint ? { endpoint: storage.endpoint } : {}),
      forcePathStyle: storage.forcePathStyle,
      ...(storage.kmsKeyId ? { kmsKeyId: storage.kmsKeyId } : {}),
    });
  }
  // From the environment it changes with a restart; a file may be rotated while we run.
  const keyring = storage.masterKeys
    ? keyringFromEnv(storage.masterKeys)
    : await watchKeyringFile(keyringFile(config));
  const store = createFsStore({ root: storage.dir, keyring });
  log.debug({ store: store.describe() }, 'object store open');
  return store;
}

/** Adds a master key, makes it current, and re-wraps every object's data key under it. */
export async function rotateStoreKey(
  config: Config,
  log: Logger,
  onProgress: (done: number) => void,
): Promise<string> {
  const storage = config.images.storage;
  if (storage.driver !== 'fs') {
    throw new AppError(
      'not_fs',
      400,
      'Key rotation is for the fs store; S3 encrypts with its own keys (rotate the KMS key in AWS).',
    );
  }
  if (storage.masterKeys) {
    throw new AppError(
      'keys_from_env',
      400,
      'Master keys come from STORAGE_MASTER_KEYS: put a new key first in that list, restart, then run this command to re-wrap.',
    );
  }
  const { id, keyring } = await rotateMasterKey(keyringFile(config));
  const store = createFsStore({ root: storage.dir, keyring });
  let done = 0;
  const report = await rewrapAll(store, () => onProgress(++done));
  log.info({ id }, 'master key rotated');
  return `New master key ${id} is current. Re-wrapped ${report.rewrapped} object(s); ${report.current} already current; ${report.failed} failed${report.failures.map((f) => `\n  ${f.key}: ${f.reason}`).join('')}.`;
}

export async function applyBucketLifecycle(config: Config): Promise<string> {
  const storage = config.images.storage;
  if (storage.driver !== 's3') {
    throw new AppError(
      'not_s3',
      400,
      'The lifecycle rule is for STORAGE=s3; the fs store expires images with its sweeper.',
    );
  }
  const { applyLifecycle, createS3Store } = await import('./store/s3-store.ts');
  const store = createS3Store({
    bucket: storage.bucket,
    region: storage.region,
    ...(storage.endpoint ? { endpoint: storage.endpoint } : {}),
    forcePathStyle: storage.forcePathStyle,
  });
  return applyLifecycle(
    { client: store.client, bucket: store.bucket, prefix: store.prefix },
    Math.max(1, Math.ceil(config.images.retention / 86_400_000)),
  );
}
