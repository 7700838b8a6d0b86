// The teams' daily work in the database itself: amending a transaction's lines, moving many
// transactions at once, importing and retiring many items, and reading a record's history. Each
// team's person is logged in with their own password, so every refusal is PostgreSQL's.
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

const teams: Team[] = ['logistics', 'analytics', 'sales', 'admin'];

describe('amend, bulk moves, item import and history, team by team', () => {
  let db: TestDatabase;
  let member: string;
  let maker: string;
  let makerName: string;
  let lamp: string;
  let cord: string;
  let bulb: string;
  const as = new Map<Team, Connection>();

  before(async () => {
    db = await createTestDatabase();
    member = (await insertMember(db.admin)).membership_id;
    makerName = `Lumen Works ${Date.now()}`;
    maker = await insertManufacturer(db.admin, makerName);
    lamp = await insertItem(db.admin, { cost: '20.00', weight: '1.500' });
    cord = await insertItem(db.admin, { cost: '3.25', weight: '0.100' });
    bulb = await insertItem(db.admin, { cost: '1.10', weight: '0.050' });
    for (const team of teams) as.set(team, await db.connectAs(await db.addPerson(team)));
  });
  after(() => db.close());

  const person = (team: Team) => {
    const connection = as.get(team);
    assert.ok(connection);
    return connection;
  };
  const newTransaction = () =>
    recordTransaction(db.admin, member, maker, [
      { item_id: lamp, quantity: 2 },
      { item_id: cord, quantity: 1 },
    ]);
  const lines = async (id: string) =>
    (
      await db.admin.query(
        'select item_id::text, quantity from commerce.transacted_items where transaction_id = $1 order by item_id',
        [id],
      )
    ).rows;
  const totals = async (id: string) =>
    (
      await db.admin.query(
        'select total_items_cost, total_items_weight, transaction_status from commerce.transactions where transaction_id = $1',
        [id],
      )
    ).rows[0];
  const amend = (team: Team, id: string, wanted: { item_id: string; quantity: number }[]) =>
    person(team).query('select commerce.amend_transaction($1, $2) as batch', [
      id,
      JSON.stringify(wanted.map((l) => ({ item_id: Number(l.item_id), quantity: l.quantity }))),
    ]);

  test('logistics amends in one call: a line added, one removed, one changed; the database keeps the totals', async () => {
    const id = await newTransaction();
    const result = await amend('logistics', id, [
      { item_id: lamp, quantity: 3 },
      { item_id: bulb, quantity: 4 },
    ]);
    const batch = result.rows[0]?.batch as string;
    assert.match(batch, /^[0-9a-f-]{36}$/);
    assert.deepEqual(await lines(id), [
      { item_id: lamp, quantity: 3 },
      { item_id: bulb, quantity: 4 },
    ]);
    assert.deepEqual(await totals(id), {
      total_items_cost: '64.40',
      total_items_weight: '4.700',
      transaction_status: 'pending',
    });
    // One change in the audit log: the summary names the lines before and after, and every row
    // entry it caused (the removal, the new quantity, the new line, the totals) carries its batch.
    const entries = await db.admin.query<{
      action: string;
      table_name: string;
      batch_id: string | null;
      old_values: unknown;
      new_values: unknown;
    }>(
      `select action, table_name, batch_id, old_values, new_values from commerce.audit_log
       where xact_id = (select xact_id from commerce.audit_log where batch_id = $1 limit 1) order by audit_id`,
      [batch],
    );
    assert.equal(entries.rows[0]?.action, 'transaction.amend');
    assert.deepEqual(entries.rows[0]?.old_values, {
      lines: [
        { item_id: Number(lamp), quantity: 2 },
        { item_id: Number(cord), quantity: 1 },
      ],
    });
    assert.deepEqual(entries.rows[0]?.new_values, {
      lines: [
        { item_id: Number(lamp), quantity: 3 },
        { item_id: Number(bulb), quantity: 4 },
      ],
    });
    assert.ok(entries.rows.length >= 4, 'the summary and the row entries');
    assert.ok(entries.rows.every((e) => e.batch_id === batch));
    assert.deepEqual(
      new Set(entries.rows.slice(1).map((e) => `${e.table_name} ${e.action}`)),
      new Set([
        'transacted_items delete',
        'transacted_items update',
        'transacted_items insert',
        'transactions update',
      ]),
    );
  });

  test('analytics, sales and admin are refused amending by PostgreSQL', async () => {
    const id = await newTransaction();
    for (const team of ['analytics', 'sales', 'admin'] as const) {
      assert.equal(await outcome(amend(team, id, [{ item_id: bulb, quantity: 1 }])), '42501', team);
    }
    assert.deepEqual(await lines(id), [
      { item_id: lamp, quantity: 2 },
      { item_id: cord, quantity: 1 },
    ]);
  });

  test('even given EXECUTE by mistake, a team without logistics’ grants cannot amend or move', async () => {
    const id = await newTransaction();
    await db.admin.query(
      'grant execute on function commerce.amend_transaction(bigint, jsonb), commerce.apply_bulk_status(jsonb) to commerce_analytics',
    );
    try {
      await assert.rejects(amend('analytics', id, [{ item_id: bulb, quantity: 1 }]), {
        code: '42501',
        message: /may not change transactions/,
      });
      await assert.rejects(
        person('analytics').query('select commerce.apply_bulk_status($1)', [
          JSON.stringify([{ transaction_id: Number(id), from_status: 'pending' }]),
        ]),
        { code: '42501' },
      );
    } finally {
      await db.admin.query(
        'revoke execute on function commerce.amend_transaction(bigint, jsonb), commerce.apply_bulk_status(jsonb) from commerce_analytics',
      );
    }
    assert.equal((await lines(id)).length, 2);
  });

  test('a paid transaction is amended; shipped, completed and cancelled ones stay frozen', async () => {
    const paid = await newTransaction();
    await db.admin.query(`select commerce.set_transaction_status($1, 'paid')`, [paid]);
    await amend('logistics', paid, [{ item_id: cord, quantity: 5 }]);
    assert.deepEqual(await lines(paid), [{ item_id: cord, quantity: 5 }]);

    for (const path of [['paid', 'shipped'], ['paid', 'shipped', 'completed'], ['cancelled']]) {
      const id = await newTransaction();
      for (const status of path)
        await db.admin.query('select commerce.set_transaction_status($1, $2)', [id, status]);
      await assert.rejects(amend('logistics', id, [{ item_id: bulb, quantity: 1 }]), {
        message: new RegExp(`is ${path.at(-1)} and its items can no longer change`),
      });
      assert.equal((await lines(id)).length, 2);
    }
  });

  test('an amendment that lists an item twice, a bad quantity, a retired item or no lines changes nothing', async () => {
    const id = await newTransaction();
    const retired = await insertItem(db.admin, { retired: true });
    await assert.rejects(amend('logistics', id, []), /at least one item/);
    await assert.rejects(
      amend('logistics', id, [
        { item_id: bulb, quantity: 1 },
        { item_id: bulb, quantity: 2 },
      ]),
      /listed twice/,
    );
    await assert.rejects(amend('logistics', id, [{ item_id: bulb, quantity: 0 }]), /above zero/);
    await assert.rejects(
      amend('logistics', id, [
        { item_id: lamp, quantity: 9 },
        { item_id: retired, quantity: 1 },
      ]),
      /retired/,
    );
    assert.deepEqual(await lines(id), [
      { item_id: lamp, quantity: 2 },
      { item_id: cord, quantity: 1 },
    ]);
  });

  test('a batch id set by hand does not file a person’s own changes under a batch', async () => {
    const id = await newTransaction();
    const logistics = person('logistics');
    await logistics.query('begin');
    try {
      await logistics.query(
        `select set_config('tessera.batch_id', '6a1e0a4e-0000-4000-8000-000000000000', true)`,
      );
      await logistics.query(
        'update commerce.transacted_items set quantity = 7 where transaction_id = $1 and item_id = $2',
        [id, lamp],
      );
      await logistics.query('commit');
    } catch (error) {
      await logistics.query('rollback');
      throw error;
    }
    const tagged = await db.admin.query(
      `select 1 from commerce.audit_log where batch_id = '6a1e0a4e-0000-4000-8000-000000000000'`,
    );
    assert.equal(tagged.rowCount, 0);
  });

  const preview = (team: Team, ids: (string | null)[]) =>
    person(team).query<{
      transaction_id: number | null;
      from_status: string | null;
      to_status: string | null;
      problem: string | null;
    }>('select * from commerce.preview_bulk_status($1::bigint[])', [ids]);
  const apply = (team: Team, moves: { transaction_id: string; from_status: string }[]) =>
    person(team).query('select commerce.apply_bulk_status($1) as batch', [
      JSON.stringify(moves.map((m) => ({ ...m, transaction_id: Number(m.transaction_id) }))),
    ]);

  test('the bulk preview says which move where, and which cannot and why; it changes nothing', async () => {
    const pending = await newTransaction();
    const paid = await newTransaction();
    await db.admin.query(`select commerce.set_transaction_status($1, 'paid')`, [paid]);
    const cancelled = await newTransaction();
    await db.admin.query(`select commerce.set_transaction_status($1, 'cancelled')`, [cancelled]);
    const result = await preview('logistics', [pending, paid, cancelled, '99999999', pending]);
    assert.deepEqual(result.rows, [
      {
        transaction_id: Number(pending),
        from_status: 'pending',
        to_status: 'paid',
        problem: 'listed more than once',
      },
      { transaction_id: Number(paid), from_status: 'paid', to_status: 'shipped', problem: null },
      {
        transaction_id: Number(cancelled),
        from_status: 'cancelled',
        to_status: null,
        problem: 'it is cancelled and moves no further',
      },
      {
        transaction_id: 99999999,
        from_status: null,
        to_status: null,
        problem: 'there is no such transaction',
      },
    ]);
    assert.equal((await totals(pending))?.transaction_status, 'pending');
    for (const team of ['analytics', 'sales', 'admin'] as const)
      assert.equal(await outcome(preview(team, [pending])), '42501', team);
  });

  test('a bulk move applies all in one audit batch, or none when one has moved since the preview', async () => {
    const a = await newTransaction();
    const b = await newTransaction();
    await db.admin.query(`select commerce.set_transaction_status($1, 'paid')`, [b]);
    const c = await newTransaction();
    await db.admin.query(`select commerce.set_transaction_status($1, 'paid')`, [c]);
    // c moves on after the preview: the whole batch is refused, a and b stay where they were.
    await db.admin.query(`select commerce.set_transaction_status($1, 'shipped')`, [c]);
    await assert.rejects(
      apply('logistics', [
        { transaction_id: a, from_status: 'pending' },
        { transaction_id: b, from_status: 'paid' },
        { transaction_id: c, from_status: 'paid' },
      ]),
      { message: new RegExp(`nothing was moved: #${c}: it is now shipped, not paid`) },
    );
    assert.equal((await totals(a))?.transaction_status, 'pending');
    assert.equal((await totals(b))?.transaction_status, 'paid');

    for (const team of ['analytics', 'sales', 'admin'] as const)
      assert.equal(
        await outcome(apply(team, [{ transaction_id: a, from_status: 'pending' }])),
        '42501',
        team,
      );

    const result = await apply('logistics', [
      { transaction_id: a, from_status: 'pending' },
      { transaction_id: b, from_status: 'paid' },
    ]);
    const batch = result.rows[0]?.batch as string;
    assert.equal((await totals(a))?.transaction_status, 'paid');
    assert.equal((await totals(b))?.transaction_status, 'shipped');
    const entries = await db.admin.query<{ action: string; row_key: unknown; new_values: unknown }>(
      'select action, row_key, new_values from commerce.audit_log where batch_id = $1 order by audit_id',
      [batch],
    );
    assert.deepEqual(
      entries.rows.map((e) => e.action),
      ['transaction.bulk_status', 'update', 'update'],
    );
    assert.deepEqual(entries.rows[0]?.row_key, { batch_id: batch });
    assert.deepEqual(entries.rows[0]?.new_values, {
      count: 2,
      moves: [
        { transaction_id: Number(a), from_status: 'pending', to_status: 'paid' },
        { transaction_id: Number(b), from_status: 'paid', to_status: 'shipped' },
      ].sort((x, y) => x.transaction_id - y.transaction_id),
    });
  });

  const importRows = (rows: Record<string, string>[]) => JSON.stringify(rows);

  test('the item import preview reports each row: valid, duplicate, unknown manufacturer, bad number', async () => {
    const existing = (
      await db.admin.query<{ item_name: string }>(
        'select item_name from commerce.items where item_id = $1',
        [lamp],
      )
    ).rows[0]?.item_name;
    const rows = [
      { name: 'Desk fan', manufacturer: makerName.toUpperCase(), cost: '39.90', weight: '2.2' },
      { name: String(existing), manufacturer: makerName, cost: '1', weight: '1' },
      { name: 'Heater', manufacturer: 'Nobody Ltd', cost: '10', weight: '1' },
      { name: 'Kettle', manufacturer: makerName, cost: '12,50', weight: '1' },
      { name: 'desk FAN', manufacturer: makerName, cost: '1', weight: '1' },
    ];
    const result = await person('sales').query<{
      row_number: number;
      verdict: string;
      detail: string | null;
    }>('select row_number, verdict, detail from commerce.preview_item_import($1)', [
      importRows(rows),
    ]);
    assert.deepEqual(
      result.rows.map((r) => [r.row_number, r.verdict]),
      [
        [1, 'valid'],
        [2, 'duplicate'],
        [3, 'unknown manufacturer'],
        [4, 'bad number'],
        [5, 'duplicate'],
      ],
    );
    assert.match(result.rows[3]?.detail ?? '', /cost '12,50' is not an amount/);
    assert.match(result.rows[4]?.detail ?? '', /row 1 has the same name/);
    assert.equal(
      await outcome(
        person('analytics').query('select * from commerce.preview_item_import($1)', [
          importRows(rows),
        ]),
      ),
      '42501',
    );
  });

  test('an import with one bad row imports nothing; a clean one imports every row through add_item', async () => {
    const stamp = Date.now();
    const good = [
      { name: `Fan ${stamp}`, manufacturer: makerName, cost: '39.90', weight: '2.2' },
      { name: `Heater ${stamp}`, manufacturer: makerName, cost: '55', weight: '4.125' },
    ];
    const count = async () =>
      (await db.admin.query('select 1 from commerce.items where item_name like $1', [`% ${stamp}`]))
        .rowCount;
    await assert.rejects(
      person('sales').query('select commerce.import_items($1)', [
        importRows([
          ...good,
          { name: `Bad ${stamp}`, manufacturer: makerName, cost: '-1', weight: '1' },
        ]),
      ]),
      /nothing was imported: row 3: cost '-1'/,
    );
    assert.equal(await count(), 0);
    for (const team of ['analytics', 'admin'] as const)
      assert.equal(
        await outcome(person(team).query('select commerce.import_items($1)', [importRows(good)])),
        '42501',
        team,
      );
    const created = await person('sales').query<{ ids: string[] }>(
      'select commerce.import_items($1) as ids',
      [importRows(good)],
    );
    assert.equal(created.rows[0]?.ids.length, 2);
    const stored = await db.admin.query(
      'select item_name, item_cost, item_weight, manufacturer_id::text from commerce.items where item_id = any($1) order by item_id',
      [created.rows[0]?.ids],
    );
    assert.deepEqual(stored.rows, [
      {
        item_name: `Fan ${stamp}`,
        item_cost: '39.90',
        item_weight: '2.200',
        manufacturer_id: maker,
      },
      {
        item_name: `Heater ${stamp}`,
        item_cost: '55.00',
        item_weight: '4.125',
        manufacturer_id: maker,
      },
    ]);
  });

  test('sales retires and restores many items at once, all or none; analytics may not', async () => {
    const x = await insertItem(db.admin);
    const y = await insertItem(db.admin);
    const z = await insertItem(db.admin, { retired: true });
    const retired = async () =>
      (
        await db.admin.query<{ item_id: string }>(
          'select item_id::text from commerce.items where item_id = any($1) and deleted_at is not null order by item_id',
          [[x, y, z]],
        )
      ).rows.map((r) => r.item_id);
    await assert.rejects(
      person('sales').query('select commerce.retire_items($1::bigint[])', [[x, y, z]]),
      /already retired/,
    );
    assert.deepEqual(await retired(), [z]);
    assert.equal(
      await outcome(
        person('analytics').query('select commerce.retire_items($1::bigint[])', [[x, y]]),
      ),
      '42501',
    );
    await person('sales').query('select commerce.retire_items($1::bigint[])', [[x, y]]);
    assert.deepEqual(await retired(), [x, y, z]);
    await person('logistics').query('select commerce.restore_items($1::bigint[])', [[x, z]]);
    assert.deepEqual(await retired(), [y]);
  });

  test('a record’s history is read by those who may read the record, and refused to others', async () => {
    const id = await newTransaction();
    await amend('logistics', id, [{ item_id: bulb, quantity: 2 }]);
    const history = (team: Team, table: string, key: string) =>
      person(team).query<{ action: string; actor: string; table_name: string }>(
        'select action, actor, table_name from commerce.record_history($1, $2)',
        [table, key],
      );
    for (const team of ['logistics', 'analytics', 'admin'] as const) {
      const rows = (await history(team, 'transactions', id)).rows;
      assert.ok(
        rows.some((r) => r.action === 'transaction.amend'),
        team,
      );
      assert.ok(
        rows.some((r) => r.table_name === 'transacted_items' && r.action === 'delete'),
        team,
      );
    }
    assert.equal(await outcome(history('sales', 'transactions', id)), '42501');
    // Sales reads items, so reads an item's history; nobody reads another transaction's entries there.
    await person('sales').query(`select commerce.update_item($1, 'Renamed lamp', 20, 1.5)`, [lamp]);
    const item = (await history('sales', 'items', lamp)).rows;
    assert.ok(item.length > 0 && item.every((r) => r.table_name === 'items'));
    assert.ok(item.some((r) => r.action === 'update'));
  });
});
