import { parseCidrOptions } from '../../platform/cidr.ts';
import {
  type CommandContext,
  type CommandTable,
  flag,
  positional,
  stringList,
} from '../../platform/cli-kit.ts';
import { blockLines, writeHbaBlock } from '../../platform/db/hba.ts';
import { withDatabase } from '../../platform/db/open.ts';
import type { Db } from '../../platform/db/pool.ts';
import { UsageError } from '../../platform/errors.ts';
import { schemas } from '../../schemas.ts';
import {
  createAnalyticsLogin,
  databaseOf,
  listAnalyticsLogins,
  loginBlockName,
  loginRules,
  removeAnalyticsLogin,
  rotateAnalyticsLogin,
} from './logins.ts';

// Standard output carries only the URL, so `URL=$(tessera analytics sql-login bi)` works; every
// other word goes to standard error.
const note = (line: string) => process.stderr.write(`${line}\n`);

const usage =
  'tessera analytics sql-login <login> [--cidr <cidr> …] [--rotate]\n       tessera analytics sql-login --revoke <login>';

export const analyticsCommands: CommandTable = {
  'sql-login': {
    summary: 'a read-only PostgreSQL login on schema analytics for a BI tool; prints its URL once',
    usage,
    options: {
      cidr: { type: 'string', multiple: true },
      rotate: { type: 'boolean' },
      revoke: { type: 'boolean' },
    },
    async run(input, ctx) {
      const login = positional(input, 0, 'the login', usage);
      if (input.positionals.length > 1)
        throw new UsageError(`one login at a time\nusage: ${usage}`);
      const cidrs = parseCidrOptions(stringList(input, 'cidr'));
      const rotate = flag(input, 'rotate');
      if (flag(input, 'revoke')) {
        if (rotate || cidrs.length > 0)
          throw new UsageError(`--revoke takes no other option\nusage: ${usage}`);
        await revoke(ctx, login);
        return 0;
      }
      const url = await withDatabase(ctx, schemas, async (db, serverUrl) => {
        const made = rotate
          ? await rotateAnalyticsLogin(db, serverUrl, login)
          : await createAnalyticsLogin(db, serverUrl, login);
        if (cidrs.length > 0) {
          await restrict(ctx, db, login, databaseOf(serverUrl), cidrs).catch(async (error) => {
            // A new login must not stay open to every network because its rules failed.
            if (!rotate) await removeAnalyticsLogin(db, login);
            throw error;
          });
        }
        return made;
      });
      ctx.out(url);
      note(
        rotate
          ? `${login} has a new password (in the URL above, shown once); its open sessions were ended.`
          : `Created ${login}: reads the views of schema analytics and nothing else, read-only, at most 5 connections, 60 s a statement. The password is in the URL above, shown once.`,
      );
      if (!ctx.config.database.url)
        note(
          'The embedded server listens on 127.0.0.1 only: a BI tool on another machine needs an external server (DATABASE_URL).',
        );
    },
  },
  'sql-logins': {
    summary: 'list the BI logins, their connection limits and open sessions',
    usage: 'tessera analytics sql-logins',
    async run(_input, ctx) {
      const logins = await withDatabase(ctx, schemas, (db) => listAnalyticsLogins(db));
      if (logins.length === 0) {
        ctx.out('No analytics logins yet. Add one: tessera analytics sql-login <login>');
        return;
      }
      ctx.out(`${'login'.padEnd(32)} ${'limit'.padEnd(6)} sessions`);
      for (const l of logins)
        ctx.out(`${l.login.padEnd(32)} ${String(l.connectionLimit).padEnd(6)} ${l.sessions}`);
    },
  },
};

/** pg_hba.conf rules for the login: written into the embedded server's file, printed for another. */
async function restrict(
  ctx: CommandContext,
  db: Db,
  login: string,
  database: string,
  cidrs: string[],
): Promise<void> {
  const block = loginRules(login, database, cidrs);
  if (ctx.config.database.url) {
    note(
      '# DATABASE_URL names an external server: add these lines to its pg_hba.conf, above its other rules,',
    );
    note('# then reload it (select pg_reload_conf()).');
    for (const line of blockLines(block)) note(line);
    return;
  }
  const file = await writeHbaBlock(db, block.name, block);
  note(`Updated ${file}: ${login} is let in only from ${cidrs.join(', ')}.`);
}

async function revoke(ctx: CommandContext, login: string): Promise<void> {
  await withDatabase(ctx, schemas, async (db) => {
    await removeAnalyticsLogin(db, login);
    if (!ctx.config.database.url) await writeHbaBlock(db, loginBlockName(login), null);
  });
  note(`Removed ${login}; its sessions were ended.`);
  if (ctx.config.database.url)
    note(
      `If its pg_hba.conf lines were added, remove the block from "# BEGIN ${loginBlockName(login)}" to "# END ${loginBlockName(login)}" and reload.`,
    );
}
