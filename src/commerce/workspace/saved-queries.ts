// Saved queries: a person's own, and those others shared. Kept by the portal (not in the
// person's rights): a shared query is only text; running it runs as whoever runs it.
import type { Db } from '../../platform/db/pool.ts';
import { sql } from '../../platform/db/sql.ts';
import { AppError } from '../../platform/errors.ts';
import type { Who } from './query-log.ts';

const q = (name: string) => sql(import.meta.url, `../db/queries/${name}.sql`);

export type SavedQueryInput = { name: string; sql: string; description: string; shared: boolean };
export type SavedQuery = SavedQueryInput & {
  id: number;
  owner: string;
  /** The owner's team. */
  team: string;
  created_at: string;
  updated_at: string;
};

type Row = Omit<SavedQuery, 'sql'> & { statement: string };
const toSaved = ({ statement, ...row }: Row): SavedQuery => ({ ...row, sql: statement });

export async function listSavedQueries(db: Db, who: Who): Promise<SavedQuery[]> {
  return (await db.query<Row>(q('saved-queries-list'), [who.login])).rows.map(toSaved);
}

export async function getSavedQuery(db: Db, who: Who, id: number): Promise<SavedQuery> {
  const row = (await db.query<Row>(q('saved-queries-get'), [id, who.login])).rows[0];
  if (!row) throw notFound(id);
  return toSaved(row);
}

export async function createSavedQuery(
  db: Db,
  who: Who,
  input: SavedQueryInput,
): Promise<SavedQuery> {
  const result = await db.query<Row>(q('saved-queries-create'), [
    who.login,
    who.team,
    input.name,
    input.sql,
    input.description,
    input.shared,
  ]);
  return toSaved(result.rows[0] as Row);
}

export async function updateSavedQuery(
  db: Db,
  who: Who,
  id: number,
  input: SavedQueryInput,
): Promise<SavedQuery> {
  const result = await db.query<Row>(q('saved-queries-update'), [
    id,
    who.login,
    input.name,
    input.sql,
    input.description,
    input.shared,
  ]);
  if (!result.rows[0]) throw await notOwned(db, who, id);
  return toSaved(result.rows[0]);
}

export async function deleteSavedQuery(db: Db, who: Who, id: number): Promise<void> {
  const result = await db.query(q('saved-queries-delete'), [id, who.login]);
  if (!result.rows[0]) throw await notOwned(db, who, id);
}

/** 403 for a query the person sees (a shared one) but does not own, 404 for any other. */
async function notOwned(db: Db, who: Who, id: number): Promise<AppError> {
  const seen = (await db.query(q('saved-queries-get'), [id, who.login])).rows[0];
  return seen
    ? new AppError('not_yours', 403, 'Only the person who saved this query may change it.')
    : notFound(id);
}

function notFound(id: number): AppError {
  return new AppError('not_found', 404, `There is no saved query ${id} that you can see.`);
}
