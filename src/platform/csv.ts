// The one CSV writer: every CSV Tessera hands out (the portal's exports, the analytics charts) is
// written here, so a cell that a spreadsheet would run as a formula is neutralised in one place.
// Pure (no Node-only imports beyond csv-stringify), so a browser app could share it.
import { stringify } from 'csv-stringify/sync';

/**
 * Leading characters that make a spreadsheet read a cell as a formula (OWASP's CSV injection
 * list), plus their full-width forms, which Apple Numbers folds into the plain ones.
 */
const formulaStart = /^[=+\-@\t\r\uFF1D\uFF0B\uFF0D\uFF20]/;

/**
 * A text cell as a spreadsheet may safely open it: one that would start a formula gets a leading
 * single quote (shown as text, never run) and is quoted. Only text is neutralised: a cell of a real
 * number type, such as -3.5, cannot hold a formula and stays a number. Text that merely looks like a
 * negative number ('-3.5' from a NUMERIC column) is neutralised too: we cannot know it is one.
 */
function textCell(value: string): string | { value: string; quoted: true } {
  return formulaStart.test(value) ? { value: `'${value}`, quoted: true } : value;
}

const cast = {
  string: textCell,
  object: (value: object) => textCell(JSON.stringify(value)),
  boolean: (value: boolean) => (value ? 'true' : 'false'),
};

/** Rows as CSV with a header line, in the order of `columns`; objects are written as JSON. */
export function toCsv(
  rows: readonly Record<string, unknown>[],
  columns: readonly string[],
): string {
  return stringify(rows as Record<string, unknown>[], {
    header: true,
    columns: [...columns],
    cast,
  });
}

/**
 * Rows given as arrays (a query's result, whose column names may repeat), headed by `header`;
 * with `header` null, none: a later page of the same download. Header cells are neutralised too.
 */
export function arrayRowsToCsv(
  rows: readonly unknown[][],
  header: readonly string[] | null,
): string {
  return stringify(header ? [[...header], ...rows] : (rows as unknown[][]), { cast });
}
