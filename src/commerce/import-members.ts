// `tessera db import-members`: loads the seed pipeline's memberships.csv. Every data row ends up
// inserted, unchanged (already present, identical) or rejected with its line and a reason; the
// whole import is one transaction, so a crash leaves nothing half-done and re-running is safe.
import { createHash } from 'node:crypto';
import { type FileHandle, open } from 'node:fs/promises';
import type { CsvError } from 'csv-parse';
import type { Db } from '../platform/db/pool.ts';
import { sql } from '../platform/db/sql.ts';
import { AppError } from '../platform/errors.ts';
import { csvRecords, headerProblem, type Member, readRow, unreadableRow } from './member-csv.ts';

export type ImportReport = {
  rows: number;
  inserted: number;
  unchanged: number;
  rejected: { line: number; reason: string }[];
};

const batchSize = 1000;
// Far longer than any real row: a stray quote must not pull the rest of a huge file into memory.
const maxRecordSize = 64 * 1024;

/** The first row of the file with a membership_id; a digest of it keeps memory small. */
type Seen = { line: number; digest: string; outcome: 'pending' | 'kept' | 'rejected' };
type Pending = { line: number; member: Member; seen: Seen };
type Run = {
  db: Db;
  file: string;
  report: ImportReport;
  progress: (rows: number) => void;
  ids: Map<string, Seen>;
  emails: Map<string, { line: number; id: string }>;
  batch: Pending[];
  /** Rows identical to an earlier one: unchanged, unless the earlier one is rejected. */
  copies: { line: number; first: Seen }[];
};
type Existing = {
  membership_id: string;
  id_exists: boolean;
  differs: string[];
  email_owner: string | null;
};

/** `db` must be one connection, not a pool: the whole import is one transaction on it. */
export async function importMembers(
  db: Db,
  file: string,
  progress: (rows: number) => void,
): Promise<ImportReport> {
  const handle = await openFile(file);
  const report: ImportReport = { rows: 0, inserted: 0, unchanged: 0, rejected: [] };
  const run: Run = {
    db,
    file,
    report,
    progress,
    ids: new Map(),
    emails: new Map(),
    batch: [],
    copies: [],
  };
  try {
    await db.query('begin');
    await load(run, handle);
    await db.query('commit');
  } catch (error) {
    await db.query('rollback').catch(() => {});
    throw error;
  } finally {
    await handle.close().catch(() => {});
  }
  // The parser reports unreadable lines ahead of the rows still queued before them.
  report.rejected.sort((a, b) => a.line - b.line);
  return report;
}

async function openFile(file: string): Promise<FileHandle> {
  let handle: FileHandle;
  try {
    handle = await open(file, 'r');
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    throw new AppError(
      missing ? 'file_not_found' : 'file_not_readable',
      400,
      missing ? `There is no file ${file}.` : `Cannot read ${file}: ${(error as Error).message}`,
      { cause: error },
    );
  }
  if (!(await handle.stat()).isFile()) {
    await handle.close();
    throw new AppError('file_not_readable', 400, `${file} is not a file.`);
  }
  return handle;
}

async function load(run: Run, handle: FileHandle): Promise<void> {
  const onSkip = (line: number, error: CsvError | undefined) => unreadable(run, line, error);
  const records = csvRecords(handle.createReadStream(), maxRecordSize, onSkip);
  let header: string[] | undefined;
  for await (const { record, line } of records) {
    if (record.length === 1 && record[0] === '') continue; // a blank line is not a row
    if (header) await take(run, header, record, line);
    else header = checkHeader(run.file, record);
  }
  if (!header) throw badFile(run.file, 'it is empty: there is no header line');
  await flush(run);
}

function checkHeader(file: string, header: string[]): string[] {
  const problem = headerProblem(header);
  if (problem) throw badFile(file, problem);
  return header;
}

function unreadable(run: Run, line: number, error: CsvError | undefined): void {
  if (error?.code === 'CSV_MAX_RECORD_SIZE') {
    throw badFile(
      run.file,
      `line ${line} runs on for over ${maxRecordSize} characters (a quote never closed?)`,
    );
  }
  run.report.rows += 1;
  reject(run, line, unreadableRow(error, line));
}

function badFile(file: string, problem: string): AppError {
  return new AppError('bad_csv', 400, `${file}: ${problem}. Nothing was imported.`);
}

async function take(run: Run, header: string[], record: string[], line: number): Promise<void> {
  run.report.rows += 1;
  const member = readRow(header, record);
  if (typeof member === 'string') reject(run, line, member);
  else admit(run, line, member);
  if (run.batch.length >= batchSize) await flush(run);
}

/** Holds a valid row against the earlier rows of the file; queues it if it is new. */
function admit(run: Run, line: number, member: Member): void {
  const { membership_id: id, email } = member;
  const digest = createHash('sha256').update(JSON.stringify(member)).digest('base64url');
  const first = run.ids.get(id);
  const other = run.emails.get(email.toLowerCase());
  if (first?.digest === digest) run.copies.push({ line, first });
  else if (first) {
    reject(
      run,
      line,
      `membership_id ${id} is already used by line ${first.line} for another person`,
    );
  } else if (other) {
    reject(
      run,
      line,
      `email ${email} is already used by line ${other.line} (membership_id ${other.id})`,
    );
  } else {
    const seen: Seen = { line, digest, outcome: 'pending' };
    run.ids.set(id, seen);
    run.emails.set(email.toLowerCase(), { line, id });
    run.batch.push({ line, member, seen });
  }
}

async function flush(run: Run): Promise<void> {
  const { batch, copies } = run;
  run.batch = [];
  run.copies = [];
  if (batch.length > 0) await store(run, batch);
  for (const { line, first } of copies) {
    if (first.outcome === 'rejected')
      reject(run, line, `repeats line ${first.line}, which was rejected`);
    else run.report.unchanged += 1;
  }
  run.progress(run.report.rows);
}

/** Inserts the new rows, then compares the others with what the database already holds. */
async function store(run: Run, batch: Pending[]): Promise<void> {
  const asJson = (pending: Pending[]) => [JSON.stringify(pending.map((p) => p.member))];
  const insert = sql(import.meta.url, 'db/queries/import-members.sql');
  const added = await run.db.query<{ membership_id: string }>(insert, asJson(batch));
  const ids = new Set(added.rows.map((r) => r.membership_id));
  run.report.inserted += ids.size;
  for (const p of batch) if (ids.has(p.member.membership_id)) p.seen.outcome = 'kept';
  const skipped = batch.filter((p) => p.seen.outcome === 'pending');
  if (skipped.length === 0) return;
  const compare = sql(import.meta.url, 'db/queries/import-members-existing.sql');
  const existing = await run.db.query<Existing>(compare, asJson(skipped));
  const byId = new Map(existing.rows.map((r) => [r.membership_id, r]));
  for (const p of skipped) {
    const reason = conflict(p.member, byId.get(p.member.membership_id));
    p.seen.outcome = reason ? 'rejected' : 'kept';
    if (reason) reject(run, p.line, reason);
    else run.report.unchanged += 1;
  }
}

function conflict(member: Member, found: Existing | undefined): string | undefined {
  const id = member.membership_id;
  if (found?.id_exists) {
    if (found.differs.length === 0) return undefined;
    return `membership_id ${id} is already in the database with a different ${found.differs.join(', ')}`;
  }
  if (found?.email_owner)
    return `email ${member.email} is already used by member ${found.email_owner} in the database`;
  // Neither inserted nor in conflict: fail the import rather than lose the row without a word.
  throw new Error(`membership_id ${id} was neither inserted nor found in the database`);
}

function reject(run: Run, line: number, reason: string): void {
  run.report.rejected.push({ line, reason });
}
