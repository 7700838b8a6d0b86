import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { createEmptyDatabase } from '../../../test/helpers/database.ts';
import { schemas } from '../../schemas.ts';
import {
  MigrationError,
  type MigrationReport,
  migrate,
  migrationStatus,
  type SchemaSource,
} from './migrate.ts';
import { type Connection, connect } from './pool.ts';

describe('migrations', () => {
  let dir: string;
  let source: SchemaSource;
  let database: { url: string; drop(): Promise<void> };
  const open: Connection[] = [];
  const connection = async () => {
    const c = await connect(database.url);
    open.push(c);
    return c;
  };
  const file = (name: string, text: string) => writeFile(path.join(dir, name), text);

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'tessera-migrations-'));
    source = { area: 'demo', migrations: pathToFileURL(`${dir}/`) };
    database = await createEmptyDatabase();
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((c) => c.end()));
    await database.drop();
    await rm(dir, { recursive: true, force: true });
  });

  test('applies new files in name order, each once, and records them', async () => {
    await file('0002_rows.sql', `insert into notes values ('second')`);
    await file('0001_table.sql', 'create table notes (body text)');
    const db = await connection();
    const first = await migrate(db, [source]);
    assert.deepEqual(first.applied, ['demo/0001_table.sql', 'demo/0002_rows.sql']);
    const again = await migrate(db, [source]);
    assert.deepEqual(again.applied, []);
    await file('0003_more.sql', `insert into notes values ('third')`);
    assert.deepEqual((await migrate(db, [source])).applied, ['demo/0003_more.sql']);
    const notes = await db.query('select body from notes');
    assert.equal(notes.rowCount, 2);
    const status = await migrationStatus(db, [source]);
    assert.ok(
      status.every(
        (m) => typeof m.appliedAt === 'string' && !Number.isNaN(Date.parse(m.appliedAt)),
      ),
    );
  });

  test('refuses to run when an applied file was edited or removed', async () => {
    await file('0001_table.sql', 'create table notes (body text)');
    const db = await connection();
    await migrate(db, [source]);
    await file('0001_table.sql', 'create table notes (body text, extra int)');
    await file('0002_next.sql', 'create table other (x int)');
    await assert.rejects(migrate(db, [source]), (error) => {
      assert.ok(error instanceof MigrationError);
      assert.match(error.message, /0001_table\.sql was edited after it was applied/);
      return true;
    });
    const other = await db.query(`select to_regclass('other') as t`);
    assert.equal(other.rows[0]?.t, null, 'nothing after the refusal ran');
    await rm(path.join(dir, '0001_table.sql'));
    await assert.rejects(migrate(db, [source]), /0001_table\.sql was applied but its file is gone/);
  });

  test('a failing migration leaves no trace and stops the run', async () => {
    await file('0001_good.sql', 'create table notes (body text)');
    await file('0002_bad.sql', 'create table half (x int); select 1/0;');
    await file('0003_later.sql', 'create table later (x int)');
    const db = await connection();
    await assert.rejects(migrate(db, [source]), /division by zero/);
    const tables = await db.query<{ t: string | null }>(
      `select to_regclass('notes')::text as t union all select to_regclass('half')::text union all select to_regclass('later')::text`,
    );
    assert.deepEqual(
      tables.rows.map((r) => r.t),
      ['notes', null, null],
    );
    const status = await migrationStatus(db, [source]);
    assert.deepEqual(
      status.map((m) => m.appliedAt !== null),
      [true, false, false],
    );
  });

  test('two processes starting at once take turns: every file runs exactly once', async () => {
    await file('0001_table.sql', 'create table notes (body text); select pg_sleep(0.2);');
    await file('0002_rows.sql', `insert into notes values ('once')`);
    const reports: MigrationReport[] = await Promise.all([
      migrate(await connection(), [source]),
      migrate(await connection(), [source]),
    ]);
    assert.deepEqual(reports.map((r) => r.applied.length).sort(), [0, 2]);
    const notes = await (await connection()).query('select * from notes');
    assert.equal(notes.rowCount, 1);
  });

  test('the real schema migrates an empty database, concurrently, and re-runs as a no-op', async () => {
    const [a, b] = await Promise.all([
      migrate(await connection(), schemas),
      migrate(await connection(), schemas),
    ]);
    assert.ok(a && b);
    assert.equal(
      a.applied.length + b.applied.length,
      (await migrationStatus(await connection(), schemas)).length,
    );
    const again = await migrate(await connection(), schemas);
    assert.deepEqual(again, { applied: [], functionsApplied: [] });
  });
});
