// `tessera backup <file>`: the database (one snapshot), then the object store's files, and the
// secrets sealed under a passphrase, in one archive. Objects are copied after the snapshot is
// taken: an image's bytes are stored before its row commits, so every row in the snapshot finds
// its object (later objects are orphans, which the sweeper removes after a restore).
import { gatewaySecretFile } from '../images/shared-secret.ts';
import { keyringFile } from '../images/storage.ts';
import type { Config } from '../platform/config.ts';
import { connect } from '../platform/db/pool.ts';
import { openDatabaseServer } from '../platform/db/server.ts';
import { AppError } from '../platform/errors.ts';
import type { Logger } from '../platform/log.ts';
import { createArchive } from './archive.ts';
import { dumpDatabase, isTesseraDatabase, migrationsOf, requireSuperuser } from './database.ts';
import { objectFiles, readObjectFile, readSecretFile } from './local-files.ts';
import { sealWithPassphrase } from './passphrase-box.ts';

export type BackupDeps = {
  config: Config;
  log: Logger;
  out: (line: string) => void;
  progress: (what: string, done: number) => void;
};

/** The secrets a backup carries; null where this installation keeps none in its data directory. */
export type Secrets = { keyring: string | null; gatewaySecret: string | null };

export async function backup(deps: BackupDeps, file: string, passphrase: string): Promise<void> {
  const { config } = deps;
  const archive = await createArchive(file).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'EEXIST')
      throw new AppError(
        'exists',
        409,
        `${file}.partial exists: another backup is writing it, or remove it.`,
      );
    throw error;
  });
  const server = await openDatabaseServer(config, deps.log);
  try {
    const db = await connect(server.url, 'tessera-backup');
    try {
      await requireSuperuser(db, 'A backup');
      if (!(await isTesseraDatabase(db)))
        throw new AppError(
          'nothing_to_back_up',
          404,
          'The database holds no Tessera schema yet: nothing to back up.',
        );
      const secrets = await readSecrets(config);
      await archive.add({
        kind: 'manifest',
        version: 1,
        createdAt: new Date().toISOString(),
        server: (await db.query<{ v: string }>('show server_version')).rows[0]?.v,
        migrations: await migrationsOf(db),
        storage: config.images.storage.driver,
      });
      await archive.add(
        { kind: 'secrets' },
        JSON.stringify(await sealWithPassphrase(passphrase, Buffer.from(JSON.stringify(secrets)))),
      );
      const dumped = await dumpDatabase(db, archive, (table, rows) => deps.progress(table, rows));
      deps.out(
        `database: ${dumped.rows} row(s) of ${dumped.tables} table(s), ${dumped.roles} role(s) with their passwords`,
      );
      await copyObjects(deps, archive);
      // A rotation while the objects were read may have sealed some under a key not in the archive.
      if ((await readSecrets(config)).keyring !== secrets.keyring)
        throw new AppError(
          'keys_changed',
          409,
          'The master keys changed during the backup (a key rotation?): run it again.',
        );
      deps.out(secretsSummary(config, secrets));
    } finally {
      await db.end();
    }
    await archive.finish();
  } catch (error) {
    await archive.abandon();
    throw error;
  } finally {
    await server.stop();
  }
  deps.out(`Backup written to ${file}.`);
}

async function copyObjects(deps: BackupDeps, archive: Awaited<ReturnType<typeof createArchive>>) {
  const storage = deps.config.images.storage;
  if (storage.driver !== 'fs') {
    deps.out(
      `objects: not copied; they stay in the S3 bucket ${storage.bucket} (keep them with the bucket's versioning or replication)`,
    );
    return;
  }
  let count = 0;
  let bytes = 0;
  for await (const relative of objectFiles(storage.dir)) {
    const object = await readObjectFile(storage.dir, relative).catch(
      (error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return null; // expired or deleted since it was listed
        throw error;
      },
    );
    if (!object) continue;
    await archive.add({ kind: 'object', path: relative, mtime: object.mtime }, object.body);
    count += 1;
    bytes += object.body.length;
    deps.progress(relative, count);
  }
  deps.out(
    `objects: ${count} file(s), ${(bytes / 1e6).toFixed(1)} MB, still sealed under their keys`,
  );
}

async function readSecrets(config: Config): Promise<Secrets> {
  const storage = config.images.storage;
  return {
    keyring:
      storage.driver === 'fs' && !storage.masterKeys
        ? await readSecretFile(keyringFile(config))
        : null,
    gatewaySecret: config.images.gatewaySecret
      ? null
      : await readSecretFile(gatewaySecretFile(config)),
  };
}

function secretsSummary(config: Config, secrets: Secrets): string {
  const storage = config.images.storage;
  const keys =
    storage.driver === 's3'
      ? 'S3 encrypts with its own keys'
      : storage.masterKeys
        ? 'the master keys come from STORAGE_MASTER_KEYS: keep them yourself, the backup has no copy'
        : secrets.keyring
          ? 'the master keys, sealed under the passphrase'
          : 'no master keys yet';
  return `secrets: ${keys}${secrets.gatewaySecret ? '; the gateway secret, sealed too' : ''}`;
}
