// The query workspace through the portal's API, team by team, against a real PostgreSQL: every
// statement runs on a connection logged in as the person, so the database's grants decide, and
// the tricks that switch roles from a statement reach nothing.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { parse } from 'csv-parse/sync';
import {
  insertItem,
  insertManufacturer,
  insertMember,
  recordTransaction,
} from '../../../test/helpers/commerce-fixtures.ts';
import {
  createTestDatabase,
  type TestDatabase,
  type TestPerson,
} from '../../../test/helpers/database.ts';
import {
  buildTestPortal,
  type Client,
  signInAs,
  type TestPortal,
} from '../../../test/helpers/portal.ts';
import { createPool, withCredentials } from '../../platform/db/pool.ts';
import { asRole } from '../../platform/db/role-session.ts';

const limits = { statementTimeout: 1500, rowLimit: 5, idle: 60_000 };

describe('the query workspace', () => {
  let db: TestDatabase;
  let portal: TestPortal;
  const people: Record<string, TestPerson> = {};
  const as: Record<string, Client> = {};
  let email: string;

  const run = (who: string, sql: string, params: unknown[] = []) =>
    (as[who] as Client).send('POST', '/api/sql', { sql, params });
  const open = async (who: string) => {
    const answer = await (as[who] as Client).send('POST', '/api/sql/open', {
      password: people[who]?.password,
    });
    assert.equal(answer.status, 200, answer.text);
  };
  const workspaceConnections = async (login: string) =>
    Number(
      (
        await db.admin.query<{ n: string }>(
          `select count(*) as n from pg_stat_activity where usename = $1 and application_name = 'tessera-workspace'`,
          [login],
        )
      ).rows[0]?.n,
    );

  before(async () => {
    db = await createTestDatabase();
    portal = await buildTestPortal(db, { workspace: limits });
    const member = await insertMember(db.admin, { first_name: 'Ada', last_name: 'Tan' });
    email = member.email;
    const maker = await insertManufacturer(db.admin, 'Acme');
    const item = await insertItem(db.admin, { name: 'Kettle', cost: '25.00', weight: '1.200' });
    await recordTransaction(db.admin, member.membership_id, maker, [
      { item_id: item, quantity: 1 },
    ]);
    for (const team of ['logistics', 'analytics', 'sales', 'admin'] as const) {
      people[team] = await db.addPerson(team);
      as[team] = await signInAs(portal, people[team]);
    }
    people.reader = await db.addPerson('analytics', { pii: true });
    as.reader = await signInAs(portal, people.reader);
    people.colleague = await db.addPerson('logistics');
    as.colleague = await signInAs(portal, people.colleague);
  });
  after(async () => {
    await portal.closeAll();
    await db.close();
  });

  describe('opening', () => {
    test('until it is open, /api/sql answers 428 saying so', async () => {
      const answer = await run('colleague', 'select 1');
      assert.equal(answer.status, 428);
      assert.match(answer.body.message, /not open/);
      assert.equal((await as.colleague?.get('/api/sql/schema'))?.status, 428);
      assert.equal((await as.colleague?.get('/api/sql'))?.body.open, false);
    });

    test('a wrong password is 401 and opens nothing', async () => {
      const answer = await as.colleague?.send('POST', '/api/sql/open', { password: 'wrong' });
      assert.equal(answer?.status, 401);
      assert.equal((await run('colleague', 'select 1')).status, 428);
    });

    test('the right one opens connections logged in as the person; closing ends them', async () => {
      await open('colleague');
      const answer = await run('colleague', 'select current_user, session_user');
      assert.equal(answer.status, 200, answer.text);
      assert.deepEqual(answer.body.rows, [[people.colleague?.login, people.colleague?.login]]);
      assert.ok((await workspaceConnections(people.colleague?.login ?? '')) > 0);
      const closed = await as.colleague?.send('POST', '/api/sql/close');
      assert.equal(closed?.status, 204);
      assert.equal((await run('colleague', 'select 1')).status, 428);
      assert.equal(await workspaceConnections(people.colleague?.login ?? ''), 0);
    });

    test('signing out closes it', async () => {
      const person = await db.addPerson('sales');
      const client = await signInAs(portal, person);
      const answer = await client.send('POST', '/api/sql/open', { password: person.password });
      assert.equal(answer.status, 200, answer.text);
      assert.ok((await workspaceConnections(person.login)) > 0);
      assert.equal((await client.send('DELETE', '/api/session')).status, 204);
      assert.equal(await workspaceConnections(person.login), 0);
    });

    test('a workspace is per portal instance: another one answers 428 until opened there', async () => {
      await open('colleague');
      const other = await buildTestPortal(db, { workspace: limits });
      try {
        const cookie = as.colleague?.cookie ?? '';
        const there = await other.inject({
          method: 'POST',
          url: '/api/sql',
          headers: { cookie, 'x-csrf-token': as.colleague?.csrf ?? '' },
          payload: { sql: 'select 1' },
        });
        assert.equal(there.statusCode, 428);
        assert.equal((await run('colleague', 'select 1')).status, 200);
      } finally {
        await other.closeAll();
      }
    });
  });

  describe('each team reads what its grants allow, and nothing more', () => {
    before(async () => {
      for (const who of ['logistics', 'analytics', 'sales', 'admin', 'reader']) await open(who);
    });

    test('logistics read transactions and members without contact details', async () => {
      const answer = await run('logistics', 'select transaction_status from commerce.transactions');
      assert.equal(answer.status, 200, answer.text);
      assert.deepEqual(answer.body.rows, [['pending']]);
      const contact = await run('logistics', 'select email from commerce.memberships');
      assert.equal(contact.status, 403);
      assert.equal(contact.body.sqlstate, '42501');
      assert.match(contact.body.message, /permission denied for table memberships/);
    });

    test('analytics read everything but contact details; the PII grant adds them', async () => {
      assert.equal((await run('analytics', 'select * from commerce.transacted_items')).status, 200);
      assert.equal(
        (await run('analytics', 'select mobile_no from commerce.memberships')).status,
        403,
      );
      const reader = await run('reader', 'select email from commerce.memberships');
      assert.equal(reader.status, 200, reader.text);
      assert.deepEqual(reader.body.rows, [[email]]);
    });

    test('sales read items but not transactions', async () => {
      const items = await run('sales', 'select item_name, item_cost from commerce.items');
      assert.equal(items.status, 200, items.text);
      assert.deepEqual(items.body.rows, [['Kettle', '25.00']]);
      assert.deepEqual(items.body.columns, [
        { name: 'item_name', type: 'text' },
        { name: 'item_cost', type: 'numeric' },
      ]);
      const refused = await run('sales', 'select * from commerce.transactions');
      assert.equal(refused.status, 403);
      assert.match(refused.body.message, /permission denied for table transactions/);
    });

    test('administrators read the query log, and no commerce table', async () => {
      await run('logistics', 'select 42 as logged_by_logistics');
      const log = await run(
        'admin',
        `select login, statement from portal.query_log where statement like '%logged_by_logistics%'`,
      );
      assert.equal(log.status, 200, log.text);
      assert.equal(log.body.rows[0]?.[0], people.logistics?.login);
      assert.equal((await run('admin', 'select * from commerce.items')).status, 403);
      assert.equal((await run('logistics', 'select * from portal.query_log')).status, 403);
    });

    test('everything runs read-only: a team’s own write is refused in the database’s words', async () => {
      const answer = await run(
        'logistics',
        `update commerce.items set item_name = 'Changed' where item_name = 'Kettle'`,
      );
      assert.equal(answer.status, 403);
      assert.equal(answer.body.sqlstate, '25006');
      assert.match(answer.body.message, /read-only transaction/);
      const still = await db.admin.query(`select 1 from commerce.items where item_name = 'Kettle'`);
      assert.equal(still.rows.length, 1);
    });
  });

  describe('no way out of one’s own rights', () => {
    before(async () => {
      for (const who of ['logistics', 'sales']) await open(who);
    });

    // The PII reader's role, and the authenticator's: both hold what the tricks are after.
    const targets = () => [people.reader?.login ?? '', 'commerce_pii', 'commerce_portal'];

    for (const who of ['sales', 'logistics']) {
      test(`${who}: set_config('role', …) reaches no one else`, async () => {
        for (const target of targets()) {
          const answer = await run(who, `select set_config('role', $1, false)`, [target]);
          assert.equal(answer.status, 403, `${target}: ${answer.text}`);
          assert.equal(answer.body.sqlstate, '42501');
          assert.match(answer.body.message, /permission denied to set role/);
        }
        const after = await run(who, 'select current_user');
        assert.deepEqual(after.body.rows, [[people[who]?.login]]);
      });

      test(`${who}: a target list that switches role and then reads contact details reads nothing`, async () => {
        for (const target of targets()) {
          const answer = await run(
            who,
            `select set_config('role', $1, true),
                    query_to_xml('select email from commerce.memberships', true, false, '')`,
            [target],
          );
          assert.equal(answer.status, 403, `${target}: ${answer.text}`);
          assert.doesNotMatch(answer.text, new RegExp(email));
        }
      });
    }

    test('on the authenticator’s connections the same trick would read the contact details', async () => {
      // Why statements never run there: the authenticator may become anyone.
      const pool = createPool(
        withCredentials(db.url, 'commerce_portal', process.env.TESSERA_TEST_PORTAL_PASSWORD ?? ''),
      );
      try {
        const leaked = await asRole(
          pool,
          { role: people.sales?.login ?? '', requestId: 't' },
          (tx) =>
            tx.query<{ x: string }>(
              `select set_config('role', $1, true) as r,
                    query_to_xml('select email from commerce.memberships', true, false, '')::text as x`,
              [people.reader?.login],
            ),
        );
        assert.match(leaked.rows[0]?.x ?? '', new RegExp(email));
      } finally {
        await pool.end();
      }
    });
  });

  describe('refused before they reach the database', () => {
    before(() => open('logistics'));
    const refused = [
      'select 1; select 2',
      'select 1; drop table commerce.items',
      'copy commerce.items to stdout',
      "COPY (select 1) TO '/tmp/x'",
      'set role commerce_pii',
      'SET SESSION ROLE commerce_pii',
      'set local role none',
      'set session authorization commerce_portal',
      'reset role',
      'reset all',
      'begin',
      'start transaction read write',
      'commit',
      'end',
      'rollback',
      'abort',
      'savepoint s',
      'release savepoint s',
      "prepare transaction 'x'",
      'set transaction read write',
      'set session characteristics as transaction read write',
      '/* a comment */ begin',
      '-- line\ncommit',
    ];
    for (const sql of refused) {
      test(JSON.stringify(sql), async () => {
        const answer = await run('logistics', sql);
        assert.equal(answer.status, 400, answer.text);
        assert.match(answer.body.code, /^(several_statements|statement_refused)$/);
        assert.equal(answer.body.sqlstate, undefined, 'the database never saw it');
      });
    }

    test('semicolons inside strings, names, dollar quotes and comments are one statement', async () => {
      const answer = await run(
        'logistics',
        `select 'a;b' as "x;y", $$c;d$$ as e, $t$;$t$ as f, E'\\';' as g /* ; /* ; */ ; */ -- ;\n;`,
      );
      assert.equal(answer.status, 200, answer.text);
      assert.deepEqual(answer.body.rows, [['a;b', 'c;d', ';', "';"]]);
      assert.equal(answer.body.columns[0].name, 'x;y');
    });

    test('an empty statement is 400', async () => {
      assert.equal((await run('logistics', ' ;  -- nothing')).status, 400);
    });
  });

  describe('results and errors', () => {
    before(() => open('analytics'));

    test('one statement with parameters: columns with types, rows as arrays, the time taken', async () => {
      const answer = await run('analytics', 'select $1::int + 1 as n, $2::text as t, null as z', [
        41,
        'x',
      ]);
      assert.equal(answer.status, 200, answer.text);
      assert.deepEqual(answer.body.columns, [
        { name: 'n', type: 'integer' },
        { name: 't', type: 'text' },
        { name: 'z', type: 'text' },
      ]);
      assert.deepEqual(answer.body.rows, [[42, 'x', null]]);
      assert.equal(answer.body.rowCount, 1);
      assert.equal(answer.body.truncated, false);
      assert.equal(typeof answer.body.ms, 'number');
    });

    test('rows are capped by SQL_ROW_LIMIT, and truncated says so', async () => {
      const over = await run('analytics', 'select generate_series(1, 1000000) as n');
      assert.equal(over.status, 200, over.text);
      assert.deepEqual(over.body.rows, [[1], [2], [3], [4], [5]]);
      assert.equal(over.body.truncated, true);
      const exact = await run('analytics', 'select generate_series(1, 5) as n');
      assert.equal(exact.body.rows.length, 5);
      assert.equal(exact.body.truncated, false);
    });

    test('a syntax error is 400 with the database’s message, SQLSTATE and position', async () => {
      const answer = await run('analytics', 'select * form commerce.items');
      assert.equal(answer.status, 400, answer.text);
      assert.equal(answer.body.sqlstate, '42601');
      assert.match(answer.body.message, /syntax error at or near "form"/);
      assert.equal(answer.body.position, 10);
    });

    test('a statement past SQL_STATEMENT_TIMEOUT is cancelled: 4xx saying the time limit was reached', async () => {
      const answer = await run('analytics', 'select pg_sleep(30)');
      assert.equal(answer.status, 422, answer.text);
      assert.equal(answer.body.sqlstate, '57014');
      assert.match(answer.body.message, /time limit of 1.5 s/);
      assert.equal((await run('analytics', 'select 1')).status, 200, 'the workspace goes on');
    });

    test('EXPLAIN (FORMAT JSON), and with analyze the actual rows and times', async () => {
      const plain = await as.analytics?.send('POST', '/api/sql/explain', {
        sql: 'select * from commerce.items where item_id = $1',
        params: [1],
      });
      assert.equal(plain?.status, 200, plain?.text);
      assert.ok(plain?.body.plan[0].Plan['Node Type']);
      assert.equal(plain?.body.plan[0].Plan['Actual Rows'], undefined);
      const analyzed = await as.analytics?.send('POST', '/api/sql/explain', {
        sql: 'select count(*) from commerce.transactions',
        analyze: true,
      });
      assert.equal(analyzed?.status, 200, analyzed?.text);
      assert.equal(analyzed?.body.plan[0].Plan['Actual Rows'], 1);
      assert.equal(typeof analyzed?.body.plan[0]['Execution Time'], 'number');
      const refused = await as.sales?.send('POST', '/api/sql/explain', {
        sql: 'select * from commerce.transactions',
      });
      assert.equal(refused?.status, 403);
      const position = await as.analytics?.send('POST', '/api/sql/explain', {
        sql: 'select nothing_here from commerce.items',
      });
      assert.equal(position?.status, 400);
      assert.equal(position?.body.position, 8, 'the position is in the person’s statement');
    });

    test('EXPLAIN ANALYZE runs inside the read-only, time-limited transaction', async () => {
      const write = await as.analytics?.send('POST', '/api/sql/explain', {
        sql: `insert into commerce.manufacturers (manufacturer_name) values ('x')`,
        analyze: true,
      });
      assert.equal(write?.status, 403);
      const slow = await as.analytics?.send('POST', '/api/sql/explain', {
        sql: 'select pg_sleep(30)',
        analyze: true,
      });
      assert.equal(slow?.status, 422);
    });

    test('the CSV has every row, past the cap, through the one formula-safe writer', async () => {
      const answer = await as.analytics?.send('POST', '/api/sql/csv', {
        sql: `select n, '=HYPERLINK("x")' as f from generate_series(1, 2500) n`,
      });
      assert.equal(answer?.status, 200);
      assert.match(String(answer?.headers['content-type']), /text\/csv/);
      const rows = parse(answer?.text ?? '', { columns: true }) as Record<string, string>[];
      assert.equal(rows.length, 2500);
      assert.equal(rows[2499]?.n, '2500');
      assert.equal(rows[0]?.f, `'=HYPERLINK("x")`);
      const refused = await as.sales?.send('POST', '/api/sql/csv', {
        sql: 'select * from commerce.transactions',
      });
      assert.equal(refused?.status, 403);
      assert.equal(refused?.body.sqlstate, '42501');
    });

    test('the history has the person’s own statements with time, duration, rows and error', async () => {
      await run('analytics', 'select 7 as history_marker');
      await run('analytics', 'select * from commerce.nowhere');
      const answer = await as.analytics?.get('/api/sql/history');
      assert.equal(answer?.status, 200);
      const [failed, ran] = answer?.body.data ?? [];
      assert.equal(failed.statement, 'select * from commerce.nowhere');
      assert.equal(failed.sqlstate, '42P01');
      assert.match(failed.error, /does not exist/);
      assert.equal(ran.statement, 'select 7 as history_marker');
      assert.equal(ran.row_count, 1);
      assert.equal(typeof ran.ms, 'number');
      assert.ok(ran.started_at);
      const others = await as.logistics?.get('/api/sql/history');
      assert.ok(
        !others?.body.data.some((e: { statement: string }) =>
          e.statement.includes('history_marker'),
        ),
      );
    });

    test('administrators read the whole query log through the API; others may not', async () => {
      const log = await as.admin?.get('/api/admin/query-log?per_page=200');
      assert.equal(log?.status, 200, log?.text);
      assert.ok(
        log?.body.data.some(
          (e: { login: string; statement: string }) =>
            e.login === people.analytics?.login && e.statement === 'select 7 as history_marker',
        ),
      );
      assert.equal((await as.logistics?.get('/api/admin/query-log'))?.status, 403);
    });
  });

  describe('the schema for autocompletion is what the person may use', () => {
    before(async () => {
      for (const who of ['logistics', 'sales']) await open(who);
    });
    type Schema = {
      name: string;
      tables: { name: string; columns: { name: string }[] }[];
      procedures: { name: string }[];
    };
    const commerceOf = async (who: string) =>
      (((await as[who]?.get('/api/sql/schema'))?.body.schemas ?? []) as Schema[]).find(
        (s) => s.name === 'commerce',
      );

    test('logistics: members without contact details, their procedures', async () => {
      const commerce = await commerceOf('logistics');
      const members = commerce?.tables.find((t) => t.name === 'memberships');
      assert.deepEqual(
        members?.columns.map((c) => c.name),
        ['membership_id', 'first_name', 'last_name', 'date_of_birth', 'created_at', 'updated_at'],
      );
      assert.ok(commerce?.tables.some((t) => t.name === 'transactions'));
      assert.ok(commerce?.procedures.some((p) => p.name === 'record_transaction'));
      assert.ok(!commerce?.tables.some((t) => t.name === 'audit_log'));
    });

    test('sales: items and manufacturers, no transactions, no members', async () => {
      const commerce = await commerceOf('sales');
      const names = commerce?.tables.map((t) => t.name);
      assert.ok(names?.includes('items'));
      assert.ok(names?.includes('manufacturers'));
      assert.ok(!names?.includes('transactions'));
      assert.ok(!names?.includes('memberships'));
      assert.ok(!commerce?.procedures.some((p) => p.name === 'record_transaction'));
    });
  });

  describe('saved queries', () => {
    before(async () => {
      for (const who of ['logistics', 'sales', 'colleague']) await open(who);
    });

    test('own and shared are seen; only the owner changes them; running runs as the runner', async () => {
      const shared = await as.logistics?.send('POST', '/api/queries', {
        name: 'Pending transactions',
        sql: `select count(*) as pending from commerce.transactions where transaction_status = 'pending'`,
        description: 'how many wait',
        shared: true,
      });
      assert.equal(shared?.status, 201, shared?.text);
      assert.equal(shared?.body.owner, people.logistics?.login);
      const own = await as.logistics?.send('POST', '/api/queries', {
        name: 'Mine',
        sql: 'select 1',
      });
      assert.equal(own?.body.shared, false);

      const names = async (who: string) =>
        (((await as[who]?.get('/api/queries'))?.body.data ?? []) as { name: string }[]).map(
          (q) => q.name,
        );
      assert.deepEqual(await names('logistics'), ['Mine', 'Pending transactions']);
      assert.deepEqual(await names('colleague'), ['Pending transactions']);
      assert.deepEqual(await names('sales'), ['Pending transactions']);

      const ran = await as.colleague?.send('POST', `/api/queries/${shared?.body.id}/run`, {});
      assert.equal(ran?.status, 200, ran?.text);
      assert.deepEqual(ran?.body.rows, [[1]]);
      const refused = await as.sales?.send('POST', `/api/queries/${shared?.body.id}/run`, {});
      assert.equal(refused?.status, 403);
      assert.match(refused?.body.message, /permission denied for table transactions/);
      assert.equal(
        (await as.sales?.send('POST', `/api/queries/${own?.body.id}/run`, {}))?.status,
        404,
        'an unshared query is not seen by others',
      );

      const edit = { name: 'Renamed', sql: 'select 2', description: '', shared: true };
      assert.equal(
        (await as.sales?.send('PUT', `/api/queries/${shared?.body.id}`, edit))?.status,
        403,
      );
      assert.equal(
        (await as.sales?.send('DELETE', `/api/queries/${shared?.body.id}`))?.status,
        403,
      );
      const changed = await as.logistics?.send('PUT', `/api/queries/${own?.body.id}`, edit);
      assert.equal(changed?.status, 200, changed?.text);
      assert.equal(changed?.body.sql, 'select 2');
      assert.deepEqual(await names('sales'), ['Pending transactions', 'Renamed']);
      assert.equal(
        (await as.logistics?.send('DELETE', `/api/queries/${own?.body.id}`))?.status,
        204,
      );
      assert.deepEqual(await names('sales'), ['Pending transactions']);
      assert.equal(
        (await as.logistics?.send('DELETE', `/api/queries/${own?.body.id}`))?.status,
        404,
      );
    });
  });
});
