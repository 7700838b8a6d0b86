import { parseCidrOptions } from '../platform/cidr.ts';
import { blockLines, type HbaBlock, networkRules, writeHbaBlock } from '../platform/db/hba.ts';
import type { Db } from '../platform/db/pool.ts';
import { UsageError } from '../platform/errors.ts';
import { roles } from './policy.ts';

const blockName = 'tessera db access';
const people = [roles.logistics, roles.analytics, roles.sales].map((r) => `+${r}`).join(',');

/** The networks given with --allow; at least one. */
export function parseCidrs(values: string[]): string[] {
  if (values.length === 0)
    throw new UsageError('give at least one --allow <cidr>, e.g. --allow 10.8.0.0/16');
  return parseCidrOptions(values);
}

/**
 * pg_hba.conf lines that admit members of the team roles only from `cidrs` and reject them from
 * anywhere else. They go above every other rule (the first matching line wins), so the server's
 * own rules still apply to administrators and services.
 */
export function accessRules(cidrs: string[]): string[] {
  return blockLines(accessBlock(cidrs));
}

/** Writes the rules into the server's pg_hba.conf (replacing an earlier block) and reloads it. */
export function applyAccessRules(db: Db, cidrs: string[]): Promise<string> {
  return writeHbaBlock(db, blockName, accessBlock(cidrs));
}

function accessBlock(cidrs: string[]): HbaBlock {
  return {
    name: blockName,
    purpose: 'personal logins only from these networks (managed by `tessera db access`)',
    lines: networkRules(people, cidrs),
  };
}
