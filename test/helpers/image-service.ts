// The image pipeline's parts on a test database and an encrypted store in a temporary folder.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { IntakeDeps } from '../../src/images/intake.ts';
import type { ImageLimits } from '../../src/images/processing/limits.ts';
import { createFsStore, type FsObjectStore } from '../../src/images/store/fs-store.ts';
import { createKeyring, generateMasterKey } from '../../src/images/store/master-keys.ts';
import { loadConfig } from '../../src/platform/config.ts';
import { createLogger } from '../../src/platform/log.ts';
import { createTestDatabase, type TestDatabase } from './database.ts';

/** Every default of the configuration, as a service started without settings gets them. */
const defaults = loadConfig({});

export type ImageTestbed = IntakeDeps & {
  /** The image API's settings besides the intake's, at their defaults. */
  resizePresets: typeof defaults.images.resizePresets;
  nearDuplicates: typeof defaults.imageApi.nearDuplicates;
  sqlWorkspace: typeof defaults.sqlWorkspace;
  /** The database's URL as its owner: the analysts' workspace logs in beside it. */
  databaseUrl: string;
  /** The variables that point a service at this bed's database and store. */
  env: Record<string, string>;
  database: TestDatabase;
  store: FsObjectStore;
  root: string;
  /** The store's master key as STORAGE_MASTER_KEYS spells it, for another process on the same store. */
  masterKeys: string;
  close(): Promise<void>;
};

export async function createImageTestbed(
  options: { retention?: number; limits?: Partial<ImageLimits> } = {},
): Promise<ImageTestbed> {
  const database = await createTestDatabase();
  const root = await mkdtemp(path.join(tmpdir(), 'tessera-objects-'));
  const key = generateMasterKey();
  const store = createFsStore({ root, keyring: createKeyring(key.id, [[key.id, key.key]]) });
  return {
    database,
    db: database.admin,
    store,
    root,
    masterKeys: `${key.id}:${key.key.toString('base64')}`,
    limits: { ...defaults.images.limits, ...options.limits },
    retention: options.retention ?? defaults.images.retention,
    resizePresets: defaults.images.resizePresets,
    nearDuplicates: defaults.imageApi.nearDuplicates,
    sqlWorkspace: defaults.sqlWorkspace,
    databaseUrl: database.url,
    env: {
      DATABASE_URL: database.url,
      STORAGE_DIR: root,
      STORAGE_MASTER_KEYS: `${key.id}:${key.key.toString('base64')}`,
    },
    log: createLogger('silent'),
    async close() {
      await database.close();
      await rm(root, { recursive: true, force: true });
    },
  };
}

export async function storedKeys(store: FsObjectStore): Promise<string[]> {
  const keys: string[] = [];
  for await (const object of store.list('images/')) keys.push(object.key);
  return keys.sort();
}
