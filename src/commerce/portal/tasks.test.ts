// Each team's work through the portal's API, and what each team may not do: refused by the
// portal's own checks, and, with those switched off, by PostgreSQL itself.
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

describe('the portal API, team by team', () => {
  let db: TestDatabase;
  let portal: TestPortal;
  let unchecked: TestPortal;
  const people: Record<string, TestPerson> = {};
  const as: Record<string, Client> = {};
  const raw: Record<string, Client> = {};
  let member: string;
  let maker: string;
  let item: string;
  let transaction: string;

  before(async () => {
    db = await createTestDatabase();
    portal = await buildTestPortal(db);
    unchecked = await buildTestPortal(db, { checkTeams: false });
    member = (await insertMember(db.admin, { first_name: 'Ada', last_name: 'Tan' })).membership_id;
    maker = await insertManufacturer(db.admin, 'Acme');
    item = await insertItem(db.admin, { name: 'Kettle', cost: '25.00', weight: '1.200' });
    transaction = await recordTransaction(db.admin, member, maker, [
      { item_id: item, quantity: 1 },
    ]);
    for (const team of ['logistics', 'analytics', 'sales', 'admin'] as const) {
      people[team] = await db.addPerson(team);
      as[team] = await signInAs(portal, people[team]);
      raw[team] = await signInAs(unchecked, people[team]);
    }
    people.reader = await db.addPerson('analytics', { pii: true });
    as.reader = await signInAs(portal, people.reader);
  });
  after(async () => {
    await portal.closeAll();
    await unchecked.closeAll();
    await db.close();
  });

  describe('logistics', () => {
    test('records a transaction; the database prices it and computes the totals', async () => {
      const other = await insertItem(db.admin, { name: 'Teapot', cost: '10.50', weight: '0.400' });
      const answer = await as.logistics?.send('POST', '/api/transactions', {
        membership_id: member,
        manufacturer_id: Number(maker),
        items: [
          { item_id: Number(item), quantity: 2 },
          { item_id: Number(other), quantity: 3 },
        ],
      });
      assert.equal(answer?.status, 201, answer?.text);
      assert.equal(answer?.body.total_items_cost, '81.50');
      assert.equal(answer?.body.total_items_weight, '3.600');
      assert.equal(answer?.body.transaction_status, 'pending');
      assert.equal(answer?.body.lines.length, 2);
      const audit = await db.admin.query(
        'select actor, request_id from commerce.audit_log where row_key = $1',
        [JSON.stringify({ transaction_id: answer?.body.transaction_id })],
      );
      assert.ok(
        audit.rows.every((r) => r.actor === people.logistics?.login && r.request_id),
        'the audit log names the person and the request',
      );
    });

    test('moves a transaction through its statuses up to completed, and no further', async () => {
      for (const status of ['paid', 'shipped', 'completed']) {
        const answer = await as.logistics?.send('POST', `/api/transactions/${transaction}/status`, {
          status,
        });
        assert.equal(answer?.status, 200, answer?.text);
        assert.equal(answer?.body.transaction_status, status);
      }
      const again = await as.logistics?.send('POST', `/api/transactions/${transaction}/status`, {
        status: 'pending',
      });
      assert.equal(again?.status, 400);
      assert.equal(again?.body.message, 'a completed transaction cannot become pending');
    });

    test('finds transactions by status, member and date, sorted and paginated', async () => {
      const completed = await as.logistics?.get(
        `/api/transactions?status=completed&membership_id=${member}&sort=total_items_cost&order=desc&per_page=1`,
      );
      assert.equal(completed?.status, 200);
      assert.equal(completed?.body.total, 1);
      assert.equal(completed?.body.data[0].member_name, 'Ada Tan');
      const today = new Date().toISOString().slice(0, 10);
      const dated = await as.logistics?.get(`/api/transactions?from=${today}&to=${today}`);
      assert.ok((dated?.body.total ?? 0) >= 2);
      const none = await as.logistics?.get('/api/transactions?to=2000-01-01');
      assert.equal(none?.body.total, 0);
    });

    test('refuses a retired item and explains a bad line, field by field', async () => {
      const retired = await insertItem(db.admin, { retired: true, name: 'Old lamp' });
      const answer = await as.logistics?.send('POST', '/api/transactions', {
        membership_id: member,
        manufacturer_id: Number(maker),
        items: [{ item_id: Number(retired), quantity: 1 }],
      });
      assert.equal(answer?.status, 400);
      assert.match(answer?.body.message, /Old lamp\) is retired/);
      const bad = await as.logistics?.send('POST', '/api/transactions', {
        membership_id: '',
        items: [{ item_id: 1, quantity: 0 }],
      });
      assert.equal(bad?.status, 400);
      assert.deepEqual(bad?.body.fields, {
        membership_id: 'pick a member',
        manufacturer_id: 'pick a manufacturer',
        'items.0.quantity': 'at least 1',
      });
    });

    test('sees members without contact details', async () => {
      const answer = await as.logistics?.get('/api/memberships');
      assert.equal(answer?.status, 200);
      assert.equal(answer?.body.data[0].membership_id, member);
      assert.equal('email' in (answer?.body.data[0] ?? {}), false);
    });
  });

  describe('sales', () => {
    test('adds, edits, retires and restores items', async () => {
      const added = await as.sales?.send('POST', '/api/items', {
        item_name: 'Desk lamp',
        item_cost: '39.90',
        item_weight: 1.25,
      });
      assert.equal(added?.status, 201, added?.text);
      const id = added?.body.item_id;
      const edited = await as.sales?.send('PUT', `/api/items/${id}`, {
        item_name: 'Desk lamp',
        item_cost: 42,
        item_weight: '1.25',
        updated_at: added?.body.updated_at,
      });
      assert.equal(edited?.status, 200, edited?.text);
      assert.equal(edited?.body.item_cost, '42.00');
      const retired = await as.sales?.send('POST', `/api/items/${id}/retire`);
      assert.ok(retired?.body.deleted_at);
      const list = await as.sales?.get('/api/items?status=retired&q=desk');
      assert.deepEqual(
        list?.body.data.map((i: { item_id: number }) => i.item_id),
        [id],
      );
      const restored = await as.sales?.send('POST', `/api/items/${id}/restore`);
      assert.equal(restored?.body.deleted_at, null);
    });

    test('a stale edit is refused with 409 instead of overwriting', async () => {
      const added = await as.sales?.send('POST', '/api/items', {
        item_name: 'Stool',
        item_cost: 15,
        item_weight: 3,
      });
      const version = added?.body.updated_at;
      const first = await as.logistics?.send('PUT', `/api/items/${added?.body.item_id}`, {
        item_name: 'Stool',
        item_cost: 16,
        item_weight: 3,
        updated_at: version,
      });
      assert.equal(first?.status, 200);
      const second = await as.sales?.send('PUT', `/api/items/${added?.body.item_id}`, {
        item_name: 'Stool',
        item_cost: 14,
        item_weight: 3,
        updated_at: version,
      });
      assert.equal(second?.status, 409);
      assert.match(second?.body.message, /changed by someone else/);
    });

    test('input is checked field by field', async () => {
      const answer = await as.sales?.send('POST', '/api/items', {
        item_name: ' ',
        item_cost: '-1',
        item_weight: '0.1234',
      });
      assert.equal(answer?.status, 400);
      assert.deepEqual(Object.keys(answer?.body.fields ?? {}).sort(), [
        'item_cost',
        'item_name',
        'item_weight',
      ]);
    });
  });

  describe('analytics', () => {
    test('browses members, transactions and the two reports, and exports CSV', async () => {
      for (const url of [
        '/api/memberships',
        '/api/transactions',
        '/api/items',
        '/api/manufacturers',
        '/api/reports/top-members',
        '/api/reports/top-items',
        '/api/reports/sales?interval=day',
      ]) {
        const answer = await as.analytics?.get(url);
        assert.equal(answer?.status, 200, `${url}: ${answer?.text}`);
      }
      const top = await as.analytics?.get('/api/reports/top-members');
      assert.equal(top?.body.data[0].membership_id, member);
      const csv = await as.analytics?.get('/api/memberships?format=csv');
      assert.match(String(csv?.headers['content-type']), /text\/csv/);
      const [header, first] = csv?.text.split('\n') ?? [];
      assert.equal(header, 'membership_id,first_name,last_name,date_of_birth,created_at');
      assert.match(first ?? '', new RegExp(`^${member},Ada,Tan,`));
    });

    test('contact details reach only a person granted them, in JSON and CSV', async () => {
      const answer = await as.reader?.get('/api/memberships');
      assert.match(answer?.body.data[0].email, /@example\.com$/);
      const csv = await as.reader?.get('/api/memberships?format=csv');
      assert.match(csv?.text.split('\n')[0] ?? '', /,email,mobile_no$/);
      const plain = await as.analytics?.get('/api/memberships?format=csv');
      assert.doesNotMatch(plain?.text ?? '', /@example\.com/);
    });

    test('exports neutralise names a spreadsheet would run as formulas', async () => {
      const formula = '=HYPERLINK("http://x","y")';
      const hostile = await insertMember(db.admin, { first_name: formula, last_name: '@SUM(1+1)' });
      const hostileMaker = await insertManufacturer(db.admin, '+cmd|calc');
      const hostileItem = await insertItem(db.admin, { name: '-2+3', cost: '4.00' });
      await recordTransaction(db.admin, hostile.membership_id, hostileMaker, [
        { item_id: hostileItem, quantity: 1 },
      ]);
      const rows = async (url: string) => {
        const answer = await as.logistics?.get(url);
        assert.equal(answer?.status, 200, answer?.text);
        return parse(answer?.text ?? '', { columns: true }) as Record<string, string>[];
      };
      const members = await rows('/api/memberships?format=csv');
      const listed = members.find((m) => m.membership_id === `'${hostile.membership_id}`);
      assert.equal(listed?.first_name, `'${formula}`);
      assert.equal(listed?.last_name, "'@SUM(1+1)");
      const makers = await rows('/api/manufacturers?format=csv');
      assert.ok(makers.some((m) => m.manufacturer_name === "'+cmd|calc"));
      const items = await rows('/api/items?format=csv');
      assert.ok(items.some((i) => i.item_name === "'-2+3" && i.item_cost === '4.00'));
      const sales = await rows(
        `/api/transactions?format=csv&membership_id=${encodeURIComponent(hostile.membership_id)}`,
      );
      assert.equal(sales[0]?.member_name, `'${formula} @SUM(1+1)`);
      assert.equal(sales[0]?.manufacturer_name, "'+cmd|calc");
      // Nothing in any export starts a formula any more.
      for (const row of [...members, ...makers, ...items, ...sales])
        for (const cell of Object.values(row)) assert.doesNotMatch(cell, /^[=+\-@\t\r]/);
    });
  });

  describe('admin', () => {
    test('adds a person, who can then sign in with the password shown once', async () => {
      const login = `p_new_${Date.now().toString(36)}`;
      const added = await as.admin?.send('POST', '/api/people', {
        login,
        team: 'sales',
        pii: false,
      });
      assert.equal(added?.status, 201, added?.text);
      try {
        const newcomer = await signInAs(portal, { login, password: added?.body.password });
        assert.equal((await newcomer.get('/api/session')).body.team, 'sales');
        const disabled = await as.admin?.send('PATCH', `/api/people/${login}`, { canLogin: false });
        assert.equal(disabled?.body.canLogin, false);
        assert.equal(
          (await newcomer.get('/api/items')).status,
          401,
          'disabling ends their sessions',
        );
      } finally {
        await db.admin.query(`drop role if exists ${login}`);
      }
    });

    test('grants contact details, reads the audit log and sees that the policy holds', async () => {
      const granted = await as.admin?.send('PATCH', `/api/people/${people.logistics?.login}`, {
        pii: true,
      });
      assert.equal(granted?.body.pii, true);
      await as.admin?.send('PATCH', `/api/people/${people.logistics?.login}`, { pii: false });
      const audit = await as.admin?.get(`/api/audit?action=person.pii.grant`);
      assert.equal(audit?.body.data[0].actor, people.admin?.login);
      const policy = await as.admin?.get('/api/policy');
      assert.deepEqual(policy?.body, { ok: true, differences: [] });
    });

    test('the audit log hides members’ contact details from an administrator without that grant', async () => {
      await db.admin.query(
        `update commerce.memberships set mobile_no = '99999999' where membership_id = $1`,
        [member],
      );
      const audit = await as.admin?.get('/api/audit?table=memberships');
      const change = audit?.body.data.find((e: { action: string }) => e.action === 'update');
      assert.deepEqual(change?.new_values, { mobile_no: '(hidden)' });
    });
  });

  // What each team may not do. The portal refuses first; with its checks off, PostgreSQL does.
  const forbidden: [string, 'GET' | 'POST' | 'PUT', string, unknown?][] = [
    ['sales', 'GET', '/api/transactions'],
    ['sales', 'GET', '/api/memberships'],
    ['sales', 'POST', '/api/transactions', 'record'],
    ['sales', 'GET', '/api/reports/top-members'],
    ['analytics', 'POST', '/api/items', { item_name: 'X', item_cost: 1, item_weight: 1 }],
    ['analytics', 'POST', '/api/transactions', 'record'],
    ['analytics', 'GET', '/api/people'],
    ['logistics', 'GET', '/api/people'],
    ['logistics', 'GET', '/api/audit'],
    ['logistics', 'POST', '/api/people', { login: 'mallory', team: 'admin' }],
    ['sales', 'POST', '/api/people', { login: 'mallory', team: 'admin' }],
  ];
  for (const [team, method, url, body] of forbidden) {
    test(`${team} may not ${method} ${url}, even when the portal does not check`, async () => {
      const payload =
        body === 'record'
          ? {
              membership_id: member,
              manufacturer_id: Number(maker),
              items: [{ item_id: Number(item), quantity: 1 }],
            }
          : body;
      const checked =
        method === 'GET' ? await as[team]?.get(url) : await as[team]?.send(method, url, payload);
      assert.equal(checked?.status, 403, checked?.text);
      assert.match(checked?.body.message, new RegExp(`The ${team} team may not do this`));
      const bypassed =
        method === 'GET' ? await raw[team]?.get(url) : await raw[team]?.send(method, url, payload);
      assert.equal(bypassed?.status, 403, bypassed?.text);
      assert.equal(bypassed?.body.message, 'Your team may not do this.', 'refused by the database');
    });
  }
});
