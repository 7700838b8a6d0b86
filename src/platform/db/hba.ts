// The one way Tessera edits pg_hba.conf: named blocks between BEGIN/END markers, each owned by one
// command, placed above the server's own rules (the first matching line wins), checked by the
// server before it reloads them. Only the embedded server's file is ours to write; for an external
// server the commands print the same lines instead.
import { readFile, writeFile } from 'node:fs/promises';
import type { Db } from './pool.ts';

export type HbaBlock = {
  /** Identifies the block in the file, e.g. `tessera db access`. */
  name: string;
  /** Said once on the BEGIN line, for whoever reads the file. */
  purpose: string;
  lines: string[];
};

/** Rules that admit `users` to `database` only from `cidrs` (SCRAM) and reject them from anywhere else. */
export function networkRules(users: string, cidrs: string[], database = 'all'): string[] {
  return [
    ...cidrs.map((cidr) => `host ${database} ${users} ${cidr} scram-sha-256`),
    `host all ${users} 0.0.0.0/0 reject`,
    `host all ${users} ::/0 reject`,
  ];
}

/** A database or role name as a pg_hba.conf field: quoted unless plainly safe, never a keyword. */
export function hbaName(name: string): string {
  if (!/^[^\s",#]+$/.test(name)) throw new Error(`"${name}" cannot be named in pg_hba.conf`);
  const keyword = /^(all|sameuser|samerole|samegroup|replication)$/.test(name);
  return /^[a-z0-9_]+$/.test(name) && !keyword ? name : `"${name}"`;
}

/** The block as it appears in the file, markers included. */
export function blockLines(block: HbaBlock): string[] {
  return [`${beginMarker(block.name)}: ${block.purpose}`, ...block.lines, endMarker(block.name)];
}

/**
 * Puts `block` at the top of the server's pg_hba.conf, replacing an earlier block of the same
 * name, or only removes that block when `block` is null; then reloads the server. If PostgreSQL
 * finds a line it cannot use, the file is restored and nothing changes. Returns the file's path.
 */
export async function writeHbaBlock(db: Db, name: string, block: HbaBlock | null): Promise<string> {
  const found = await db.query<{ hba_file: string }>('show hba_file');
  const file = found.rows[0]?.hba_file;
  if (!file) throw new Error('the server did not say where its pg_hba.conf is');
  const previous = await readFile(file, 'utf8');
  const rest = withoutBlock(previous, name);
  const next = block ? `${blockLines(block).join('\n')}\n${rest}` : rest;
  if (next === previous) return file;
  await writeFile(file, next);
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

/** The file without the named block (matched by whole marker lines, so `x` never takes `x2`'s). */
export function withoutBlock(text: string, name: string): string {
  const lines = text.split('\n');
  const start = lines.findIndex(
    (l) => l === beginMarker(name) || l.startsWith(`${beginMarker(name)}: `),
  );
  if (start === -1) return text;
  const stop = lines.indexOf(endMarker(name), start);
  if (stop === -1) return text;
  const kept = [...lines.slice(0, start), ...lines.slice(stop + 1)];
  while (kept[0] === '') kept.shift();
  return kept.join('\n');
}

const beginMarker = (name: string) => `# BEGIN ${name}`;
const endMarker = (name: string) => `# END ${name}`;
