// The privilege matrix of ARCHITECTURE.md, proven for a person of each team logged in with their
// own password: every allowed operation succeeds and every other one is refused by PostgreSQL.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  insertItem,
  insertManufacturer,
  insertMember,
  recordTransaction,
} from '../../../test/helpers/commerce-fixtures.ts';
import { createTestDatabase, outcome, type TestDatabase } from '../../../test/helpers/database.ts';
import type { Connection } from '../../platform/db/pool.ts';
import type { Team } from '../people.ts';

type Case = { name: string; sql: string; params?: (ids: Ids) => unknown[]; allowed: Team[] };
type Ids = { member: string; manufacturer: string; item: string; transaction: string };

const L: Team = 'logistics';
const A: Team = 'analytics';
const S: Team = 'sales';

const cases: Case[] = [
  // memberships: contact details hidden from everyone; no writes
  {
    name: 'read members without contact details',
    sql: 'select membership_id, first_name, last_name, date_of_birth from commerce.memberships',
    allowed: [L, A],
  },
  { name: 'read member email', sql: 'select email from commerce.memberships', allowed: [] },
  { name: 'read member mobile_no', sql: 'select mobile_no from commerce.memberships', allowed: [] },
  { name: 'select * from memberships', sql: 'select * from commerce.memberships', allowed: [] },
  {
    name: 'select * from the PII-free members view',
    sql: 'select * from commerce.memberships_public',
    allowed: [L, A],
  },
  {
    name: 'insert a member',
    sql: `insert into commerce.memberships (membership_id, first_name, last_name, email, date_of_birth, mobile_no) values ('Lim_abcde', 'A', 'Lim', 'a.lim@example.com', '1990-01-01', '81234567')`,
    allowed: [],
  },
  {
    name: 'update a member',
    sql: `update commerce.memberships set first_name = 'X' where membership_id = $1`,
    params: (i) => [i.member],
    allowed: [],
  },
  {
    name: 'delete a member',
    sql: 'delete from commerce.memberships where membership_id = $1',
    params: (i) => [i.member],
    allowed: [],
  },
  // manufacturers: read only, for all three teams
  { name: 'read manufacturers', sql: 'select * from commerce.manufacturers', allowed: [L, A, S] },
  {
    name: 'insert a manufacturer',
    sql: `insert into commerce.manufacturers (manufacturer_name) values ('New maker')`,
    allowed: [],
  },
  {
    name: 'update a manufacturer',
    sql: `update commerce.manufacturers set manufacturer_name = 'Other' where manufacturer_id = $1`,
    params: (i) => [i.manufacturer],
    allowed: [],
  },
  {
    name: 'delete a manufacturer',
    sql: 'delete from commerce.manufacturers where manufacturer_id = $1',
    params: (i) => [i.manufacturer],
    allowed: [],
  },
  // items: logistics and sales write, nobody deletes
  { name: 'read items', sql: 'select * from commerce.items', allowed: [L, A, S] },
  {
    name: 'insert an item',
    sql: `insert into commerce.items (item_name, item_cost, item_weight) values ('Lamp', 20, 1.5)`,
    allowed: [L, S],
  },
  {
    name: 'update an item',
    sql: 'update commerce.items set item_cost = 99 where item_id = $1',
    params: (i) => [i.item],
    allowed: [L, S],
  },
  {
    name: 'retire an item by deleted_at',
    sql: 'update commerce.items set deleted_at = now() where item_id = $1',
    params: (i) => [i.item],
    allowed: [L, S],
  },
  {
    name: 'change an item id',
    sql: 'update commerce.items set created_at = now() where item_id = $1',
    params: (i) => [i.item],
    allowed: [],
  },
  {
    name: 'delete an item',
    sql: 'delete from commerce.items where item_id = $1',
    params: (i) => [i.item],
    allowed: [],
  },
  { name: 'truncate items', sql: 'truncate commerce.items cascade', allowed: [] },
  { name: 'add_item procedure', sql: `select commerce.add_item('Desk', 120, 30)`, allowed: [L, S] },
  {
    name: 'update_item procedure',
    sql: `select commerce.update_item($1, 'Renamed', 1, 1)`,
    params: (i) => [i.item],
    allowed: [L, S],
  },
  {
    name: 'retire_item procedure',
    sql: 'select commerce.retire_item($1)',
    params: (i) => [i.item],
    allowed: [L, S],
  },
  // transactions and their items: logistics writes, analytics reads, sales sees nothing
  { name: 'read transactions', sql: 'select * from commerce.transactions', allowed: [L, A] },
  {
    name: 'read transacted items',
    sql: 'select * from commerce.transacted_items',
    allowed: [L, A],
  },
  {
    name: 'record_transaction procedure',
    sql: `select commerce.record_transaction($1, $2, jsonb_build_array(jsonb_build_object('item_id', $3::bigint, 'quantity', 2)))`,
    params: (i) => [i.member, i.manufacturer, i.item],
    allowed: [L],
  },
  {
    name: 'insert a transaction directly',
    sql: 'insert into commerce.transactions (membership_id, manufacturer_id) values ($1, $2)',
    params: (i) => [i.member, i.manufacturer],
    allowed: [L],
  },
  {
    name: 'insert a transacted item directly',
    sql: 'insert into commerce.transacted_items (transaction_id, item_id, quantity) values ($1, (select max(item_id) from commerce.items where deleted_at is null and item_id <> $2), 1)',
    params: (i) => [i.transaction, i.item],
    allowed: [L],
  },
  {
    name: 'update a quantity',
    sql: 'update commerce.transacted_items set quantity = 5 where transaction_id = $1',
    params: (i) => [i.transaction],
    allowed: [L],
  },
  {
    name: 'set_transaction_status procedure',
    sql: `select commerce.set_transaction_status($1, 'paid')`,
    params: (i) => [i.transaction],
    allowed: [L],
  },
  {
    name: 'update a status directly',
    sql: `update commerce.transactions set transaction_status = 'paid' where transaction_id = $1`,
    params: (i) => [i.transaction],
    allowed: [L],
  },
  {
    name: 'type a total',
    sql: 'update commerce.transactions set total_items_cost = 1 where transaction_id = $1',
    params: (i) => [i.transaction],
    allowed: [],
  },
  {
    name: 'type a unit cost',
    sql: 'update commerce.transacted_items set unit_cost = 1 where transaction_id = $1',
    params: (i) => [i.transaction],
    allowed: [],
  },
  {
    name: 'delete a transaction',
    sql: 'delete from commerce.transactions where transaction_id = $1',
    params: (i) => [i.transaction],
    allowed: [],
  },
  {
    name: 'delete a transacted item',
    sql: 'delete from commerce.transacted_items where transaction_id = $1',
    params: (i) => [i.transaction],
    allowed: [],
  },
  { name: 'truncate transactions', sql: 'truncate commerce.transactions cascade', allowed: [] },
  // the analysts' reports
  {
    name: 'top members report',
    sql: 'select * from commerce.top_members_by_spending',
    allowed: [L, A],
  },
  {
    name: 'top items report',
    sql: 'select * from commerce.top_items_by_quantity',
    allowed: [L, A],
  },
  // the sums the reports read are kept by triggers: readable with the reports, writable by no team
  {
    name: 'read kept member spending',
    sql: 'select * from commerce.member_spending',
    allowed: [L, A],
  },
  { name: 'read kept item sales', sql: 'select * from commerce.item_sales', allowed: [L, A] },
  {
    name: 'write kept member spending',
    sql: 'update commerce.member_spending set total_spent = total_spent + 1',
    allowed: [],
  },
  {
    name: 'add kept member spending',
    sql: 'insert into commerce.member_spending (membership_id, completed_transactions, total_spent) values ($1, 1, 1)',
    params: (i) => [i.member],
    allowed: [],
  },
  {
    name: 'write kept item sales',
    sql: 'update commerce.item_sales set units_bought = units_bought + 1',
    allowed: [],
  },
  { name: 'delete kept item sales', sql: 'delete from commerce.item_sales', allowed: [] },
  { name: 'truncate kept member spending', sql: 'truncate commerce.member_spending', allowed: [] },
  // the audit log and people are the administrators'
  { name: 'read the audit log', sql: 'select * from commerce.audit_log', allowed: [] },
  {
    name: 'write the audit log',
    sql: `insert into commerce.audit_log (actor, login, action) values ('x', 'x', 'insert')`,
    allowed: [],
  },
  {
    name: 'add a person',
    sql: `select commerce.add_person('mallory', 'logistics', true, 'x')`,
    allowed: [],
  },
  { name: 'grant oneself contact details', sql: 'grant commerce_pii to current_user', allowed: [] },
];

describe('team privileges, as each person logged in with their own password', () => {
  let db: TestDatabase;
  let ids: Ids;
  const sessions = new Map<Team, Connection>();

  before(async () => {
    db = await createTestDatabase();
    const member = await insertMember(db.admin);
    const manufacturer = await insertManufacturer(db.admin);
    const item = await insertItem(db.admin);
    await insertItem(db.admin);
    const transaction = await recordTransaction(db.admin, member.membership_id, manufacturer, [
      { item_id: item, quantity: 1 },
    ]);
    ids = { member: member.membership_id, manufacturer, item, transaction };
    for (const team of [L, A, S]) sessions.set(team, await db.connectAs(await db.addPerson(team)));
  });
  after(() => db.close());

  for (const c of cases) {
    for (const team of [L, A, S]) {
      const expected = c.allowed.includes(team) ? 'ok' : '42501';
      test(`${team} ${expected === 'ok' ? 'may' : 'may not'} ${c.name}`, async () => {
        const session = sessions.get(team);
        assert.ok(session);
        await session.query('begin');
        try {
          const result = await outcome(session.query(c.sql, c.params?.(ids)));
          assert.equal(result, expected);
        } finally {
          await session.query('rollback');
        }
      });
    }
  }

  test('a person granted contact details reads email and mobile_no, and only they do', async () => {
    const reader = await db.connectAs(await db.addPerson('analytics', { pii: true }));
    const rows = await reader.query<{ email: string }>(
      'select membership_id, email, mobile_no from commerce.memberships',
    );
    assert.equal(rows.rows.length, 1);
    assert.match(rows.rows[0]?.email ?? '', /@example\.com$/);
    const colleague = sessions.get(A);
    assert.equal(
      await outcome(colleague?.query('select email from commerce.memberships') ?? Promise.reject()),
      '42501',
    );
  });

  test('sales cannot be given contact details', async () => {
    await assert.rejects(db.addPerson('sales', { pii: true }), /sales does not read members/);
  });

  test('people cannot connect to the database unless they are in a team', async () => {
    const rows = await db.admin.query<{ ok: boolean }>(
      `select has_database_privilege('public', current_database(), 'connect') as ok`,
    );
    assert.equal(rows.rows[0]?.ok, false);
  });
});
