import type { Db } from '../platform/db/pool.ts';
import { scramVerifier } from '../platform/db/scram.ts';
import { sql } from '../platform/db/sql.ts';

export const teams = ['logistics', 'analytics', 'sales', 'admin'] as const;
export type Team = (typeof teams)[number];

export type Person = { login: string; team: Team; pii: boolean; canLogin: boolean };

export function isTeam(value: string): value is Team {
  return (teams as readonly string[]).includes(value);
}

/** Creates the person's own LOGIN role in their team's role. */
export async function addPerson(
  db: Db,
  person: { login: string; team: Team; pii: boolean; password: string },
): Promise<void> {
  await db.query('select commerce.add_person($1, $2, $3, $4)', [
    person.login,
    person.team,
    person.pii,
    scramVerifier(person.password),
  ]);
}

export async function listPeople(db: Db): Promise<Person[]> {
  const result = await db.query<{ login: string; team: Team; pii: boolean; can_login: boolean }>(
    sql(import.meta.url, 'db/queries/list-people.sql'),
  );
  return result.rows.map((r) => ({
    login: r.login,
    team: r.team,
    pii: r.pii,
    canLogin: r.can_login,
  }));
}

export async function setPersonEnabled(db: Db, login: string, enabled: boolean): Promise<void> {
  await db.query('select commerce.set_person_enabled($1, $2)', [login, enabled]);
}

export async function setPersonPii(db: Db, login: string, pii: boolean): Promise<void> {
  await db.query('select commerce.set_person_pii($1, $2)', [login, pii]);
}

export async function removePerson(db: Db, login: string): Promise<void> {
  await db.query('select commerce.remove_person($1)', [login]);
}
