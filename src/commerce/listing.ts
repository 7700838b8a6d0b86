/** How every list is asked for: an optional search, one sort column, and a page. */
export type ListQuery<Sort extends string = string> = {
  q?: string | undefined;
  sort: Sort;
  order: 'asc' | 'desc';
  page: number;
  perPage: number;
};

export type Page<T> = { data: T[]; total: number };

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
