import type { Db } from '../platform/db/pool.ts';
import { sql } from '../platform/db/sql.ts';
import type { Team } from './people.ts';

export type Identity = { login: string; team: Team | null; pii: boolean };

/** Who the current database role is: their team (none for roles that are not people) and PII grant. */
export async function whoAmI(db: Db): Promise<Identity> {
  const result = await db.query<Identity>(sql(import.meta.url, 'db/queries/whoami.sql'));
  const row = result.rows[0];
  if (!row) throw new Error('whoami returned nothing');
  return row;
}
