import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { advisoryLocks } from './advisory-lock.ts';
import type { Connection, Db } from './pool.ts';
import { sql } from './sql.ts';

/** An area's schema: forward-only migrations, then CREATE OR REPLACE files re-applied when they change. */
export type SchemaSource = { area: string; migrations: URL; functions?: URL };

export type MigrationReport = { applied: string[]; functionsApplied: string[] };

type SqlFile = { name: string; text: string; checksum: string };

// Every advisory lock key (this one, the sweep's) is kept in advisory-lock.ts, so that none collides.
const migrationLock = advisoryLocks.migrations;

export class MigrationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MigrationError';
  }
}

/**
 * Applies what is new, each migration in its own transaction, under an advisory lock so that two
 * processes starting at once take turns. Refuses to run if an applied migration was edited.
 */
export async function migrate(
  db: Connection,
  sources: SchemaSource[],
  onApplied: (name: string) => void = () => {},
): Promise<MigrationReport> {
  const report: MigrationReport = { applied: [], functionsApplied: [] };
  await db.query('select pg_advisory_lock($1)', [migrationLock]);
  try {
    await db.query(sql(import.meta.url, 'bookkeeping.sql'));
    for (const source of sources) {
      const files = await readSqlFiles(source.migrations);
      await refuseEdited(db, source.area, files);
      for (const file of await pending(db, source.area, files)) {
        await inTransaction(db, async () => {
          await db.query(file.text);
          await record(db, source.area, file.name, file.checksum);
        });
        report.applied.push(`${source.area}/${file.name}`);
        onApplied(`${source.area}/${file.name}`);
      }
      if (source.functions) {
        const applied = await applyFunctions(db, source.area, source.functions);
        report.functionsApplied.push(...applied);
      }
    }
  } finally {
    await db.query('select pg_advisory_unlock($1)', [migrationLock]);
  }
  return report;
}

/** The applied and pending migrations of each area, for `tessera db status`. */
export async function migrationStatus(db: Db, sources: SchemaSource[]) {
  const exists = await db.query(`select to_regclass('tessera.migrations') is not null as ok`);
  const recorded = exists.rows[0]?.ok
    ? await db.query<{ area: string; name: string; applied_at: string }>(
        'select area, name, applied_at from tessera.migrations',
      )
    : { rows: [] };
  const status: { name: string; appliedAt: string | null }[] = [];
  for (const source of sources) {
    for (const file of await readSqlFiles(source.migrations)) {
      const row = recorded.rows.find((r) => r.area === source.area && r.name === file.name);
      status.push({ name: `${source.area}/${file.name}`, appliedAt: row?.applied_at ?? null });
    }
  }
  return status;
}

async function applyFunctions(db: Db, area: string, dir: URL): Promise<string[]> {
  const files = await readSqlFiles(dir);
  const checksum = hash(files.map((f) => `${f.name}\n${f.checksum}`).join('\n'));
  const name = '(functions)';
  const current = await db.query<{ checksum: string }>(
    'select checksum from tessera.migrations where area = $1 and name = $2',
    [area, name],
  );
  if (current.rows[0]?.checksum === checksum) return [];
  await inTransaction(db, async () => {
    for (const file of files) await db.query(file.text);
    await db.query(
      `insert into tessera.migrations (area, name, checksum) values ($1, $2, $3)
       on conflict (area, name) do update set checksum = excluded.checksum, applied_at = now()`,
      [area, name, checksum],
    );
  });
  return files.map((f) => `${area}/functions/${f.name}`);
}

async function refuseEdited(db: Db, area: string, files: SqlFile[]): Promise<void> {
  const applied = await db.query<{ name: string; checksum: string }>(
    `select name, checksum from tessera.migrations where area = $1 and name <> '(functions)'`,
    [area],
  );
  const problems: string[] = [];
  for (const row of applied.rows) {
    const file = files.find((f) => f.name === row.name);
    if (!file) problems.push(`${area}/${row.name} was applied but its file is gone`);
    else if (file.checksum !== row.checksum)
      problems.push(
        `${area}/${row.name} was edited after it was applied (add a new migration instead)`,
      );
  }
  if (problems.length > 0)
    throw new MigrationError(`Refusing to migrate:\n  ${problems.join('\n  ')}`);
}

async function pending(db: Db, area: string, files: SqlFile[]): Promise<SqlFile[]> {
  const applied = await db.query<{ name: string }>(
    'select name from tessera.migrations where area = $1',
    [area],
  );
  const done = new Set(applied.rows.map((r) => r.name));
  return files.filter((f) => !done.has(f.name));
}

async function record(db: Db, area: string, name: string, checksum: string): Promise<void> {
  await db.query('insert into tessera.migrations (area, name, checksum) values ($1, $2, $3)', [
    area,
    name,
    checksum,
  ]);
}

async function inTransaction(db: Db, work: () => Promise<void>): Promise<void> {
  await db.query('begin');
  try {
    await work();
    await db.query('commit');
  } catch (error) {
    await db.query('rollback');
    throw error;
  }
}

async function readSqlFiles(dir: URL): Promise<SqlFile[]> {
  const names = (await readdir(fileURLToPath(dir))).filter((n) => n.endsWith('.sql')).sort();
  return Promise.all(
    names.map(async (name) => {
      const text = await readFile(new URL(name, dir), 'utf8');
      return { name, text, checksum: hash(text) };
    }),
  );
}

function hash(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
