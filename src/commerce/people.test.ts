import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { tessera } from '../../test/helpers/cli.ts';
import { createTestDatabase, outcome, type TestDatabase } from '../../test/helpers/database.ts';
import { connect, quoteIdentifier, withCredentials } from '../platform/db/pool.ts';

describe('tessera users: personal logins', () => {
  let db: TestDatabase;
  const login = `u_${randomBytes(4).toString('hex')}`;
  const other = `u_${randomBytes(4).toString('hex')}`;
  const password = 'correct horse battery staple';

  before(async () => {
    db = await createTestDatabase();
  });
  after(async () => {
    for (const role of [login, other])
      await db.admin.query(`drop role if exists ${quoteIdentifier(role)}`);
    await db.close();
  });

  const signIn = async (user: string, secret: string) => {
    try {
      const session = await connect(withCredentials(db.url, user, secret));
      try {
        const rows = await session.query<{ user: string }>('select current_user as user');
        return rows.rows[0]?.user;
      } finally {
        await session.end();
      }
    } catch (error) {
      return (error as { code?: string }).code;
    }
  };

  test('add with --password-stdin: the person signs in with that password, in their team only', async () => {
    const result = tessera(['users', 'add', login, '--team', 'logistics', '--password-stdin'], {
      databaseUrl: db.url,
      input: `${password}\n`,
    });
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, new RegExp(`Added ${login} to logistics`));
    assert.doesNotMatch(result.stdout, /Password/);
    assert.equal(await signIn(login, password), login);
    assert.equal(await signIn(login, 'wrong password'), '28P01');
    const session = await connect(withCredentials(db.url, login, password));
    try {
      assert.equal(
        await outcome(session.query('select item_id from items')),
        'ok',
        'search_path finds the commerce tables',
      );
      assert.equal(await outcome(session.query('select email from memberships')), '42501');
    } finally {
      await session.end();
    }
  });

  test('add without a password prints a generated one, once, that works', async () => {
    const result = tessera(['users', 'add', other, '--team', 'sales'], { databaseUrl: db.url });
    assert.equal(result.status, 0, result.stderr);
    const generated = /Password \(shown once\): (\S+)/.exec(result.stdout)?.[1];
    assert.ok(generated);
    assert.equal(await signIn(other, generated), other);
    const stored = await db.admin.query<{ verifier: string }>(
      'select rolpassword as verifier from pg_authid where rolname = $1',
      [other],
    );
    assert.match(stored.rows[0]?.verifier ?? '', /^SCRAM-SHA-256\$4096:/);
  });

  test('list shows each person with team, contact-detail access and status', () => {
    const result = tessera(['users', 'list'], { databaseUrl: db.url });
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, new RegExp(`${login}\\s+logistics\\s+no\\s+active`));
    assert.match(result.stdout, new RegExp(`${other}\\s+sales\\s+no\\s+active`));
  });

  test('pii --grant lets the person read contact details; --revoke takes it back', async () => {
    assert.equal(tessera(['users', 'pii', login, '--grant'], { databaseUrl: db.url }).status, 0);
    const session = await connect(withCredentials(db.url, login, password));
    try {
      assert.equal(await outcome(session.query('select email, mobile_no from memberships')), 'ok');
      assert.equal(tessera(['users', 'pii', login, '--revoke'], { databaseUrl: db.url }).status, 0);
      assert.equal(await outcome(session.query('select email from memberships')), '42501');
    } finally {
      await session.end();
    }
  });

  test('disable stops sign-in; enable restores it', async () => {
    assert.equal(tessera(['users', 'disable', login], { databaseUrl: db.url }).status, 0);
    assert.equal(await signIn(login, password), '28000');
    assert.match(
      tessera(['users', 'list'], { databaseUrl: db.url }).stdout,
      new RegExp(`${login}\\s+logistics\\s+no\\s+disabled`),
    );
    assert.equal(tessera(['users', 'enable', login], { databaseUrl: db.url }).status, 0);
    assert.equal(await signIn(login, password), login);
  });

  test('remove deletes the login but not its history', async () => {
    const result = tessera(['users', 'remove', other], { databaseUrl: db.url });
    assert.equal(result.status, 0, result.stderr);
    assert.equal(await signIn(other, 'anything at all'), '28P01');
    assert.doesNotMatch(
      tessera(['users', 'list'], { databaseUrl: db.url }).stdout,
      new RegExp(other),
    );
    const history = await db.admin.query(
      `select 1 from commerce.audit_log where row_key ->> 'login' = $1`,
      [other],
    );
    assert.equal(history.rowCount, 2);
  });

  test('mistakes get clear messages and the right exit status', () => {
    const cases: [string[], number, RegExp][] = [
      [
        ['users', 'add', 'x1', '--team', 'marketing'],
        2,
        /--team must be one of logistics\|analytics\|sales\|admin/,
      ],
      [['users', 'add', '--team', 'sales'], 2, /missing the login/],
      [['users', 'add', 'Bad-Name', '--team', 'sales'], 1, /a login is 2 to 63 lowercase letters/],
      [['users', 'add', 'postgres', '--team', 'sales'], 1, /reserved/],
      [['users', 'add', login, '--team', 'sales'], 1, /already exists/],
      [
        ['users', 'add', 'y1', '--team', 'sales', '--pii'],
        1,
        /cannot be granted to a sales person/,
      ],
      [['users', 'disable', 'nobody_here'], 1, /there is no person with login nobody_here/],
      [['users', 'pii', login], 2, /give one of --grant or --revoke/],
      [['users', 'frobnicate'], 2, /unknown command/],
      [['users', 'add', 'x2', '--team', 'sales', '--bogus'], 2, /Unknown option '--bogus'/],
    ];
    for (const [args, status, message] of cases) {
      const result = tessera(args, { databaseUrl: db.url });
      assert.equal(result.status, status, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, message, args.join(' '));
    }
  });

  test('a short password from stdin is refused before anything is created', () => {
    const result = tessera(['users', 'add', 'shorty', '--team', 'sales', '--password-stdin'], {
      databaseUrl: db.url,
      input: 'short\n',
    });
    assert.equal(result.status, 2);
    assert.match(result.stderr, /at least 12 characters/);
  });
});
