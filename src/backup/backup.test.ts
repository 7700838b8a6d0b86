// A running installation is backed up with the CLI and restored into a new data directory (and,
// with TEST_DATABASE_URL, a new database of that server): a transaction, a person's own database
// login with their password, and an image's bytes come back.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { tesseraAsync } from '../../test/helpers/cli.ts';
import { createEmptyDatabase } from '../../test/helpers/database.ts';
import { makeImage } from '../../test/helpers/images.ts';
import { freePort } from '../../test/helpers/ports.ts';
import { createFsStore } from '../images/store/fs-store.ts';
import { loadKeyring } from '../images/store/master-keys.ts';
import { startEmbedded } from '../platform/db/embedded.ts';
import { connect, quoteIdentifier, withCredentials } from '../platform/db/pool.ts';
import { createLogger } from '../platform/log.ts';

const external = Boolean(process.env.TEST_DATABASE_URL);

/** One installation: its data directory, and its database (embedded in that directory, or external). */
type Installation = {
  dir: string;
  env: Record<string, string>;
  /** Superuser URL of its database, with a server running. */
  url(): Promise<string>;
  close(): Promise<void>;
};

async function installation(scratch: string, name: string): Promise<Installation> {
  const dir = path.join(scratch, name);
  await mkdir(dir, { recursive: true });
  if (external) {
    const database = await createEmptyDatabase();
    return {
      dir,
      env: { TESSERA_DATA_DIR: dir, DATABASE_URL: database.url },
      url: async () => database.url,
      close: database.drop,
    };
  }
  const port = await freePort();
  let stop = async () => {};
  return {
    dir,
    env: { TESSERA_DATA_DIR: dir, EMBEDDED_PG_PORT: String(port) },
    async url() {
      // The CLI finds this server running and uses it, as it does a `tessera start` in another terminal.
      const server = await startEmbedded({
        dataDir: path.join(dir, 'postgres'),
        port,
        log: createLogger('silent'),
      });
      stop = server.stop;
      return server.url;
    },
    close: () => stop(),
  };
}

describe(`tessera backup and restore (${external ? 'external server' : 'embedded server'})`, () => {
  let scratch: string;
  let source: Installation;
  let target: Installation;
  const login = `p_bk_${randomBytes(4).toString('hex')}`;
  const owner = `owner-${randomBytes(4).toString('hex')}`;
  let password: string;
  let transaction: { id: number; total: string };
  let imageId: string;
  let original: Buffer;
  let archive: string;
  let passphraseFile: string;

  before(async () => {
    scratch = await mkdtemp(path.join(tmpdir(), 'tessera-backup-'));
    await chmod(scratch, 0o755); // the postgres system user must reach the data directories
    source = await installation(scratch, 'source');
    target = await installation(scratch, 'target');
    archive = path.join(scratch, 'tessera.backup');
    passphraseFile = path.join(scratch, 'passphrase');
    await writeFile(passphraseFile, 'correct horse battery staple\n');
  });
  after(async () => {
    await source?.close();
    await target?.close();
    await rm(scratch, { recursive: true, force: true });
  });

  const run = async (at: Installation, args: string[]) => {
    const result = await tesseraAsync(args, { env: at.env });
    return { ...result, text: result.stdout + result.stderr };
  };

  test('a running installation is backed up with its person, transaction and image', async () => {
    const url = await source.url();
    if (external) assert.equal((await run(source, ['db', 'migrate'])).status, 0);
    const added = await run(source, ['users', 'add', login, '--team', 'logistics']);
    assert.equal(added.status, 0, added.text);
    password = /Password \(shown once\): (\S+)/.exec(added.stdout)?.[1] ?? '';
    assert.ok(password);
    const seeded = await run(source, ['db', 'seed-demo', '--transactions', '3']);
    assert.equal(seeded.status, 0, seeded.text);

    // The person records a transaction with their own login, as they would in psql.
    const person = await connect(withCredentials(url, login, password));
    try {
      const ids = await person.query<{ m: string; f: number; i: number }>(
        `select (select min(membership_id) from commerce.memberships_public) as m,
                (select min(manufacturer_id) from commerce.manufacturers) as f,
                (select min(item_id) from commerce.items where deleted_at is null) as i`,
      );
      const { m, f, i } = ids.rows[0] as { m: string; f: number; i: number };
      const recorded = await person.query<{ id: number }>(
        'select commerce.record_transaction($1, $2, $3::jsonb) as id',
        [m, f, JSON.stringify([{ item_id: i, quantity: 7 }])],
      );
      const id = recorded.rows[0]?.id as number;
      const row = await person.query<{ total: string }>(
        'select total_items_cost::text as total from commerce.transactions where transaction_id = $1',
        [id],
      );
      transaction = { id, total: row.rows[0]?.total as string };
    } finally {
      await person.end();
    }

    assert.equal((await run(source, ['principals', 'add', owner, '--role', 'engineer'])).status, 0);
    const folder = path.join(scratch, 'photos');
    await mkdir(folder);
    original = await makeImage('png', { width: 200, height: 150, scene: 41 });
    await writeFile(path.join(folder, 'photo.png'), original);
    const ingested = await run(source, ['images', 'ingest', folder, '--owner', owner]);
    assert.equal(ingested.status, 0, ingested.text);
    imageId = /([0-9a-f-]{36})$/m.exec(ingested.stdout)?.[1] ?? '';

    const backup = await run(source, ['backup', archive, '--passphrase-file', passphraseFile]);
    assert.equal(backup.status, 0, backup.text);
    assert.match(
      backup.stdout,
      /^database: \d+ row\(s\) of \d+ table\(s\), \d+ role\(s\) with their passwords$/m,
    );
    assert.match(backup.stdout, /^objects: [3-9] file\(s\)/m, 'the original and its derivatives');
    assert.match(backup.stdout, /^secrets: the master keys, sealed under the passphrase/m);
    const again = await run(source, ['backup', archive, '--passphrase-file', passphraseFile]);
    assert.equal(again.status, 1, 'an existing backup is never overwritten');
    assert.match(again.stderr, /exists: a backup never overwrites a file/);

    if (external) {
      // Roles belong to the whole server: lose the person's, so that only the restore can bring it back.
      const admin = await connect(url);
      try {
        await admin.query(`drop owned by ${quoteIdentifier(login)}`);
        await admin.query(`drop role ${quoteIdentifier(login)}`);
      } finally {
        await admin.end();
      }
    }
  });

  test('a wrong passphrase changes nothing; the right one restores into the new installation', async () => {
    await writeFile(path.join(scratch, 'wrong'), 'not the passphrase at all\n');
    const wrong = await run(target, [
      'restore',
      archive,
      '--passphrase-file',
      path.join(scratch, 'wrong'),
    ]);
    assert.equal(wrong.status, 1);
    assert.match(wrong.stderr, /Wrong passphrase/);
    assert.deepEqual(await readdir(target.dir).catch(() => []), [], 'nothing was written');

    const restored = await run(target, ['restore', archive, '--passphrase-file', passphraseFile]);
    assert.equal(restored.status, 0, restored.text);
    assert.match(restored.stdout, /^database: \d+ row\(s\) loaded/m);

    const twice = await run(target, ['restore', archive, '--passphrase-file', passphraseFile]);
    assert.equal(twice.status, 1, 'a target that holds data is refused');
    assert.match(twice.stderr, /already holds a Tessera database.*Add --force/s);
  });

  test('the person signs in with their password and reads the transaction; the image reads back', async () => {
    const url = await target.url();
    const person = await connect(withCredentials(url, login, password));
    try {
      const row = await person.query<{ total: string }>(
        'select total_items_cost::text as total from commerce.transactions where transaction_id = $1',
        [transaction.id],
      );
      assert.equal(row.rows[0]?.total, transaction.total);
      const refused = await person.query('select email from commerce.memberships limit 1').then(
        () => 'read',
        (error: { code?: string }) => error.code,
      );
      assert.equal(refused, '42501', 'the team grants came back, not more');
    } finally {
      await person.end();
    }
    const admin = await connect(url);
    try {
      const objects = await admin.query<{ object_key: string; sha256: string }>(
        `select o.object_key, i.sha256 from images.objects o join images.images i using (image_id)
         where image_id = $1 and o.name = 'original'`,
        [imageId],
      );
      const stored = objects.rows[0];
      assert.ok(stored, 'the image row came back');
      const keyring = await loadKeyring(path.join(target.dir, 'object-master-keys.json'));
      const store = createFsStore({ root: path.join(target.dir, 'objects'), keyring });
      const body = await store.get(stored.object_key);
      assert.equal(createHash('sha256').update(body).digest('hex'), stored.sha256);
      assert.deepEqual(body, original);
    } finally {
      await admin.end();
      if (external) await dropRole(url, login);
    }
  });
});

async function dropRole(url: string, login: string) {
  const admin = await connect(url);
  try {
    await admin.query(`drop owned by ${quoteIdentifier(login)}`);
    await admin.query(`drop role if exists ${quoteIdentifier(login)}`);
  } finally {
    await admin.end();
  }
}
