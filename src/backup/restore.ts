// `tessera restore <file>`: checks the whole archive and opens its secrets before anything is
// touched, refuses a target that already holds Tessera data unless forced, then migrates the
// target with this release, gives back the roles, loads every table in one transaction, and
// writes the objects and the secrets.
import { existsSync } from 'node:fs';
import { gatewaySecretFile } from '../images/shared-secret.ts';
import { keyringFile } from '../images/storage.ts';
import type { Config } from '../platform/config.ts';
import { migrate } from '../platform/db/migrate.ts';
import { type Connection, connect } from '../platform/db/pool.ts';
import { openDatabaseServer } from '../platform/db/server.ts';
import { AppError } from '../platform/errors.ts';
import { schemas } from '../schemas.ts';
import { type Entry, readArchive } from './archive.ts';
import type { BackupDeps, Secrets } from './backup.ts';
import {
  createTableLoader,
  isTesseraDatabase,
  type Migration,
  migrationsOf,
  type RoleDump,
  requireSuperuser,
  restoreRoles,
} from './database.ts';
import { emptyStore, hasObjects, writeObjectFile, writeSecretFile } from './local-files.ts';
import { openWithPassphrase, type SealedBox } from './passphrase-box.ts';

type Manifest = { createdAt: string; migrations: Migration[]; storage: string };

export async function restore(
  deps: BackupDeps,
  file: string,
  options: { passphrase: () => Promise<string>; force: boolean },
): Promise<void> {
  const { config } = deps;
  const { manifest, box, objects } = await survey(file);
  const secrets = JSON.parse(
    (await openWithPassphrase(await options.passphrase(), box)).toString('utf8'),
  ) as Secrets;
  const storage = config.images.storage;
  if (objects > 0 && storage.driver !== 'fs')
    throw new AppError(
      'wrong_store',
      400,
      `The backup holds ${objects} object file(s) of the fs store; restore it with STORAGE=fs.`,
    );
  const server = await openDatabaseServer(config, deps.log);
  try {
    const db = await connect(server.url, 'tessera-restore');
    try {
      await requireSuperuser(db, 'A restore');
      const found = await whatTheTargetHolds(config, db);
      if (found.length > 0 && !options.force)
        throw new AppError(
          'target_not_empty',
          409,
          `The target already holds ${found.join(', ')}; a restore replaces all of it. Add --force to go ahead.`,
        );
      await migrate(db, schemas);
      requireSameMigrations(manifest.migrations, await migrationsOf(db));
      if (storage.driver === 'fs') await emptyStore(storage.dir);
      await load(deps, db, file);
    } finally {
      await db.end();
    }
  } finally {
    await server.stop();
  }
  if (secrets.keyring !== null && storage.driver === 'fs' && !storage.masterKeys)
    await writeSecretFile(keyringFile(config), secrets.keyring);
  else if (secrets.keyring !== null)
    deps.out(
      'keys: the backup has master keys, but this installation takes its keys from STORAGE_MASTER_KEYS: the restored objects open only if those are the keys they were sealed under',
    );
  if (secrets.gatewaySecret !== null && !config.images.gatewaySecret)
    await writeSecretFile(gatewaySecretFile(config), secrets.gatewaySecret);
  deps.out(`Restored the backup of ${manifest.createdAt}.`);
}

/** Reads the archive through once: it is whole, and its manifest and sealed secrets come first. */
async function survey(file: string) {
  let manifest: Manifest | undefined;
  let box: SealedBox | undefined;
  let objects = 0;
  for await (const { header, body } of readArchive(file)) {
    if (header.kind === 'manifest') manifest = header as unknown as Manifest;
    else if (header.kind === 'secrets') box = JSON.parse(body.toString('utf8')) as SealedBox;
    else if (header.kind === 'object') objects += 1;
  }
  if (!manifest || !box)
    throw new AppError('bad_backup', 400, `${file} has no manifest or no secrets.`);
  return { manifest, box, objects };
}

async function whatTheTargetHolds(config: Config, db: Connection): Promise<string[]> {
  const found: string[] = [];
  if (await isTesseraDatabase(db)) found.push('a Tessera database');
  const storage = config.images.storage;
  if (storage.driver === 'fs') {
    if (await hasObjects(storage.dir)) found.push(`objects in ${storage.dir}`);
    if (!storage.masterKeys && existsSync(keyringFile(config)))
      found.push(`master keys in ${keyringFile(config)}`);
  }
  return found;
}

function requireSameMigrations(backedUp: Migration[], target: Migration[]): void {
  const key = (m: Migration) => `${m.area}/${m.name} ${m.checksum}`;
  const here = new Set(target.map(key));
  const there = new Set(backedUp.map(key));
  const unknown = backedUp.filter((m) => !here.has(key(m)));
  if (unknown.length > 0)
    throw new AppError(
      'newer_backup',
      409,
      `The backup was made by another release: this one does not have ${unknown[0]?.area}/${unknown[0]?.name} as it was. Restore it with the release that made it.`,
    );
  const newer = target.filter((m) => !there.has(key(m)));
  if (newer.length > 0)
    throw new AppError(
      'older_backup',
      409,
      `The backup was made before ${newer[0]?.area}/${newer[0]?.name}: restore it with the release that made it, then upgrade.`,
    );
}

async function load(deps: BackupDeps, db: Connection, file: string): Promise<void> {
  const storage = deps.config.images.storage;
  // The roles go first, in their own transaction (rows may name them); then the tables in one.
  let tables: Awaited<ReturnType<typeof createTableLoader>> | undefined;
  const loader = async () => {
    tables ??= await createTableLoader(db);
    return tables;
  };
  let roles = 0;
  let objects = 0;
  try {
    for await (const entry of readArchive(file)) {
      const kind = entry.header.kind;
      if (kind === 'roles') {
        const dump = json<RoleDump>(entry);
        await restoreRoles(db, dump);
        roles = dump.roles.length;
      } else if (kind === 'rows') {
        deps.progress(String(entry.header.table), await (await loader()).load(entry));
      } else if (kind === 'sequences') {
        const rows = await (await loader()).finish(json(entry));
        deps.out(`database: ${rows} row(s) loaded, ${roles} role(s) with their passwords`);
      } else if (kind === 'object' && storage.driver === 'fs') {
        await writeObjectFile(
          storage.dir,
          String(entry.header.path),
          entry.body,
          String(entry.header.mtime),
        );
        deps.progress(String(entry.header.path), ++objects);
      }
    }
  } catch (error) {
    await tables?.abandon();
    throw error;
  }
  deps.out(`objects: ${objects} file(s)`);
}

function json<T>(entry: Entry): T {
  return JSON.parse(entry.body.toString('utf8')) as T;
}
