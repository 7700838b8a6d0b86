// The analyst views read sums kept by triggers (migration 0007). They must equal the plain queries
// over all completed transactions whatever the writers do, and however many write at once.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  insertItem,
  insertManufacturer,
  insertMember,
  recordTransaction,
} from '../../../test/helpers/commerce-fixtures.ts';
import { createTestDatabase, outcome, type TestDatabase } from '../../../test/helpers/database.ts';
import { until } from '../../../test/helpers/until.ts';
import { type Connection, connect, type Db, sqlState } from '../../platform/db/pool.ts';
import { verifyKeptTotals } from '../verify.ts';

// The views' questions asked of the base tables, as the views answered them before 0007.
const plainTopMembers = `
  select m.membership_id, m.first_name, m.last_name, s.completed_transactions, s.total_spent
  from (select t.membership_id, count(*) as completed_transactions, sum(t.total_items_cost) as total_spent
        from commerce.transactions t where t.transaction_status = 'completed'
        group by t.membership_id order by total_spent desc, t.membership_id limit 10) s
  join commerce.memberships m on m.membership_id = s.membership_id
  order by s.total_spent desc, s.membership_id`;
const plainTopItems = `
  select i.item_id, i.item_name, s.units_bought, s.times_bought, i.deleted_at is not null as retired
  from (select ti.item_id, sum(ti.quantity) as units_bought, count(*) as times_bought
        from commerce.transacted_items ti
        join commerce.transactions t on t.transaction_id = ti.transaction_id
        where t.transaction_status = 'completed'
        group by ti.item_id order by units_bought desc, ti.item_id limit 3) s
  join commerce.items i on i.item_id = s.item_id
  order by s.units_bought desc, s.item_id`;

const next: Record<string, string> = { pending: 'paid', paid: 'shipped', shipped: 'completed' };

describe('kept sums of the analyst views', () => {
  let db: TestDatabase;
  let members: string[];
  let items: string[];
  let maker: string;

  before(async () => {
    db = await createTestDatabase();
    members = [];
    for (let i = 0; i < 12; i++) members.push((await insertMember(db.admin)).membership_id);
    items = [];
    for (let i = 0; i < 8; i++) {
      items.push(await insertItem(db.admin, { cost: `${(i + 1) * 3}.${i}5` }));
    }
    maker = await insertManufacturer(db.admin);
  });
  after(() => db.close());

  const agree = async () => {
    assert.deepEqual(await verifyKeptTotals(db.admin), []);
    assert.deepEqual(
      (await db.admin.query('select * from commerce.top_members_by_spending')).rows,
      (await db.admin.query(plainTopMembers)).rows,
    );
    assert.deepEqual(
      (await db.admin.query('select * from commerce.top_items_by_quantity')).rows,
      (await db.admin.query(plainTopItems)).rows,
    );
  };

  test('a transaction counts once it is completed, and a cancelled one never', async () => {
    const member = members[0] ?? '';
    const [a = '', b = ''] = items;
    const done = await recordTransaction(db.admin, member, maker, [
      { item_id: a, quantity: 4 },
      { item_id: b, quantity: 1 },
    ]);
    const dropped = await recordTransaction(db.admin, member, maker, [{ item_id: a, quantity: 9 }]);
    const kept = () =>
      db.admin.query(
        'select completed_transactions, total_spent from commerce.member_spending where membership_id = $1',
        [member],
      );
    for (const status of ['paid', 'shipped']) {
      await db.admin.query('select commerce.set_transaction_status($1, $2)', [done, status]);
    }
    assert.deepEqual((await kept()).rows, []);
    await db.admin.query('select commerce.set_transaction_status($1, $2)', [done, 'completed']);
    await db.admin.query('select commerce.set_transaction_status($1, $2)', [dropped, 'cancelled']);
    assert.deepEqual((await kept()).rows, [{ completed_transactions: 1, total_spent: '18.35' }]);
    const sold = await db.admin.query(
      'select item_id::text, units_bought, times_bought from commerce.item_sales order by item_id',
    );
    assert.deepEqual(sold.rows, [
      { item_id: a, units_bought: 4, times_bought: 1 },
      { item_id: b, units_bought: 1, times_bought: 1 },
    ]);
    await agree();
  });

  test('the owner deleting a completed line or transaction takes its part away', async () => {
    const member = members[1] ?? '';
    const [a = '', b = ''] = items;
    const id = await recordTransaction(db.admin, member, maker, [
      { item_id: a, quantity: 2 },
      { item_id: b, quantity: 5 },
    ]);
    for (const status of ['paid', 'shipped', 'completed']) {
      await db.admin.query('select commerce.set_transaction_status($1, $2)', [id, status]);
    }
    await agree();
    await db.admin.query(
      'delete from commerce.transacted_items where transaction_id = $1 and item_id = $2',
      [id, b],
    );
    await agree();
    await db.admin.query('begin');
    await db.admin.query('delete from commerce.transacted_items where transaction_id = $1', [id]);
    await db.admin.query('delete from commerce.transactions where transaction_id = $1', [id]);
    await db.admin.query('commit');
    await agree();
  });

  /**
   * Runs `write` on a connection of its own while another holds `id` being completed, not yet
   * committed; commits the completion once the write waits for it. The write's outcome.
   */
  const whileCompleting = async (id: string, write: (conn: Connection) => Promise<unknown>) => {
    const completer = await connect(db.url);
    const writer = await connect(db.url);
    try {
      const pid = (await writer.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]
        ?.pid;
      await completer.query('begin');
      await completer.query('select commerce.set_transaction_status($1, $2)', [id, 'completed']);
      const written = outcome(write(writer));
      await until('the write to wait for the completion', async () => {
        const activity = await db.admin.query<{ wait: string | null }>(
          'select wait_event_type as wait from pg_stat_activity where pid = $1',
          [pid],
        );
        return activity.rows[0]?.wait === 'Lock';
      });
      await completer.query('commit');
      return await written;
    } finally {
      await completer.end();
      await writer.end();
    }
  };
  const shippedWith = async (lines: { item_id: string; quantity: number }[]) => {
    const id = await recordTransaction(db.admin, members[2] ?? '', maker, lines);
    for (const status of ['paid', 'shipped'])
      await db.admin.query('select commerce.set_transaction_status($1, $2)', [id, status]);
    return id;
  };

  test('a line changed while its transaction is being completed waits, then is refused as frozen', async () => {
    const [a = '', b = ''] = items;
    const id = await shippedWith([
      { item_id: a, quantity: 3 },
      { item_id: b, quantity: 2 },
    ]);
    const changed = await whileCompleting(id, (conn) =>
      conn.query(
        'update commerce.transacted_items set quantity = quantity + 1 where transaction_id = $1',
        [id],
      ),
    );
    assert.equal(changed, 'P0001');
    const lines = await db.admin.query(
      'select quantity from commerce.transacted_items where transaction_id = $1 order by item_id',
      [id],
    );
    assert.deepEqual(
      lines.rows.map((r) => r.quantity),
      [3, 2],
    );
    await agree();
  });

  test('a line deleted while its transaction is being completed takes its units away once it is', async () => {
    const [, , c = '', d = ''] = items;
    const id = await shippedWith([
      { item_id: c, quantity: 4 },
      { item_id: d, quantity: 7 },
    ]);
    const deleted = await whileCompleting(id, (conn) =>
      conn.query(
        'delete from commerce.transacted_items where transaction_id = $1 and item_id = $2',
        [id, d],
      ),
    );
    assert.equal(deleted, 'ok');
    await agree();
  });

  test('equal the plain queries after random inserts, status moves and cancellations from several connections at once', async () => {
    const workers: Connection[] = [];
    for (let i = 0; i < 6; i++) workers.push(await db.connectAs(await db.addPerson('logistics')));
    const known: string[] = [];
    const tally = { committed: 0, rolledBack: 0, refused: 0, deadlocks: 0 };
    const pick = <T>(list: T[]): T => list[Math.floor(Math.random() * list.length)] as T;

    const record = async (conn: Connection) => {
      const chosen = [...items]
        .sort(() => Math.random() - 0.5)
        .slice(0, 1 + Math.floor(Math.random() * 4));
      const lines = chosen.map((item_id) => ({
        item_id,
        quantity: 1 + Math.floor(Math.random() * 9),
      }));
      const id = await recordTransaction(conn, pick(members), maker, lines);
      known.push(id);
      return id;
    };
    const move = async (conn: Db, id: string, to: string) => {
      await conn.query('select commerce.set_transaction_status($1, $2)', [id, to]);
    };
    const advance = async (conn: Db, id: string) => {
      const found = await conn.query<{ s: string }>(
        'select transaction_status as s from commerce.transactions where transaction_id = $1',
        [id],
      );
      const to = next[found.rows[0]?.s ?? ''];
      if (to) await move(conn, id, to);
    };
    // One database transaction of one to three steps, committed (or, one time in eight, rolled
    // back, which must take its contributions away with it).
    const round = async (conn: Connection) => {
      await conn.query('begin');
      try {
        for (let step = 0, steps = 1 + Math.floor(Math.random() * 3); step < steps; step++) {
          const roll = Math.random();
          if (roll < 0.3 || known.length === 0) {
            const id = await record(conn);
            if (Math.random() < 0.3)
              for (const to of ['paid', 'shipped', 'completed']) await move(conn, id, to);
          } else if (roll < 0.8) await advance(conn, pick(known));
          else if (roll < 0.9) await move(conn, pick(known), 'cancelled');
          else {
            await conn.query(
              'update commerce.transacted_items set quantity = quantity + 1 where transaction_id = $1',
              [pick(known)],
            );
          }
        }
        if (Math.random() < 0.125) {
          await conn.query('rollback');
          tally.rolledBack++;
        } else {
          await conn.query('commit');
          tally.committed++;
        }
      } catch (error) {
        await conn.query('rollback');
        // A move the status rules refuse, or two writers waiting on each other: both end the
        // database transaction, as they would for any client. Anything else fails the test.
        const state = sqlState(error);
        if (state === 'P0001') tally.refused++;
        else if (state === '40P01') tally.deadlocks++;
        else throw error;
      }
    };

    const rounds = 60;
    await Promise.all(
      workers.map(async (conn) => {
        for (let i = 0; i < rounds; i++) await round(conn);
      }),
    );
    // Finish whatever is still open, so that many transactions end completed.
    for (const id of known) {
      for (let i = 0; i < 3; i++) await advance(db.admin, id).catch(() => {});
    }

    const completed = await db.admin.query<{ n: string }>(
      "select count(*) as n from commerce.transactions where transaction_status = 'completed'",
    );
    assert.ok(tally.committed > rounds * 3, JSON.stringify(tally));
    assert.ok(tally.rolledBack > 0, JSON.stringify(tally));
    assert.ok(Number(completed.rows[0]?.n) > 100, `${completed.rows[0]?.n} completed`);
    await agree();
  });
});
