// react-admin's view of the portal API. Each resource names its path and its key; every record gets
// an `id` (react-admin's convention) copied from that key.
import type { DataProvider, GetListParams, RaRecord } from 'react-admin';
import { api, query } from './api.ts';

/** `keyset`: the list answers each page with a cursor for the next (next_cursor), see getList. */
type Resource = { path: string; key: string; sorts?: string[]; paged?: boolean; keyset?: boolean };

export const resources: Record<string, Resource> = {
  memberships: { path: '/api/memberships', key: 'membership_id' },
  manufacturers: { path: '/api/manufacturers', key: 'manufacturer_id' },
  items: { path: '/api/items', key: 'item_id' },
  transactions: { path: '/api/transactions', key: 'transaction_id', keyset: true },
  people: { path: '/api/people', key: 'login', paged: false },
  audit: { path: '/api/audit', key: 'audit_id' },
};

function resourceOf(name: string): Resource {
  const resource = resources[name];
  if (!resource) throw new Error(`Unknown resource ${name}`);
  return resource;
}

const withId = (key: string) => (row: Record<string, unknown>) =>
  ({ ...row, id: row[key] }) as RaRecord;

/** The query string of a list request: filters, sort, page (the same parameters the CSV export takes). */
export function listQuery(
  name: string,
  params: Pick<GetListParams, 'filter' | 'sort' | 'pagination'>,
  format?: 'csv',
) {
  const { key } = resourceOf(name);
  const sort = params.sort?.field === 'id' ? key : params.sort?.field;
  return query({
    ...params.filter,
    sort,
    order: params.sort?.order?.toLowerCase(),
    page: format ? undefined : params.pagination?.page,
    per_page: format ? undefined : params.pagination?.perPage,
    format,
  });
}

type ListPage = { data: Record<string, unknown>[]; total: number; next_cursor?: string | null };

// Keyset paging: each page of a keyset list comes with the cursor of the page after it, kept here
// by list (resource, filters, sort, page size) and page number. Asking for that page with it reads
// on from where the last one stopped in the index; a page jumped to without one goes by number.
const cursors = new Map<string, string>();
const maxCursors = 1_000;

function cursorKey(name: string, params: GetListParams, page: number): string {
  const { filter, sort, pagination } = params;
  return JSON.stringify([name, filter, sort, pagination?.perPage, page]);
}

function rememberCursor(key: string, cursor: string | null | undefined): void {
  if (!cursor) return;
  if (cursors.size >= maxCursors) cursors.clear();
  cursors.set(key, cursor);
}

export const dataProvider: DataProvider = {
  async getList(name, params) {
    const { path, key, paged, keyset } = resourceOf(name);
    if (paged === false) {
      const { data } = await api<{ data: Record<string, unknown>[] }>('GET', path);
      return { data: data.map(withId(key)), total: data.length } as never;
    }
    const pageNumber = params.pagination?.page ?? 1;
    const after = keyset ? cursors.get(cursorKey(name, params, pageNumber)) : undefined;
    const search = listQuery(name, params);
    const cursor = after ? `${search ? '&' : '?'}after=${encodeURIComponent(after)}` : '';
    const page = await api<ListPage>('GET', `${path}${search}${cursor}`);
    if (keyset) rememberCursor(cursorKey(name, params, pageNumber + 1), page.next_cursor);
    return { data: page.data.map(withId(key)), total: page.total } as never;
  },
  async getOne(name, { id }) {
    const { path, key, paged } = resourceOf(name);
    if (paged === false) {
      const { data } = await api<{ data: Record<string, unknown>[] }>('GET', path);
      const found = data.find((row) => row[key] === id);
      if (!found) throw new Error(`No ${name} ${id}`);
      return { data: withId(key)(found) } as never;
    }
    return {
      data: withId(key)(await api('GET', `${path}/${encodeURIComponent(String(id))}`)),
    } as never;
  },
  async getMany(name, { ids }) {
    const { path, key } = resourceOf(name);
    if (name === 'memberships' || name === 'manufacturers') {
      // No per-key route for these: page through the list filtered by the search text.
      const rows = await Promise.all(
        ids.map(async (id) =>
          (
            await api<{ data: Record<string, unknown>[] }>(
              'GET',
              `${path}${query({ q: String(id), per_page: 5 })}`,
            )
          ).data.find((r) => r[key] === id),
        ),
      );
      return {
        data: rows.filter((r): r is Record<string, unknown> => !!r).map(withId(key)),
      } as never;
    }
    const rows = await Promise.all(
      ids.map((id) =>
        api<Record<string, unknown>>('GET', `${path}/${encodeURIComponent(String(id))}`),
      ),
    );
    return { data: rows.map(withId(key)) } as never;
  },
  async getManyReference(name, params) {
    return dataProvider.getList(name, {
      ...params,
      filter: { ...params.filter, [params.target]: params.id },
    });
  },
  async create(name, { data }) {
    const { path, key } = resourceOf(name);
    return { data: withId(key)(await api('POST', path, data)) } as never;
  },
  async update(name, { id, data, previousData }) {
    const { path, key } = resourceOf(name);
    const method = name === 'people' ? 'PATCH' : 'PUT';
    // The version the person edited: the server refuses the save if someone changed the row since.
    const body =
      name === 'items'
        ? {
            ...pick(data, ['item_name', 'item_cost', 'item_weight']),
            updated_at: previousData?.updated_at,
          }
        : data;
    return {
      data: withId(key)(await api(method, `${path}/${encodeURIComponent(String(id))}`, body)),
    } as never;
  },
  async updateMany() {
    throw new Error('Not supported: change records one at a time.');
  },
  async delete(name, { id, previousData }) {
    const { path } = resourceOf(name);
    await api('DELETE', `${path}/${encodeURIComponent(String(id))}`);
    return { data: previousData } as never;
  },
  async deleteMany() {
    throw new Error('Not supported: nothing is deleted in bulk.');
  },
};

function pick(data: Record<string, unknown>, keys: string[]) {
  return Object.fromEntries(keys.map((k) => [k, data[k]]));
}
