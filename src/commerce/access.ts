import { readFile, writeFile } from 'node:fs/promises';
import { parseCidr } from '../platform/cidr.ts';
import type { Db } from '../platform/db/pool.ts';
import { UsageError } from '../platform/errors.ts';
import { roles } from './policy.ts';

const begin =
  '# BEGIN tessera db access: personal logins only from these networks (managed by `tessera db access`)';
const end = '# END tessera db access';
const people = [roles.logistics, roles.analytics, roles.sales].map((r) => `+${r}`).join(',');

/** The networks given with --allow; at least one. */
export function parseCidrs(values: string[]): string[] {
  if (values.length === 0)
    throw new UsageError('give at least one --allow <cidr>, e.g. --allow 10.8.0.0/16');
  return values.map((value) => {
    try {
      return parseCidr(value);
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
  });
}

/**
 * pg_hba.conf lines that admit members of the team roles only from `cidrs` and reject them from
 * anywhere else. They go above every other rule (the first matching line wins), so the server's
 * own rules still apply to administrators and services.
 */
export function accessRules(cidrs: string[]): string[] {
  return [
    begin,
    ...cidrs.map((cidr) => `host all ${people} ${cidr} scram-sha-256`),
    `host all ${people} 0.0.0.0/0 reject`,
    `host all ${people} ::/0 reject`,
    end,
  ];
}

/** Writes the rules into the server's pg_hba.conf (replacing an earlier block) and reloads it. */
export async function applyAccessRules(db: Db, cidrs: string[]): Promise<string> {
  const found = await db.query<{ hba_file: string }>('show hba_file');
  const file = found.rows[0]?.hba_file;
  if (!file) throw new Error('the server did not say where its pg_hba.conf is');
  const previous = await readFile(file, 'utf8');
  await writeFile(file, `${accessRules(cidrs).join('\n')}\n${withoutManagedBlock(previous)}`);
  const problems = await db.query<{ line_number: number; error: string }>(
    'select line_number, error from pg_hba_file_rules where error is not null',
  );
  if (problems.rows.length > 0) {
    await writeFile(file, previous);
    const first = problems.rows[0];
    throw new Error(
      `PostgreSQL refused the new rules (line ${first?.line_number}: ${first?.error}); the file was restored`,
    );
  }
  await db.query('select pg_reload_conf()');
  return file;
}

function withoutManagedBlock(text: string): string {
  const start = text.indexOf(begin);
  const stop = text.indexOf(end);
  if (start === -1 || stop === -1) return text;
  return (text.slice(0, start) + text.slice(stop + end.length)).replace(/^\n+/, '');
}
