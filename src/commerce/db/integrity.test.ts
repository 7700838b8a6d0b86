// Rules the database keeps however a row is written: by a procedure, or by plain SQL of a person
// logged in as logistics, or even by the owner.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  insertItem,
  insertManufacturer,
  insertMember,
  recordTransaction,
} from '../../../test/helpers/commerce-fixtures.ts';
import { createTestDatabase, type TestDatabase } from '../../../test/helpers/database.ts';
import type { Connection } from '../../platform/db/pool.ts';

describe('commerce integrity rules', () => {
  let db: TestDatabase;
  let logistics: Connection;
  let member: string;
  let maker: string;

  before(async () => {
    db = await createTestDatabase();
    logistics = await db.connectAs(await db.addPerson('logistics'));
    member = (await insertMember(db.admin)).membership_id;
    maker = await insertManufacturer(db.admin);
  });
  after(() => db.close());

  const totals = async (id: string) => {
    const r = await db.admin.query<{ cost: string; weight: string }>(
      'select total_items_cost as cost, total_items_weight as weight from commerce.transactions where transaction_id = $1',
      [id],
    );
    return r.rows[0];
  };

  describe('totals always equal the sum of the lines', () => {
    test('recorded through the procedure, totals are computed from unit cost x quantity', async () => {
      const a = await insertItem(db.admin, { cost: '19.99', weight: '0.125' });
      const b = await insertItem(db.admin, { cost: '0.10', weight: '2.000' });
      const id = await recordTransaction(logistics, member, maker, [
        { item_id: a, quantity: 3 },
        { item_id: b, quantity: 7 },
      ]);
      assert.deepEqual(await totals(id), { cost: '60.67', weight: '14.375' });
    });

    test('written with plain INSERTs, and changed afterwards, they still agree', async () => {
      const a = await insertItem(db.admin, { cost: '5.00', weight: '1.000' });
      const b = await insertItem(db.admin, { cost: '2.50', weight: '0.500' });
      await logistics.query('begin');
      const t = await logistics.query<{ id: string }>(
        'insert into commerce.transactions (membership_id, manufacturer_id) values ($1, $2) returning transaction_id as id',
        [member, maker],
      );
      const id = String(t.rows[0]?.id);
      await logistics.query(
        'insert into commerce.transacted_items (transaction_id, item_id, quantity) values ($1, $2, 2), ($1, $3, 1)',
        [id, a, b],
      );
      await logistics.query('commit');
      assert.deepEqual(await totals(id), { cost: '12.50', weight: '2.500' });
      await logistics.query(
        'update commerce.transacted_items set quantity = 4 where transaction_id = $1 and item_id = $2',
        [id, a],
      );
      assert.deepEqual(await totals(id), { cost: '22.50', weight: '4.500' });
    });

    test("nobody can type a total: the owner's direct update is overwritten with the true sum", async () => {
      const a = await insertItem(db.admin, { cost: '3.00', weight: '1.000' });
      const id = await recordTransaction(logistics, member, maker, [{ item_id: a, quantity: 2 }]);
      await db.admin.query(
        'update commerce.transactions set total_items_cost = 1000, total_items_weight = 0 where transaction_id = $1',
        [id],
      );
      assert.deepEqual(await totals(id), { cost: '6.00', weight: '2.000' });
    });

    test('a later price change does not rewrite past transactions', async () => {
      const a = await insertItem(db.admin, { cost: '10.00', weight: '1.000' });
      const id = await recordTransaction(logistics, member, maker, [{ item_id: a, quantity: 1 }]);
      await logistics.query('select commerce.update_item($1, $2, 99.00, 9)', [a, `Repriced ${a}`]);
      await db.admin.query(
        'update commerce.transactions set membership_id = membership_id where transaction_id = $1',
        [id],
      );
      assert.deepEqual(await totals(id), { cost: '10.00', weight: '1.000' });
    });

    test('a transaction without items cannot be committed', async () => {
      await logistics.query('begin');
      await logistics.query(
        'insert into commerce.transactions (membership_id, manufacturer_id) values ($1, $2)',
        [member, maker],
      );
      await assert.rejects(
        logistics.query('commit'),
        /has no items; a transaction needs at least one/,
      );
    });
  });

  describe('retired items', () => {
    test('cannot be put into a transaction through the procedure', async () => {
      const retired = await insertItem(db.admin, { retired: true, name: 'Old kettle' });
      await assert.rejects(
        recordTransaction(logistics, member, maker, [{ item_id: retired, quantity: 1 }]),
        /item \d+ \(Old kettle\) is retired and cannot be put into a new transaction/,
      );
    });

    test('cannot be put into a transaction with a plain INSERT', async () => {
      const active = await insertItem(db.admin);
      const retired = await insertItem(db.admin, { retired: true });
      const id = await recordTransaction(logistics, member, maker, [
        { item_id: active, quantity: 1 },
      ]);
      await assert.rejects(
        logistics.query(
          'insert into commerce.transacted_items (transaction_id, item_id, quantity) values ($1, $2, 1)',
          [id, retired],
        ),
        /is retired/,
      );
    });

    test('stay visible, with their price, in the transactions that sold them', async () => {
      const item = await insertItem(db.admin, { cost: '7.25' });
      const id = await recordTransaction(logistics, member, maker, [
        { item_id: item, quantity: 2 },
      ]);
      await logistics.query('select commerce.retire_item($1)', [item]);
      const lines = await logistics.query<{
        item_name: string;
        retired: boolean;
        unit_cost: string;
      }>(
        `select i.item_name, i.deleted_at is not null as retired, ti.unit_cost
         from commerce.transacted_items ti join commerce.items i using (item_id) where ti.transaction_id = $1`,
        [id],
      );
      assert.equal(lines.rows.length, 1);
      assert.equal(lines.rows[0]?.retired, true);
      assert.equal(lines.rows[0]?.unit_cost, '7.25');
      assert.deepEqual(await totals(id), { cost: '14.50', weight: '0.500' });
    });

    test('can be restored, and then sold again', async () => {
      const item = await insertItem(db.admin, { retired: true });
      await logistics.query('select commerce.restore_item($1)', [item]);
      await recordTransaction(logistics, member, maker, [{ item_id: item, quantity: 1 }]);
      await assert.rejects(
        logistics.query('select commerce.restore_item($1)', [item]),
        /is not retired/,
      );
    });
  });

  describe('transaction statuses', () => {
    test('move only forward, one step at a time, and completion is stamped', async () => {
      const id = await recordTransaction(logistics, member, maker, [
        { item_id: await insertItem(db.admin), quantity: 1 },
      ]);
      const move = (status: string) =>
        logistics.query('select commerce.set_transaction_status($1, $2)', [id, status]);
      await assert.rejects(move('completed'), /a pending transaction cannot become completed/);
      await move('paid');
      await move('shipped');
      await move('completed');
      const row = await db.admin.query<{ completed: boolean }>(
        'select completed_at is not null as completed from commerce.transactions where transaction_id = $1',
        [id],
      );
      assert.equal(row.rows[0]?.completed, true);
      await assert.rejects(move('cancelled'), /a completed transaction cannot become cancelled/);
      await assert.rejects(move('lost'), /unknown status lost/);
    });

    test('the lines of a completed transaction are frozen', async () => {
      const item = await insertItem(db.admin);
      const id = await recordTransaction(logistics, member, maker, [
        { item_id: item, quantity: 1 },
      ]);
      for (const status of ['paid', 'shipped', 'completed']) {
        await logistics.query('select commerce.set_transaction_status($1, $2)', [id, status]);
      }
      await assert.rejects(
        logistics.query(
          'update commerce.transacted_items set quantity = 9 where transaction_id = $1',
          [id],
        ),
        /is completed and its items can no longer change/,
      );
    });

    test('a plain UPDATE obeys the same rules as the procedure', async () => {
      const id = await recordTransaction(logistics, member, maker, [
        { item_id: await insertItem(db.admin), quantity: 1 },
      ]);
      await assert.rejects(
        logistics.query(
          `update commerce.transactions set transaction_status = 'shipped' where transaction_id = $1`,
          [id],
        ),
        /a pending transaction cannot become shipped/,
      );
    });
  });

  describe('procedures explain what is wrong', () => {
    const cases: [string, () => Promise<unknown>, RegExp][] = [
      [
        'unknown member',
        () => recordTransaction(logistics, 'Nobody_00000', maker, [{ item_id: '1', quantity: 1 }]),
        /there is no member Nobody_00000/,
      ],
      [
        'unknown manufacturer',
        () => recordTransaction(logistics, member, '999999', [{ item_id: '1', quantity: 1 }]),
        /there is no manufacturer 999999/,
      ],
      [
        'no items',
        () => recordTransaction(logistics, member, maker, []),
        /needs at least one item/,
      ],
      [
        'zero quantity',
        async () =>
          recordTransaction(logistics, member, maker, [
            { item_id: await insertItem(db.admin), quantity: 0 },
          ]),
        /line 1: quantity must be a whole number above zero/,
      ],
      [
        'fractional quantity',
        async () =>
          recordTransaction(logistics, member, maker, [
            { item_id: await insertItem(db.admin), quantity: 1.5 },
          ]),
        /quantity must be a whole number/,
      ],
      [
        'unknown item',
        () => recordTransaction(logistics, member, maker, [{ item_id: '987654', quantity: 1 }]),
        /there is no item 987654/,
      ],
      [
        'negative cost',
        () => logistics.query(`select commerce.add_item('Bad', -1, 1)`),
        /item cost must be zero or more/,
      ],
      [
        'blank name',
        () => logistics.query(`select commerce.add_item('  ', 1, 1)`),
        /an item needs a name/,
      ],
      [
        'unknown item to retire',
        () => logistics.query('select commerce.retire_item(424242)'),
        /there is no item 424242/,
      ],
    ];
    for (const [name, work, message] of cases) {
      test(name, async () => {
        await assert.rejects(work(), message);
      });
    }

    test('two active items cannot share a name', async () => {
      await logistics.query(`select commerce.add_item('Teapot', 10, 1)`);
      await assert.rejects(
        logistics.query(`select commerce.add_item('teapot', 12, 1)`),
        /an active item named teapot already exists/,
      );
    });

    test("a stale edit is refused instead of overwriting someone else's", async () => {
      const item = await insertItem(db.admin);
      // The token is passed back exactly as read (microseconds included), as the portal will.
      const seen = await logistics.query<{ at: string }>(
        'select updated_at::text as at from commerce.items where item_id = $1',
        [item],
      );
      const at = seen.rows[0]?.at;
      await logistics.query(`select commerce.update_item($1, 'First edit', 1, 1, $2)`, [item, at]);
      await assert.rejects(
        logistics.query(`select commerce.update_item($1, 'Second edit', 2, 2, $2)`, [item, at]),
        (error: { code?: string; message: string }) =>
          error.code === '40001' && /changed by someone else/.test(error.message),
      );
    });
  });
});
