import { AppError } from '../platform/errors.ts';

/** How every list is asked for: an optional search, one sort column, and a page. */
export type ListQuery<Sort extends string = string> = {
  q?: string | undefined;
  sort: Sort;
  order: 'asc' | 'desc';
  page: number;
  perPage: number;
  /** A cursor from the page before (lists paged by key): the page starts after it, `page` aside. */
  after?: string | undefined;
};

export type Page<T> = { data: T[]; total: number };

/**
 * A page of a list paged by key. Its total is exact up to `exactCountLimit` rows and the planner's
 * estimate past that; `next_cursor` asks for the page after it (null on the last page).
 */
export type KeysetPage<T> = Page<T> & { total_is_estimate: boolean; next_cursor: string | null };

/** Up to this many matching rows a list counts them; past it, counting costs more than the page. */
export const exactCountLimit = 10_000;

/** Where a page ended: the last row's sort value and key, in the order the list was sorted. */
export type Cursor = { sort: string; order: 'asc' | 'desc'; value: string | number; key: number };

export function encodeCursor(cursor: Cursor): string {
  const { sort, order, value, key } = cursor;
  return Buffer.from(JSON.stringify([sort, order, value, key])).toString('base64url');
}

/** The cursor, if it was made by a list sorted the same way; anything else is refused. */
export function decodeCursor(text: string, sort: string, order: 'asc' | 'desc'): Cursor {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    parsed = null;
  }
  if (
    !Array.isArray(parsed) ||
    parsed.length !== 4 ||
    parsed[0] !== sort ||
    parsed[1] !== order ||
    !['string', 'number'].includes(typeof parsed[2]) ||
    !Number.isSafeInteger(parsed[3])
  ) {
    throw new AppError(
      'bad_cursor',
      400,
      'The page cursor is not one this list gave for this sort order; ask for the page by number instead.',
    );
  }
  return { sort, order, value: parsed[2], key: parsed[3] };
}

/** The most rows one CSV export holds. */
export const exportLimit = 100_000;

export function limitOffset(query: ListQuery): [number, number] {
  return [query.perPage, (query.page - 1) * query.perPage];
}

/** Rows from a query that adds `count(*) over ()` as `total`, as a page. */
export function toPage<T extends { total: number }>(rows: T[]): Page<Omit<T, 'total'>> {
  const total = rows[0]?.total ?? 0;
  return { data: rows.map(({ total: _total, ...row }) => row), total };
}
