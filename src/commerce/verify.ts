import type { Db } from '../platform/db/pool.ts';
import { sql } from '../platform/db/sql.ts';
import { groupRoles, type Policy, policy, roles, teamRoles } from './policy.ts';

export type Difference = {
  kind: 'unexpected' | 'missing' | 'role' | 'drift';
  description: string;
};

type Grant = {
  kind: string;
  object: string;
  column: string | null;
  privilege: string;
  grantee: string;
};

/** Compares the live grants with the declared policy; an empty list means they match exactly. */
export async function verifyPolicy(db: Db, declared: Policy = policy): Promise<Difference[]> {
  const schemas = Object.keys(declared.schemas);
  const live = await db.query<Grant>(sql(import.meta.url, 'db/queries/live-grants.sql'), [schemas]);
  const actual = new Set(live.rows.map(describe));
  const expected = new Set(expectedGrants(declared).map(describe));
  const differences: Difference[] = [];
  for (const grant of actual) {
    if (!expected.has(grant)) differences.push({ kind: 'unexpected', description: grant });
  }
  for (const grant of expected) {
    if (!actual.has(grant)) differences.push({ kind: 'missing', description: grant });
  }
  const problems = await db.query<{ problem: string }>(
    sql(import.meta.url, 'db/queries/role-problems.sql'),
    [groupRoles, teamRoles, roles.portal],
  );
  for (const row of problems.rows) differences.push({ kind: 'role', description: row.problem });
  return differences;
}

export function expectedGrants(declared: Policy): Grant[] {
  const grants: Grant[] = [];
  for (const grantee of declared.connect) {
    grants.push({
      kind: 'database',
      object: '(this database)',
      column: null,
      privilege: 'CONNECT',
      grantee,
    });
  }
  for (const [schema, users] of Object.entries(declared.schemas)) {
    for (const grantee of users)
      grants.push({ kind: 'schema', object: schema, column: null, privilege: 'USAGE', grantee });
  }
  for (const [object, byRole] of Object.entries(declared.relations)) {
    for (const [grantee, privileges] of Object.entries(byRole)) {
      for (const [privilege, scope] of Object.entries(privileges)) {
        if (scope === true)
          grants.push({ kind: 'relation', object, column: null, privilege, grantee });
        else
          for (const column of scope)
            grants.push({ kind: 'column', object, column, privilege, grantee });
      }
    }
  }
  for (const [object, users] of Object.entries(declared.functions)) {
    for (const grantee of users)
      grants.push({ kind: 'function', object, column: null, privilege: 'EXECUTE', grantee });
  }
  return grants;
}

function describe(grant: Grant): string {
  const target = grant.column ? `${grant.object} (${grant.column})` : grant.object;
  return `${grant.privilege} on ${grant.kind} ${target} to ${grant.grantee}`;
}

/**
 * Recomputes the sums the analyst views read (kept by triggers, migration 0007) from the base
 * tables; each disagreement is a 'drift'. Reads every completed transaction, so it needs a role
 * that reads the commerce tables (the owner, as `tessera db verify` connects).
 */
export async function verifyKeptTotals(db: Db): Promise<Difference[]> {
  const drift = await db.query<{ description: string }>(
    sql(import.meta.url, 'db/queries/kept-totals-drift.sql'),
  );
  return drift.rows.map((row) => ({ kind: 'drift', description: row.description }));
}
