// A small CSV a person uploads through the portal (a carrier's list of transaction numbers, a
// supplier's item list): parsed whole, header by name, each record with the line it starts on.
import { parse } from 'csv-parse/sync';
import { AppError } from '../platform/errors.ts';

export type UploadedRow = { line: number; cells: Record<string, string> };

/**
 * The rows of `text` under its header line, the header's names lower-cased. A file the parser
 * cannot read is refused as a whole, with the parser's line.
 */
export function parseUploadedCsv(text: string): { header: string[]; rows: UploadedRow[] } {
  let records: { record: string[]; line: number }[];
  try {
    const parsed = parse(text, {
      bom: true,
      trim: true,
      skip_empty_lines: true,
      relax_column_count: true,
      info: true,
    }) as unknown as { record: string[]; info: { lines: number } }[];
    // `info.lines` is the line a record ends on; a quoted cell may span lines, these rarely do.
    records = parsed.map(({ record, info }) => ({ record, line: info.lines }));
  } catch (error) {
    const line = (error as { lines?: number }).lines;
    throw new AppError(
      'csv_unreadable',
      400,
      `The file is not readable CSV${line ? ` (line ${line})` : ''}.`,
    );
  }
  const [first, ...rest] = records;
  if (!first) throw new AppError('csv_empty', 400, 'The file has no rows.');
  const header = first.record.map((name) => name.toLowerCase());
  // A row with more or fewer cells than the header would put values under the wrong names
  // (an unquoted 12,50 becomes a cost of 12 and a weight of 50): the file is refused.
  const ragged = rest.find(({ record }) => record.length !== header.length);
  if (ragged)
    throw new AppError(
      'csv_ragged',
      400,
      `Line ${ragged.line} has ${ragged.record.length} cells but the header has ${header.length}; quote a cell that holds a comma.`,
    );
  return {
    header,
    rows: rest.map(({ record, line }) => ({
      line,
      cells: Object.fromEntries(header.map((name, i) => [name, record[i] ?? ''])),
    })),
  };
}
