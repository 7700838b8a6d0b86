import { parseCidr } from '../../platform/cidr.ts';
import {
  type CommandTable,
  flag,
  positional,
  stringList,
  stringOption,
} from '../../platform/cli-kit.ts';
import { withDatabase } from '../../platform/db/open.ts';
import { UsageError } from '../../platform/errors.ts';
import { readSecret } from '../../platform/stdin.ts';
import { schemas } from '../../schemas.ts';
import {
  type PrincipalRole,
  principalKey,
  principalNamePattern,
  principalRoles,
} from '../principal.ts';
import { gatewaySecret } from '../shared-secret.ts';
import {
  addPrincipal,
  createKey,
  disablePrincipal,
  listPrincipals,
  revokeKey,
  type Scope,
  scopes,
} from './principals.ts';

const roleList = principalRoles.join('|');

export const principalCommands: CommandTable = {
  add: {
    summary: 'add a principal (user, engineer, analyst or admin), optionally limited to networks',
    usage: `tessera principals add <name> --role ${roleList} [--cidr <cidr>…] [--password-stdin]`,
    options: {
      role: { type: 'string' },
      cidr: { type: 'string', multiple: true },
      'password-stdin': { type: 'boolean' },
    },
    async run(input, ctx) {
      const name = positional(input, 0, 'the name', this.usage);
      if (!principalNamePattern.test(name))
        throw new UsageError(
          `"${name}" is not a principal name: 1 to 200 letters, digits and . _ @ + - (an e-mail address works)`,
        );
      const role = stringOption(input, 'role');
      if (!role || !(principalRoles as readonly string[]).includes(role))
        throw new UsageError(`--role must be one of ${roleList}\nusage: ${this.usage}`);
      const cidrs = stringList(input, 'cidr').map((value) => {
        try {
          return parseCidr(value);
        } catch (error) {
          throw new UsageError((error as Error).message);
        }
      });
      const password = flag(input, 'password-stdin') ? await readSecret(ctx.stdin) : undefined;
      if (password !== undefined && password.length < 10)
        throw new UsageError('the password must be at least 10 characters long');
      const added = await withDatabase(ctx, schemas, (db) =>
        addPrincipal(db, { name, role: role as PrincipalRole, password, cidrs }),
      );
      ctx.out(
        `Added ${added.name} (${added.role}${cidrs.length ? `, only from ${cidrs.join(', ')}` : ''}), id ${added.principal_id}.`,
      );
      if (!password) ctx.out(`Give them an API key: tessera keys create ${added.name}`);
    },
  },
  list: {
    summary: 'list principals, their roles, networks and live keys',
    usage: 'tessera principals list',
    async run(_input, ctx) {
      const rows = await withDatabase(ctx, schemas, (db) => listPrincipals(db));
      if (rows.length === 0)
        return void ctx.out(
          'No principals yet. Add one: tessera principals add <name> --role <role>',
        );
      ctx.out(
        `${'name'.padEnd(32)} ${'role'.padEnd(9)} ${'keys'.padEnd(5)} ${'status'.padEnd(9)} networks`,
      );
      for (const p of rows) {
        ctx.out(
          `${p.name.padEnd(32)} ${p.role.padEnd(9)} ${String(p.active_keys ?? 0).padEnd(5)} ${(p.disabled_at ? 'disabled' : 'active').padEnd(9)} ${p.cidrs.join(', ') || 'any'}`,
        );
      }
    },
  },
  disable: {
    summary: 'stop a principal: sign-in, keys and sessions all refused',
    usage: 'tessera principals disable <name>',
    async run(input, ctx) {
      const name = positional(input, 0, 'the name', this.usage);
      await withDatabase(ctx, schemas, (db) => disablePrincipal(db, name));
      ctx.out(`Disabled ${name}.`);
    },
  },
  'upstream-key': {
    summary:
      'print the key an API behind the gateway (GATEWAY_UPSTREAMS /api/<name>=…) verifies principals with',
    usage: 'tessera principals upstream-key <name>',
    async run(input, ctx) {
      const name = positional(input, 0, 'the upstream name', this.usage);
      if (!/^[a-z0-9-]{1,100}$/.test(name))
        throw new UsageError(`"${name}" is not an upstream name (the <name> of /api/<name>)`);
      // The key alone, for a secret store: it verifies for this upstream only.
      ctx.out(principalKey(await gatewaySecret(ctx.config), name).toString('base64url'));
    },
  },
};

export const keyCommands: CommandTable = {
  create: {
    summary: 'create an API key for a principal; it is printed once',
    usage: 'tessera keys create <principal> [--name <label>] [--scope images:read|images:write …]',
    options: { name: { type: 'string' }, scope: { type: 'string', multiple: true } },
    async run(input, ctx) {
      const principal = positional(input, 0, 'the principal', this.usage);
      const asked = stringList(input, 'scope');
      const bad = asked.filter((s) => !(scopes as readonly string[]).includes(s));
      if (bad.length > 0)
        throw new UsageError(`unknown scope ${bad.join(', ')}; use ${scopes.join(' or ')}`);
      const granted = (asked.length > 0 ? asked : [...scopes]) as Scope[];
      const key = await withDatabase(ctx, schemas, (db) =>
        createKey(db, principal, stringOption(input, 'name') ?? 'cli', granted),
      );
      ctx.out(`API key for ${principal} (${granted.join(', ')}), shown once:`);
      ctx.out(key);
      ctx.out('Send it as: Authorization: Bearer <key>');
    },
  },
  revoke: {
    summary: 'revoke an API key (give the key or its 12-character prefix)',
    usage: 'tessera keys revoke <key or prefix>',
    async run(input, ctx) {
      const key = positional(input, 0, 'the key or its prefix', this.usage);
      await withDatabase(ctx, schemas, (db) => revokeKey(db, key));
      ctx.out('Revoked.');
    },
  },
};
