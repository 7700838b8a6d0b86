import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  insertItem,
  insertManufacturer,
  insertMember,
  recordTransaction,
} from '../../../test/helpers/commerce-fixtures.ts';
import { createTestDatabase, outcome, type TestDatabase } from '../../../test/helpers/database.ts';
import { connect } from '../../platform/db/pool.ts';
import type { AuditEntry } from '../audit.ts';
import { removePerson, setPersonPii } from '../people.ts';

type Entry = Omit<AuditEntry, 'audit_id' | 'changed_at'>;

describe('the audit log', () => {
  let db: TestDatabase;

  before(async () => {
    db = await createTestDatabase();
  });
  after(() => db.close());

  const entries = async (where: string, params: unknown[]) =>
    (
      await db.admin.query<Entry>(
        `select * from commerce.audit_log where ${where} order by audit_id`,
        params,
      )
    ).rows;

  test('names the person who recorded a transaction, row by row', async () => {
    const person = await db.addPerson('logistics');
    const session = await db.connectAs(person);
    const member = await insertMember(db.admin);
    const maker = await insertManufacturer(db.admin);
    const item = await insertItem(db.admin, { cost: '4.00' });
    const id = await recordTransaction(session, member.membership_id, maker, [
      { item_id: item, quantity: 2 },
    ]);
    const rows = await entries('actor = $1', [person.login]);
    assert.deepEqual(
      rows.map((r) => [r.action, r.table_name]),
      [
        ['insert', 'transactions'],
        ['insert', 'transacted_items'],
        ['update', 'transactions'],
      ],
    );
    assert.ok(rows.every((r) => r.login === person.login));
    assert.deepEqual(rows[0]?.row_key, { transaction_id: Number(id) });
    assert.deepEqual(rows[2]?.old_values, { total_items_cost: 0, total_items_weight: 0 });
    assert.deepEqual(rows[2]?.new_values, { total_items_cost: 8, total_items_weight: 0.5 });
  });

  test('keeps the old and new values of exactly the columns that changed', async () => {
    const person = await db.addPerson('sales');
    const session = await db.connectAs(person);
    const item = await insertItem(db.admin, { name: 'Mug', cost: '10.00' });
    await session.query(`select commerce.update_item($1, 'Mug', 12.00, 0.25)`, [item]);
    await session.query('select commerce.retire_item($1)', [item]);
    const [price, retire] = await entries(`actor = $1 and table_name = 'items'`, [person.login]);
    assert.deepEqual(price?.old_values, { item_cost: 10 });
    assert.deepEqual(price?.new_values, { item_cost: 12 });
    assert.deepEqual(Object.keys(retire?.new_values ?? {}), ['deleted_at']);
    assert.equal(retire?.old_values?.deleted_at, null);
  });

  test('names the person, and the request, when a portal acts for them with SET ROLE', async () => {
    const person = await db.addPerson('sales');
    const client = await connect(db.url);
    try {
      await client.query('begin');
      await client.query(
        `select set_config('role', $1, true), set_config('tessera.request_id', 'req-42', true)`,
        [person.login],
      );
      await client.query(`select commerce.add_item('Portal lamp', 30, 2)`);
      await client.query('commit');
    } finally {
      await client.end();
    }
    const [row] = await entries(`new_values ->> 'item_name' = 'Portal lamp'`, []);
    assert.equal(row?.actor, person.login);
    assert.equal(row?.login, 'postgres');
    assert.equal(row?.request_id, 'req-42');
  });

  test("records people changes, and keeps a removed person's name on their past changes", async () => {
    const person = await db.addPerson('analytics');
    await setPersonPii(db.admin, person.login, true);
    await setPersonPii(db.admin, person.login, false);
    const helper = await db.addPerson('sales');
    await (await db.connectAs(helper)).query(`select commerce.add_item('Left behind', 1, 1)`);
    await removePerson(db.admin, helper.login);
    const changes = await entries(`row_key ->> 'login' in ($1, $2)`, [person.login, helper.login]);
    assert.deepEqual(
      changes.map((r) => `${r.action} ${r.row_key?.login === person.login ? 'person' : 'helper'}`),
      [
        'person.add person',
        'person.pii.grant person',
        'person.pii.revoke person',
        'person.add helper',
        'person.remove helper',
      ],
    );
    assert.equal((await entries('actor = $1', [helper.login])).length, 1);
  });

  test('cannot be changed, removed or emptied, even by its owner', async () => {
    await insertItem(db.admin);
    const [first] = await entries('true', []);
    assert.ok(first);
    for (const statement of [
      `update commerce.audit_log set actor = 'someone else'`,
      'delete from commerce.audit_log',
      'truncate commerce.audit_log',
    ]) {
      await assert.rejects(db.admin.query(statement), /the audit log is append-only/, statement);
    }
  });

  test('no team may read, change or remove it', async () => {
    for (const team of ['logistics', 'analytics', 'sales'] as const) {
      const session = await db.connectAs(await db.addPerson(team));
      for (const statement of [
        'select * from commerce.audit_log',
        `update commerce.audit_log set actor = 'x'`,
        'delete from commerce.audit_log',
      ]) {
        assert.equal(await outcome(session.query(statement)), '42501', `${team}: ${statement}`);
      }
    }
  });
});
