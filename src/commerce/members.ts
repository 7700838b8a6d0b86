import type { Db } from '../platform/db/pool.ts';
import { sql } from '../platform/db/sql.ts';
import { type ListQuery, limitOffset, type Page, toPage } from './listing.ts';

export const memberSorts = ['membership_id', 'first_name', 'last_name', 'date_of_birth'] as const;

export type Member = {
  membership_id: string;
  first_name: string;
  last_name: string;
  date_of_birth: string;
  created_at: string;
  email?: string;
  mobile_no?: string;
};

/**
 * Members as the caller may see them: contact details only for people granted them. The two
 * queries name their columns, so nobody's `select` ever asks for a column they may not read.
 */
export async function listMembers(
  db: Db,
  query: ListQuery<(typeof memberSorts)[number]>,
  withContacts: boolean,
): Promise<Page<Member>> {
  const file = withContacts
    ? 'db/queries/list-members-with-contacts.sql'
    : 'db/queries/list-members.sql';
  const result = await db.query<Member & { total: number }>(sql(import.meta.url, file), [
    query.q ?? null,
    query.sort,
    query.order,
    ...limitOffset(query),
  ]);
  return toPage(result.rows);
}
