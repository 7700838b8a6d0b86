import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { tessera } from '../../../test/helpers/cli.ts';
import { createTestDatabase, outcome, type TestDatabase } from '../../../test/helpers/database.ts';
import { blockLines } from '../../platform/db/hba.ts';
import { type Connection, connect } from '../../platform/db/pool.ts';
import {
  createAnalyticsLogin,
  listAnalyticsLogins,
  loginRules,
  loginUrl,
  removeAnalyticsLogin,
  rotateAnalyticsLogin,
} from './logins.ts';

// Logins are cluster-wide: unique names, and every one removed at the end.
const newName = () => `bi_${randomBytes(5).toString('hex')}`;
// Refused for want of a privilege, for being read-only, or (a view of aggregates) for not being writable.
const refusals = ['42501', '25006', '55000'];

describe('analytics SQL logins for BI tools', () => {
  let db: TestDatabase;
  const made = new Set<string>();
  const sessions: Connection[] = [];
  const open = async (url: string) => {
    const session = await connect(url);
    sessions.push(session);
    return session;
  };
  const create = async (login = newName()) => {
    made.add(login);
    return { login, url: await createAnalyticsLogin(db.admin, db.url, login) };
  };

  before(async () => {
    db = await createTestDatabase();
    await db.admin.query(
      `insert into images.refusals (owner_id, source, reason, message) values ('o', 'upload', 'empty', 'Empty.')`,
    );
  });
  after(async () => {
    await Promise.all(sessions.map((s) => s.end().catch(() => {})));
    for (const login of made) await removeAnalyticsLogin(db.admin, login).catch(() => {});
    await db.close();
  });

  /** Every relation of schema analytics, so views added later are covered without editing this. */
  const analyticsRelations = async () => {
    const found = await db.admin.query<{ name: string; first: string }>(
      `select format('analytics.%I', c.relname) as name,
              (select quote_ident(a.attname) from pg_attribute a
               where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped order by a.attnum limit 1) as first
       from pg_class c where c.relnamespace = 'analytics'::regnamespace and c.relkind in ('r', 'p', 'v', 'm', 'f')
       order by 1`,
    );
    return found.rows;
  };

  test('reads every view of schema analytics, seeing data it has no right on by itself', async () => {
    const { url } = await create();
    assert.match(url, /^postgres:\/\/bi_[0-9a-f]{10}:[A-Za-z0-9_-]{24}@[^/]+:\d+\/tessera_test_/);
    const bi = await open(url);
    const relations = await analyticsRelations();
    const names = relations.map((r) => r.name);
    for (const view of ['analytics.images', 'analytics.daily_uploads', 'analytics.daily_refusals'])
      assert.ok(names.includes(view), view);
    for (const { name } of relations)
      assert.equal(await outcome(bi.query(`select * from ${name} limit 1`)), 'ok', name);
    const refused = await bi.query('select reason, refusals from daily_refusals');
    assert.deepEqual(refused.rows, [{ reason: 'empty', refusals: 1 }], 'search_path is analytics');
  });

  test('cannot write: not through the views, not even in a read-write transaction', async () => {
    const { url } = await create();
    const bi = await open(url);
    for (const { name, first } of await analyticsRelations()) {
      const writes = [
        `insert into ${name} default values`,
        `update ${name} set ${first} = ${first} where false`,
        `delete from ${name} where false`,
      ];
      for (const write of writes) {
        assert.ok(refusals.includes(await outcome(bi.query(write))), write);
        await bi.query('begin read write');
        const code = await outcome(bi.query(write));
        await bi.query('rollback');
        assert.ok(['42501', '55000'].includes(code), `${write} (read write): ${code}`);
      }
    }
    await bi.query('begin read write');
    assert.equal(await outcome(bi.query('delete from analytics.images where false')), '42501');
    await bi.query('rollback');
  });

  test('reads nothing outside schema analytics: base tables, principals, keys, commerce', async () => {
    const { url } = await create();
    const bi = await open(url);
    const others = await db.admin.query<{ name: string }>(
      `select format('%I.%I', n.nspname, c.relname) as name
       from pg_class c join pg_namespace n on n.oid = c.relnamespace
       where c.relkind in ('r', 'p', 'v', 'm', 'f', 'S')
         and n.nspname not in ('analytics', 'information_schema') and n.nspname !~ '^pg_'
       order by 1`,
    );
    const names = others.rows.map((r) => r.name);
    for (const table of [
      'images.images',
      'images.objects',
      'images.refusals',
      'gateway.principals',
      'gateway.api_keys',
      'gateway.sessions',
      'commerce.memberships',
      'commerce.transactions',
      'commerce.audit_log',
    ])
      assert.ok(names.includes(table), table);
    for (const name of names)
      assert.equal(await outcome(bi.query(`select * from ${name} limit 1`)), '42501', name);
    assert.equal(
      await outcome(bi.query(`select images.add_analytics_login('x_y', 'z')`)),
      '42501',
      'the login functions',
    );
  });

  test('creates nothing: no table in public, no temporary table, no large object', async () => {
    const { url } = await create();
    const bi = await open(url);
    await bi.query('begin read write');
    assert.equal(await outcome(bi.query('create table public.bi_notes (x int)')), '42501');
    await bi.query('rollback');
    await bi.query('begin read write');
    assert.equal(await outcome(bi.query('create temporary table bi_notes (x int)')), '42501');
    await bi.query('rollback');
    await bi.query('begin read write');
    assert.equal(await outcome(bi.query(`select lo_from_bytea(0, 'x')`)), '42501');
    await bi.query('rollback');
  });

  test('runs read-only by default, under a statement timeout, at most 5 connections', async () => {
    const { url } = await create();
    const bi = await open(url);
    const show = async (setting: string) =>
      (await bi.query<Record<string, string>>(`show ${setting}`)).rows[0]?.[setting];
    assert.equal(await show('statement_timeout'), '1min');
    assert.equal(await show('default_transaction_read_only'), 'on');
    assert.equal(await show('idle_in_transaction_session_timeout'), '5min');
    assert.equal(await show('search_path'), 'analytics');
    for (let i = 1; i < 5; i += 1) await open(url);
    assert.equal(await outcome(open(url)), '53300', 'too many connections');
  });

  test('--rotate gives a new password and ends the old sessions; --revoke removes the login', async () => {
    const { login, url } = await create();
    const old = await open(url);
    const rotated = await rotateAnalyticsLogin(db.admin, db.url, login);
    assert.notEqual(await outcome(old.query('select 1')), 'ok', 'the old session ended');
    assert.equal(await outcome(open(url)), '28P01', 'the old password is refused');
    const bi = await open(rotated);
    assert.ok((await listAnalyticsLogins(db.admin)).some((l) => l.login === login));
    await removeAnalyticsLogin(db.admin, login);
    assert.notEqual(await outcome(bi.query('select 1')), 'ok', 'its session ended');
    assert.equal(await outcome(open(rotated)), '28P01', 'its URL no longer connects');
    const left = await db.admin.query('select 1 from pg_roles where rolname = $1', [login]);
    assert.equal(left.rowCount, 0);
  });

  test('touches no role but its own: names are checked, other roles are never dropped', async () => {
    const { login } = await create();
    await assert.rejects(create(login), /already exists \(--rotate/);
    await assert.rejects(create('BI-Tool'), /lowercase letters/);
    await assert.rejects(create('commerce_bi'), /reserved/);
    await assert.rejects(create('postgres'), /reserved/);
    const person = await db.addPerson('analytics');
    await assert.rejects(create(person.login), /not an analytics login/);
    for (const role of [person.login, 'postgres', 'tessera_analytics_reader', 'commerce_portal'])
      await assert.rejects(removeAnalyticsLogin(db.admin, role), /not an analytics login/);
    await assert.rejects(removeAnalyticsLogin(db.admin, 'bi_nobody'), /there is no login/);
    const kept = await db.admin.query('select 1 from pg_roles where rolname = $1', [person.login]);
    assert.equal(kept.rowCount, 1);
  });

  test('the URL keeps the server, port, database and sslmode, and nothing else of the admin URL', () => {
    assert.equal(
      loginUrl(
        'postgresql://admin:secret@db.internal/warehouse?sslmode=require&password=x',
        'bi',
        'p/w',
      ),
      'postgres://bi:p%2Fw@db.internal:5432/warehouse?sslmode=require',
    );
  });

  test('the CLI prints only the URL on stdout, the network rules on stderr for an external server', async () => {
    const login = newName();
    made.add(login);
    const created = tessera(['analytics', 'sql-login', login, '--cidr', '10.8.0.0/16'], {
      databaseUrl: db.url,
    });
    assert.equal(created.status, 0, created.stderr);
    const lines = created.stdout.trimEnd().split('\n');
    assert.equal(lines.length, 1, created.stdout);
    const url = lines[0] ?? '';
    assert.match(url, /^postgres:\/\//);
    for (const line of blockLines(loginRules(login, db.name, ['10.8.0.0/16'])))
      assert.ok(created.stderr.includes(line), line);
    const bi = await open(url);
    await bi.query('select count(*) from analytics.images');
    const listed = tessera(['analytics', 'sql-logins'], { databaseUrl: db.url });
    assert.match(listed.stdout, new RegExp(`${login}\\s+5\\s+1`));
    const bad = tessera(['analytics', 'sql-login', login, '--cidr', '10.8.0.0/33'], {
      databaseUrl: db.url,
    });
    assert.equal(bad.status, 2, 'a bad network is a usage error');
    const revoked = tessera(['analytics', 'sql-login', '--revoke', login], { databaseUrl: db.url });
    assert.equal(revoked.status, 0, revoked.stderr);
    assert.equal(revoked.stdout, '');
    assert.equal(await outcome(open(url)), '28P01');
    const again = tessera(['analytics', 'sql-login', '--revoke', login], { databaseUrl: db.url });
    assert.equal(again.status, 1);
    assert.match(again.stderr, /there is no login/);
  });
});
