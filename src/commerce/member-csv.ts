// Reading memberships.csv: its records with their line numbers, its header, and each row checked
// the way the table's constraints check it, in words a person can act on, so a bad row is
// reported with its reason instead of failing a whole batch in the database.
import type { Readable } from 'node:stream';
import { type CsvError, type Options, parse } from 'csv-parse';
import { z } from 'zod';

export type CsvRecord = { record: string[]; line: number };

/**
 * The records of a CSV stream, each with the line it starts on. A record the parser cannot read
 * goes to `onSkip` with its line (thrown errors there end the stream), and reading goes on.
 */
export function csvRecords(
  source: Readable,
  maxRecordSize: number,
  onSkip: (line: number, error: CsvError | undefined) => void,
): AsyncIterable<CsvRecord> {
  let next = 1; // the line the next record starts on: blank lines are records too, so it is exact
  const options: Options<CsvRecord, string[]> = {
    bom: true,
    trim: true,
    relax_column_count: true, // a row with the wrong number of fields is rejected, not fatal
    skip_records_with_error: true,
    record_delimiter: ['\r\n', '\n'], // also files whose line endings are mixed
    max_record_size: maxRecordSize,
    on_record: (record: string[], info) => {
      const line = next;
      next = info.lines + 1;
      return { record, line };
    },
    on_skip: (error: CsvError | undefined) => {
      const line = next;
      next = Number(error?.lines ?? line) + 1;
      onSkip(line, error);
    },
  };
  // The typings only let `on_record` return the record type when `columns` is set.
  return source.compose(parse(options as unknown as Options)) as AsyncIterable<CsvRecord>;
}

/** What is wrong with the header line, if anything. */
export function headerProblem(header: string[]): string | undefined {
  const missing = Object.keys(memberSchema.shape).filter((column) => !header.includes(column));
  const repeated = header.filter((column, i) => header.indexOf(column) !== i);
  if (missing.length === 0 && repeated.length === 0) return undefined;
  const problem =
    missing.length > 0 ? `lacks ${missing.join(', ')}` : `repeats ${repeated.join(', ')}`;
  return `the header line ${problem} (it has: ${header.join(', ')})`;
}

const present = (column: string) =>
  z
    .string()
    .trim()
    .min(1, { error: `missing ${column}`, abort: true })
    .regex(/^\P{Cc}*$/u, { error: `${column} contains a control character`, abort: true });

const birthDate = present('date_of_birth').transform((value, ctx) => {
  const problem = dateProblem(value);
  if (problem) {
    ctx.issues.push({
      code: 'custom',
      input: value,
      message: `date_of_birth "${value}" ${problem}`,
    });
    return z.NEVER;
  }
  return `${value.slice(0, 4)}-${value.slice(4, 6)}-${value.slice(6)}`;
});

export const memberSchema = z.object({
  membership_id: present('membership_id').regex(/^\S+_[0-9a-f]{5}$/, {
    error: (issue) => `membership_id "${issue.input}" is not a name, "_" and 5 hex digits`,
  }),
  first_name: present('first_name'),
  last_name: present('last_name'),
  // Zod's address check is stricter than the table's, so whatever passes here the table accepts.
  email: present('email').pipe(
    z.email({ error: (issue) => `email "${issue.input}" is not an email address` }),
  ),
  date_of_birth: birthDate,
  mobile_no: present('mobile_no').regex(/^[0-9]{8}$/, {
    error: (issue) => `mobile_no "${issue.input}" must be 8 digits`,
  }),
  above_18: present('above_18').refine((value) => value === 'Y', {
    error: (issue) => `above_18 is "${issue.input}": only adult applicants are members`,
  }),
});

/** A row as the table stores it; `date_of_birth` is YYYY-MM-DD. */
export type Member = Omit<z.output<typeof memberSchema>, 'above_18'>;

/** The member a CSV row describes, or why the row is rejected (every problem, not just the first). */
export function readRow(header: string[], record: string[]): Member | string {
  if (record.length !== header.length)
    return `has ${record.length} fields, but the header has ${header.length}`;
  const parsed = memberSchema.safeParse(
    Object.fromEntries(header.map((column, i) => [column, record[i]])),
  );
  if (!parsed.success) return parsed.error.issues.map((issue) => issue.message).join('; ');
  const { above_18: _adult, ...member } = parsed.data;
  return member;
}

function dateProblem(value: string): string | undefined {
  if (!/^[0-9]{8}$/.test(value)) return 'is not a date (YYYYMMDD)';
  if (value <= '19000101') return 'is not after 1900-01-01';
  const [year, month, day] = [value.slice(0, 4), value.slice(4, 6), value.slice(6)].map(Number);
  const date = new Date(Date.UTC(year ?? 0, (month ?? 0) - 1, day ?? 0));
  if (date.getUTCMonth() + 1 !== month || date.getUTCDate() !== day)
    return 'is not a real date (YYYYMMDD)';
  // above_18 is Y, so a birth date less than 18 years ago contradicts it, whenever they applied.
  const adultsBornBy = new Date();
  adultsBornBy.setUTCFullYear(adultsBornBy.getUTCFullYear() - 18);
  if (date > adultsBornBy) return 'is less than 18 years ago, yet above_18 is Y';
  return undefined;
}

/** Why the CSV parser could not read a row, in words. */
export function unreadableRow(error: CsvError | undefined, line: number): string {
  switch (error?.code) {
    case 'INVALID_OPENING_QUOTE':
      return 'unreadable CSV line: a quote inside an unquoted field (quote the whole field and double the quote: "O""Brien")';
    case 'CSV_INVALID_CLOSING_QUOTE':
    case 'CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE':
      return 'unreadable CSV line: text follows a closing quote before the next comma';
    case 'CSV_QUOTE_NOT_CLOSED':
      return `unreadable CSV: a quote opened here is never closed, so lines ${line} to ${String(error.lines)} could not be read`;
    default:
      return `unreadable CSV line: ${error?.message ?? 'unknown parser error'}`;
  }
}
