import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { tessera } from '../../test/helpers/cli.ts';
import { createTestDatabase, type TestDatabase } from '../../test/helpers/database.ts';
import { type Connection, connect } from '../platform/db/pool.ts';
import { AppError } from '../platform/errors.ts';
import { importMembers } from './import-members.ts';

// The seed pipeline's real file, shipped in the repository as the README's first session uses it.
const realFile = fileURLToPath(new URL('../../samples/memberships.csv', import.meta.url));
const williamson = {
  line: 445,
  reason: 'membership_id Williamson_2b72a is already used by line 277 for another person',
};
const columns = [
  'email',
  'date_of_birth',
  'mobile_no',
  'first_name',
  'last_name',
  'above_18',
  'membership_id',
] as const;
type Applicant = Record<(typeof columns)[number], string>;

let made = 0;
/** A valid applicant, unique within the run; overrides make it bad. */
function applicant(overrides: Partial<Applicant> = {}): Applicant {
  made += 1;
  return {
    email: `member${made}@example.com`,
    date_of_birth: '19800115',
    mobile_no: String(90_000_000 + made),
    first_name: 'Ann',
    last_name: `Member${made}`,
    above_18: 'Y',
    membership_id: `Member${made}_${made.toString(16).padStart(5, '0')}`,
    ...overrides,
  };
}
const csvLine = (a: Applicant) => columns.map((c) => a[c]).join(',');
/** The row the table should hold for an applicant. */
const stored = (a: Applicant) => ({
  membership_id: a.membership_id.trim(),
  first_name: a.first_name.trim(),
  last_name: a.last_name.trim(),
  email: a.email.trim(),
  date_of_birth: `${a.date_of_birth.slice(0, 4)}-${a.date_of_birth.slice(4, 6)}-${a.date_of_birth.slice(6)}`,
  mobile_no: a.mobile_no.trim(),
});

let dir: string;
before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tessera-import-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function csvFile(name: string, lines: string[], eol = '\n'): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, [columns.join(','), ...lines].join(eol) + eol);
  return file;
}

/** A fresh migrated database and one connection to it (the import is one transaction on it). */
function useDatabase(): { db: () => TestDatabase; conn: () => Connection } {
  let db: TestDatabase | undefined;
  let conn: Connection | undefined;
  before(async () => {
    db = await createTestDatabase();
    conn = await connect(db.url);
  });
  after(async () => {
    await conn?.end();
    await db?.close();
  });
  return { db: () => db as TestDatabase, conn: () => conn as Connection };
}

async function membersIn(db: TestDatabase, ids?: string[]): Promise<Record<string, unknown>[]> {
  const result = await db.admin.query(
    `select membership_id, first_name, last_name, email, date_of_birth, mobile_no
     from commerce.memberships where $1::text[] is null or membership_id = any($1)
     order by membership_id`,
    [ids ?? null],
  );
  return result.rows;
}

describe('importMembers: the real memberships.csv', () => {
  const { db, conn } = useDatabase();

  test('imports 705 of 706 rows and rejects line 445, naming line 277', async (t) => {
    const started = performance.now();
    const progress: number[] = [];
    const report = await importMembers(conn(), realFile, (rows) => progress.push(rows));
    t.diagnostic(
      `real file: ${JSON.stringify(report)} in ${Math.round(performance.now() - started)} ms`,
    );
    assert.deepEqual(report, { rows: 706, inserted: 705, unchanged: 0, rejected: [williamson] });
    assert.deepEqual(progress, [706]);
    const count = await db().admin.query('select count(*)::int as n from commerce.memberships');
    assert.equal(count.rows[0]?.n, 705);
    assert.deepEqual(await membersIn(db(), ['Williamson_2b72a']), [
      {
        membership_id: 'Williamson_2b72a',
        first_name: 'Kenneth',
        last_name: 'Williamson',
        email: 'Kenneth_Williamson@perez.com',
        date_of_birth: '1954-03-10',
        mobile_no: '36169599',
      },
    ]);
  });

  test('re-running it is safe: 0 new, 705 already present, the same rejection', async () => {
    const report = await importMembers(conn(), realFile, () => {});
    assert.deepEqual(report, { rows: 706, inserted: 0, unchanged: 705, rejected: [williamson] });
    const count = await db().admin.query('select count(*)::int as n from commerce.memberships');
    assert.equal(count.rows[0]?.n, 705);
  });
});

describe('importMembers: bad rows and conflicts', () => {
  const { db, conn } = useDatabase();
  const existing = applicant();
  const other = applicant();
  const kept = applicant();

  before(async () => {
    await db().admin.query(
      `insert into commerce.memberships (membership_id, first_name, last_name, email, date_of_birth, mobile_no)
       select * from jsonb_to_recordset($1::jsonb) as r (membership_id text, first_name text,
         last_name text, email text, date_of_birth date, mobile_no text)`,
      [JSON.stringify([existing, other, kept].map(stored))],
    );
  });

  test('each bad row is reported with its line and reason; the good rows around them are imported', async () => {
    const tenYearsAgo = `${new Date().getUTCFullYear() - 10}0101`;
    const good = [applicant(), applicant(), applicant(), applicant()] as const;
    const spaced = Object.fromEntries(
      Object.entries(good[2]).map(([k, v]) => [k, `  ${v} `]),
    ) as Applicant;
    const file = await csvFile('bad-rows.csv', [
      csvLine(good[0]), // 2
      csvLine(applicant({ date_of_birth: '19991340' })), // 3
      csvLine(good[1]), // 4
      csvLine(applicant({ email: 'x' })), // 5
      csvLine(applicant({ mobile_no: '1234567' })), // 6
      csvLine(applicant({ above_18: 'N' })), // 7
      csvLine(applicant({ first_name: '  ' })), // 8
      csvLine({ ...existing, mobile_no: '81234567' }), // 9
      csvLine(applicant({ email: other.email.toUpperCase() })), // 10
      csvLine(spaced), // 11
      csvLine(kept), // 12: already there, identical
      csvLine(applicant()).replace(/,[^,]*$/, ''), // 13
      csvLine(good[3]), // 14
      csvLine(applicant({ date_of_birth: '18991231', mobile_no: 'abc' })), // 15
      csvLine(applicant({ date_of_birth: tenYearsAgo })), // 16
    ]);
    const report = await importMembers(conn(), file, () => {});
    assert.deepEqual(report.rejected, [
      { line: 3, reason: 'date_of_birth "19991340" is not a real date (YYYYMMDD)' },
      { line: 5, reason: 'email "x" is not an email address' },
      { line: 6, reason: 'mobile_no "1234567" must be 8 digits' },
      { line: 7, reason: 'above_18 is "N": only adult applicants are members' },
      { line: 8, reason: 'missing first_name' },
      {
        line: 9,
        reason: `membership_id ${existing.membership_id} is already in the database with a different mobile_no`,
      },
      {
        line: 10,
        reason: `email ${other.email.toUpperCase()} is already used by member ${other.membership_id} in the database`,
      },
      { line: 13, reason: 'has 6 fields, but the header has 7' },
      {
        line: 15,
        reason:
          'date_of_birth "18991231" is not after 1900-01-01; mobile_no "abc" must be 8 digits',
      },
      {
        line: 16,
        reason: `date_of_birth "${tenYearsAgo}" is less than 18 years ago, yet above_18 is Y`,
      },
    ]);
    assert.deepEqual(
      { rows: report.rows, inserted: report.inserted, unchanged: report.unchanged },
      { rows: 15, inserted: 4, unchanged: 1 },
    );
    const expected = [existing, other, kept, ...good].map(stored);
    expected.sort((a, b) => a.membership_id.localeCompare(b.membership_id, 'en'));
    assert.deepEqual(await membersIn(db()), expected);
  });

  test('rows repeated within the file: identical ones are unchanged, the others name the first line', async () => {
    const a = applicant();
    const clash = applicant({ membership_id: existing.membership_id, first_name: 'Cy' });
    const file = await csvFile('repeats.csv', [
      csvLine(a), // 2
      csvLine(a), // 3
      csvLine({ ...a, first_name: 'Bob' }), // 4
      csvLine(applicant({ email: a.email.toUpperCase() })), // 5
      csvLine(clash), // 6: conflicts with the database
      csvLine(clash), // 7
    ]);
    const report = await importMembers(conn(), file, () => {});
    assert.deepEqual(report, {
      rows: 6,
      inserted: 1,
      unchanged: 1,
      rejected: [
        {
          line: 4,
          reason: `membership_id ${a.membership_id} is already used by line 2 for another person`,
        },
        {
          line: 5,
          reason: `email ${a.email.toUpperCase()} is already used by line 2 (membership_id ${a.membership_id})`,
        },
        {
          line: 6,
          reason: `membership_id ${existing.membership_id} is already in the database with a different first_name, last_name, email, mobile_no`,
        },
        { line: 7, reason: 'repeats line 6, which was rejected' },
      ],
    });
  });

  test('unreadable CSV, blank lines and mixed line endings keep every line number right', async () => {
    const [a, b, c, d] = [applicant(), applicant(), applicant(), applicant()];
    const file = path.join(dir, 'messy.csv');
    const multiLine = csvLine({ ...b, first_name: '"Ann\nMarie"' }); // lines 3-4
    await writeFile(
      file,
      `\uFEFF${columns.join(',')}\r\n${csvLine(a)}\r\n${multiLine}\n\n${csvLine(c)}\r\n` +
        `${csvLine({ ...applicant(), last_name: 'O"Brien' })}\n${csvLine(d)}\n` +
        `${csvLine({ ...applicant(), first_name: '"Unclosed' })}\n${csvLine(applicant())}\n`, // 9-10
    );
    const report = await importMembers(conn(), file, () => {});
    assert.deepEqual(report, {
      rows: 6,
      inserted: 3,
      unchanged: 0,
      rejected: [
        { line: 3, reason: 'first_name contains a control character' },
        {
          line: 7,
          reason:
            'unreadable CSV line: a quote inside an unquoted field (quote the whole field and double the quote: "O""Brien")',
        },
        {
          line: 9,
          reason:
            'unreadable CSV: a quote opened here is never closed, so lines 9 to 10 could not be read',
        },
      ],
    });
    assert.equal(
      (
        await membersIn(
          db(),
          [a, c, d].map((x) => x.membership_id),
        )
      ).length,
      3,
    );
  });
});

describe('importMembers: whole-file problems and batches', () => {
  const { db, conn } = useDatabase();
  const count = async () =>
    (await db().admin.query('select count(*)::int as n from commerce.memberships')).rows[0]?.n;

  test('a missing or unreadable file is an AppError, status 400', async () => {
    await assert.rejects(
      importMembers(conn(), path.join(dir, 'nope.csv'), () => {}),
      {
        name: 'AppError',
        code: 'file_not_found',
        status: 400,
        message: `There is no file ${path.join(dir, 'nope.csv')}.`,
      },
    );
    const folder = path.join(dir, 'folder.csv');
    await mkdir(folder);
    await assert.rejects(
      importMembers(conn(), folder, () => {}),
      {
        code: 'file_not_readable',
        message: `${folder} is not a file.`,
      },
    );
  });

  test('a header without the required columns, or no header at all, fails the whole file', async () => {
    const file = path.join(dir, 'header.csv');
    await writeFile(file, 'email,first_name,last_name,membership_id\na@b.co,A,B,B_00000\n');
    await assert.rejects(
      importMembers(conn(), file, () => {}),
      (error: unknown) => {
        assert.ok(error instanceof AppError);
        assert.equal(error.code, 'bad_csv');
        assert.match(error.message, /header line lacks date_of_birth, mobile_no, above_18/);
        return true;
      },
    );
    const runOn = await csvFile('run-on.csv', [csvLine(applicant()), `"${'x'.repeat(70_000)}`]);
    await assert.rejects(
      importMembers(conn(), runOn, () => {}),
      {
        code: 'bad_csv',
        message: `${runOn}: line 3 runs on for over 65536 characters (a quote never closed?). Nothing was imported.`,
      },
    );
    const empty = path.join(dir, 'empty.csv');
    await writeFile(empty, '\n');
    await assert.rejects(
      importMembers(conn(), empty, () => {}),
      /there is no header line/,
    );
    assert.equal(await count(), 0);
  });

  test('inserts in batches of 1000, reporting progress after each; a crash leaves nothing', async () => {
    const many = Array.from({ length: 2500 }, () => csvLine(applicant()));
    const file = await csvFile('many.csv', many);
    const crash = () => {
      throw new Error('crashed after the first batch');
    };
    await assert.rejects(importMembers(conn(), file, crash), /crashed after the first batch/);
    assert.equal(await count(), 0, 'the first batch was rolled back');
    const progress: number[] = [];
    const report = await importMembers(conn(), file, (rows) => progress.push(rows));
    assert.deepEqual(progress, [1000, 2000, 2500]);
    assert.deepEqual(report, { rows: 2500, inserted: 2500, unchanged: 0, rejected: [] });
    assert.equal(await count(), 2500);
  });
});

describe('tessera db import-members', () => {
  const { db } = useDatabase();

  test('prints the summary and each rejected line; exits 1 when rows were rejected', () => {
    const first = tessera(['db', 'import-members', realFile], { databaseUrl: db().url });
    assert.equal(first.status, 1, first.stderr);
    assert.equal(
      first.stdout,
      `705 new, 0 already present, 1 rejected of 706 rows.\n  line 445: ${williamson.reason}\n`,
    );
    const again = tessera(['db', 'import-members', realFile], { databaseUrl: db().url });
    assert.match(again.stdout, /^0 new, 705 already present, 1 rejected of 706 rows\.\n/);
  });

  test('exits 0 when every row is good, and 1 with a message for a missing file', async () => {
    const file = await csvFile('good.csv', [csvLine(applicant()), csvLine(applicant())]);
    const good = tessera(['db', 'import-members', file], { databaseUrl: db().url });
    assert.equal(good.status, 0, good.stderr);
    assert.equal(good.stdout, '2 new, 0 already present, 0 rejected of 2 rows.\n');
    const missing = tessera(['db', 'import-members', path.join(dir, 'nope.csv')], {
      databaseUrl: db().url,
    });
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /There is no file .*nope\.csv/);
  });
});
