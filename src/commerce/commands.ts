import {
  type CommandTable,
  countOption,
  flag,
  positional,
  stringList,
  stringOption,
} from '../platform/cli-kit.ts';
import { migrate, migrationStatus } from '../platform/db/migrate.ts';
import { withDatabase } from '../platform/db/open.ts';
import { connect } from '../platform/db/pool.ts';
import { generatePassword } from '../platform/db/scram.ts';
import { openDatabaseServer } from '../platform/db/server.ts';
import { UsageError } from '../platform/errors.ts';
import { readSecret } from '../platform/stdin.ts';
import { schemas } from '../schemas.ts';
import { accessRules, applyAccessRules, parseCidrs } from './access.ts';
import { importMembers } from './import-members.ts';
import {
  addPerson,
  isTeam,
  listPeople,
  removePerson,
  setPersonEnabled,
  setPersonPii,
  teams,
} from './people.ts';
import { seedDemo } from './seed-demo.ts';
import { verifyKeptTotals, verifyPolicy } from './verify.ts';

export const commerceCommands: CommandTable = {
  migrate: {
    summary: 'apply new migrations (to DATABASE_URL, or the embedded server)',
    usage: 'tessera db migrate',
    async run(_input, ctx) {
      const server = await openDatabaseServer(ctx.config, ctx.log);
      try {
        const db = await connect(server.url, 'tessera-migrate');
        try {
          const report = await migrate(db, schemas, (name) => ctx.out(`applied ${name}`));
          if (report.functionsApplied.length > 0)
            ctx.out(`refreshed ${report.functionsApplied.length} procedure and view files`);
          ctx.out(
            report.applied.length === 0
              ? 'The schema is up to date.'
              : `Applied ${report.applied.length} migration(s).`,
          );
        } finally {
          await db.end();
        }
      } finally {
        await server.stop();
      }
    },
  },
  status: {
    summary: 'list migrations and whether each is applied',
    usage: 'tessera db status',
    async run(_input, ctx) {
      const server = await openDatabaseServer(ctx.config, ctx.log);
      try {
        const db = await connect(server.url, 'tessera-status');
        try {
          for (const m of await migrationStatus(db, schemas)) {
            ctx.out(
              `${m.appliedAt ? `applied ${m.appliedAt}` : 'pending                          '}  ${m.name}`,
            );
          }
        } finally {
          await db.end();
        }
      } finally {
        await server.stop();
      }
    },
  },
  verify: {
    summary:
      "compare the live grants with the declared policy, and the analyst views' kept sums with the transactions; exit 1 on any difference",
    usage: 'tessera db verify',
    async run(_input, ctx) {
      const { differences, drift } = await withDatabase(ctx, schemas, async (db) => ({
        differences: await verifyPolicy(db),
        drift: await verifyKeptTotals(db),
      }));
      if (differences.length === 0) ctx.out('The live grants match the policy.');
      else {
        ctx.out(`${differences.length} difference(s) from the policy:`);
        for (const d of differences) ctx.out(`  ${d.kind.padEnd(10)} ${d.description}`);
      }
      if (drift.length === 0) ctx.out("The analyst views' kept sums match the transactions.");
      else {
        ctx.out(`${drift.length} kept sum(s) drifted from the transactions:`);
        for (const d of drift) ctx.out(`  ${d.kind.padEnd(10)} ${d.description}`);
      }
      return differences.length === 0 && drift.length === 0 ? 0 : 1;
    },
  },
  access: {
    summary: 'let personal logins in only from these networks (pg_hba.conf)',
    usage: 'tessera db access --allow <cidr> [--allow <cidr> …]',
    options: { allow: { type: 'string', multiple: true } },
    async run(input, ctx) {
      const cidrs = parseCidrs(stringList(input, 'allow'));
      if (ctx.config.database.url) {
        ctx.out(
          '# DATABASE_URL names an external server: add these lines to its pg_hba.conf, above its other rules,',
        );
        ctx.out('# then reload it (select pg_reload_conf()).');
        for (const line of accessRules(cidrs)) ctx.out(line);
        return 0;
      }
      await withDatabase(ctx, schemas, async (db) => {
        const file = await applyAccessRules(db, cidrs);
        ctx.out(
          `Updated ${file} and reloaded the server: personal logins are let in only from ${cidrs.join(', ')}.`,
        );
      });
    },
  },
  'import-members': {
    summary: "load members from a CSV file (the seed pipeline's output); reports every bad row",
    usage: 'tessera db import-members <file.csv>',
    async run(input, ctx) {
      const file = positional(input, 0, 'the CSV file', this.usage);
      const report = await withDatabase(ctx, schemas, (db) =>
        importMembers(db, file, (done) => ctx.log.info({ rows: done }, 'import progress')),
      );
      ctx.out(
        `${report.inserted} new, ${report.unchanged} already present, ${report.rejected.length} rejected of ${report.rows} rows.`,
      );
      for (const r of report.rejected) ctx.out(`  line ${r.line}: ${r.reason}`);
      return report.rejected.length > 0 ? 1 : 0;
    },
  },
  'seed-demo': {
    summary: 'fill manufacturers, items and N transactions of plausible demo data',
    usage: 'tessera db seed-demo --transactions <N>',
    options: { transactions: { type: 'string' } },
    async run(input, ctx) {
      const count = countOption(input, 'transactions', { fallback: 1000, max: 100_000_000 });
      const report = await withDatabase(ctx, schemas, (db) =>
        seedDemo(db, count, (done) =>
          ctx.out(`  ${done.toLocaleString('en')} / ${count.toLocaleString('en')} transactions`),
        ),
      );
      ctx.out(
        `Seeded ${report.transactions.toLocaleString('en')} transactions (${report.lines.toLocaleString('en')} lines) in ${(report.milliseconds / 1000).toFixed(1)} s.`,
      );
    },
  },
};

const teamList = teams.join('|');

export const userCommands: CommandTable = {
  add: {
    summary: "create a person's own database login in a team; prints a generated password once",
    usage: `tessera users add <login> --team ${teamList} [--pii] [--password-stdin]`,
    options: {
      team: { type: 'string' },
      pii: { type: 'boolean' },
      'password-stdin': { type: 'boolean' },
    },
    async run(input, ctx) {
      const login = positional(input, 0, 'the login', this.usage);
      const team = stringOption(input, 'team');
      if (!team || !isTeam(team))
        throw new UsageError(`--team must be one of ${teamList}\nusage: ${this.usage}`);
      const fromStdin = flag(input, 'password-stdin');
      const password = fromStdin ? await readSecret(ctx.stdin) : generatePassword();
      if (password.length < 12)
        throw new UsageError('the password must be at least 12 characters long');
      const pii = flag(input, 'pii');
      await withDatabase(ctx, schemas, (db) => addPerson(db, { login, team, pii, password }));
      ctx.out(`Added ${login} to ${team}${pii ? ', with access to contact details' : ''}.`);
      if (!fromStdin) ctx.out(`Password (shown once): ${password}`);
    },
  },
  list: {
    summary: 'list people, their teams and access',
    usage: 'tessera users list',
    async run(_input, ctx) {
      const people = await withDatabase(ctx, schemas, (db) => listPeople(db));
      if (people.length === 0) {
        ctx.out('No people yet. Add one: tessera users add <login> --team <team>');
        return;
      }
      ctx.out(`${'login'.padEnd(24)} ${'team'.padEnd(10)} ${'pii'.padEnd(4)} status`);
      for (const p of people) {
        ctx.out(
          `${p.login.padEnd(24)} ${p.team.padEnd(10)} ${(p.pii ? 'yes' : 'no').padEnd(4)} ${p.canLogin ? 'active' : 'disabled'}`,
        );
      }
    },
  },
  disable: {
    summary: 'stop a person from signing in and end their sessions',
    usage: 'tessera users disable <login>',
    async run(input, ctx) {
      const login = positional(input, 0, 'the login', this.usage);
      await withDatabase(ctx, schemas, (db) => setPersonEnabled(db, login, false));
      ctx.out(`Disabled ${login}.`);
    },
  },
  enable: {
    summary: 'let a disabled person sign in again',
    usage: 'tessera users enable <login>',
    async run(input, ctx) {
      const login = positional(input, 0, 'the login', this.usage);
      await withDatabase(ctx, schemas, (db) => setPersonEnabled(db, login, true));
      ctx.out(`Enabled ${login}.`);
    },
  },
  pii: {
    summary: "grant or revoke reading members' email and mobile_no",
    usage: 'tessera users pii <login> --grant|--revoke',
    options: { grant: { type: 'boolean' }, revoke: { type: 'boolean' } },
    async run(input, ctx) {
      const login = positional(input, 0, 'the login', this.usage);
      const grant = flag(input, 'grant');
      if (grant === flag(input, 'revoke'))
        throw new UsageError(`give one of --grant or --revoke\nusage: ${this.usage}`);
      await withDatabase(ctx, schemas, (db) => setPersonPii(db, login, grant));
      ctx.out(
        grant
          ? `${login} may now read contact details.`
          : `${login} may no longer read contact details.`,
      );
    },
  },
  remove: {
    summary: "remove a person's login (their past changes stay in the audit log)",
    usage: 'tessera users remove <login>',
    async run(input, ctx) {
      const login = positional(input, 0, 'the login', this.usage);
      await withDatabase(ctx, schemas, (db) => removePerson(db, login));
      ctx.out(`Removed ${login}.`);
    },
  },
};
