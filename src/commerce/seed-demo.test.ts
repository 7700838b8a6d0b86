// The demo seed skips the triggers to be fast, so these checks prove it wrote what they would have.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTestDatabase, type TestDatabase } from '../../test/helpers/database.ts';
import { type Connection, connect } from '../platform/db/pool.ts';
import { type SeedReport, seedDemo } from './seed-demo.ts';
import { verifyKeptTotals, verifyPolicy } from './verify.ts';

describe('seed-demo', () => {
  let db: TestDatabase;
  let conn: Connection;
  let first: SeedReport;
  const progress: number[] = [];

  before(async () => {
    db = await createTestDatabase();
    conn = await connect(db.url);
    first = await seedDemo(conn, 2_000, (done) => progress.push(done), 700);
  });
  after(async () => {
    await conn.end();
    await db.close();
  });

  const count = async (text: string): Promise<number> => {
    const result = await db.admin.query<{ n: string }>(`select count(*) as n from (${text}) q`);
    return Number(result.rows[0]?.n);
  };

  test('writes the transactions asked for, in batches, reporting progress after each', async () => {
    assert.deepEqual(progress, [700, 1_400, 2_000]);
    assert.equal(first.transactions, 2_000);
    assert.equal(await count('select 1 from commerce.transactions'), 2_000);
    assert.equal(await count('select 1 from commerce.transacted_items'), first.lines);
    assert.ok(first.lines >= 2_000 && first.lines <= 10_000);
  });

  test('adds about 50 makers, 2,000 items (a few retired) and 10,000 members', async () => {
    assert.equal(await count('select 1 from commerce.manufacturers'), 50);
    assert.equal(await count('select 1 from commerce.items'), 2_000);
    const retired = await count('select 1 from commerce.items where deleted_at is not null');
    assert.ok(retired > 0 && retired < 100, `${retired} retired items`);
    assert.equal(await count('select 1 from commerce.memberships'), 10_000);
    assert.equal(
      await count('select distinct lower(email) from commerce.memberships'),
      10_000,
      'emails are unique',
    );
  });

  test('every transaction has 1 to 5 lines, each of a different item', async () => {
    assert.equal(
      await count(`select 1 from commerce.transactions t
                   where not exists (select 1 from commerce.transacted_items ti where ti.transaction_id = t.transaction_id)`),
      0,
    );
    assert.equal(
      await count(
        'select 1 from commerce.transacted_items group by transaction_id having count(*) > 5',
      ),
      0,
    );
    assert.equal(await count('select 1 from commerce.transacted_items where quantity < 1'), 0);
  });

  test('totals equal the sums of their lines exactly', async () => {
    assert.equal(
      await count(`select 1 from commerce.transactions t
                   join (select transaction_id, sum(unit_cost * quantity) as cost, sum(unit_weight * quantity) as weight
                         from commerce.transacted_items group by transaction_id) l using (transaction_id)
                   where t.total_items_cost <> l.cost or t.total_items_weight <> l.weight`),
      0,
    );
  });

  test("unit prices and weights are the items', and no line is of a retired item", async () => {
    assert.equal(
      await count(`select 1 from commerce.transacted_items ti join commerce.items i using (item_id)
                   where ti.unit_cost <> i.item_cost or ti.unit_weight <> i.item_weight`),
      0,
    );
    assert.equal(
      await count(`select 1 from commerce.transacted_items ti join commerce.items i using (item_id)
                   where i.deleted_at is not null`),
      0,
    );
  });

  test('completed_at is set exactly when completed, and statuses are mostly completed', async () => {
    assert.equal(
      await count(`select 1 from commerce.transactions
                   where (transaction_status = 'completed') <> (completed_at is not null)
                      or completed_at < created_at or completed_at > now()`),
      0,
    );
    const completed = await count(
      "select 1 from commerce.transactions where transaction_status = 'completed'",
    );
    assert.ok(completed > 1_500 && completed < 2_000, `${completed} completed`);
    assert.ok((await count('select distinct transaction_status from commerce.transactions')) >= 4);
  });

  test('created_at spreads over the last two years', async () => {
    const r = await db.admin.query<{ oldest: string; newest: string }>(
      `select extract(day from now() - min(created_at))::int as oldest,
              extract(day from now() - max(created_at))::int as newest
       from commerce.transactions`,
    );
    const { oldest, newest } = r.rows[0] ?? { oldest: '0', newest: '0' };
    assert.ok(Number(oldest) > 600 && Number(oldest) <= 730, `oldest ${oldest} days`);
    assert.ok(Number(newest) <= 2, `newest ${newest} days`);
  });

  test('every foreign key resolves', async () => {
    assert.equal(
      await count(`select 1 from commerce.transactions t
                   where not exists (select 1 from commerce.memberships m where m.membership_id = t.membership_id)
                      or not exists (select 1 from commerce.manufacturers k where k.manufacturer_id = t.manufacturer_id)`),
      0,
    );
    assert.equal(
      await count(`select 1 from commerce.transacted_items ti
                   where not exists (select 1 from commerce.transactions t where t.transaction_id = ti.transaction_id)
                      or not exists (select 1 from commerce.items i where i.item_id = ti.item_id)`),
      0,
    );
  });

  test('the load is one bulk.load entry in the audit log, not one per row', async () => {
    const r = await db.admin.query<{ new_values: Record<string, unknown> }>(
      "select new_values from commerce.audit_log where action = 'bulk.load'",
    );
    assert.equal(r.rows.length, 1);
    assert.equal(r.rows[0]?.new_values.transactions, 2_000);
    assert.equal(
      await count(
        "select 1 from commerce.audit_log where table_name in ('transactions', 'transacted_items')",
      ),
      0,
    );
  });

  test('the triggers, run over every seeded transaction afterwards, find nothing to change', async () => {
    // Rewriting a transaction recomputes its totals and completed_at; the audit trigger records
    // any column that changed (updated_at aside), so no audit rows means they agreed everywhere.
    await db.admin.query('update commerce.transactions set updated_at = updated_at');
    assert.equal(
      await count("select 1 from commerce.audit_log where table_name = 'transactions'"),
      0,
    );
  });

  test('identity sequences continue after the load', async () => {
    const maker = await db.admin.query<{ id: string }>(
      "insert into commerce.manufacturers (manufacturer_name) values ('After Seed Pte Ltd') returning manufacturer_id as id",
    );
    assert.ok(Number(maker.rows[0]?.id) > 50);
    const r = await db.admin.query<{ next: string; max: string }>(
      `select (select last_value from commerce.transactions_transaction_id_seq) as next,
              (select max(transaction_id) from commerce.transactions) as max`,
    );
    assert.equal(r.rows[0]?.next, r.rows[0]?.max);
  });

  test('a second run adds transactions and reuses the makers, items and members', async () => {
    const second = await seedDemo(conn, 1_000, () => {});
    assert.equal(second.transactions, 1_000);
    assert.equal(await count('select 1 from commerce.transactions'), 3_000);
    assert.equal(
      await count('select 1 from commerce.transacted_items'),
      first.lines + second.lines,
    );
    assert.equal(await count('select 1 from commerce.items'), 2_000);
    assert.equal(await count('select 1 from commerce.memberships'), 10_000);
    assert.equal(await count("select 1 from commerce.audit_log where action = 'bulk.load'"), 2);
    assert.equal(
      await count(`select 1 from commerce.transactions t
                   join (select transaction_id, sum(unit_cost * quantity) as cost from commerce.transacted_items
                         group by transaction_id) l using (transaction_id)
                   where t.total_items_cost <> l.cost`),
      0,
    );
  });

  test("the analyst views' kept sums count the loaded completed transactions, as the triggers would", async () => {
    assert.deepEqual(await verifyKeptTotals(db.admin), []);
    const kept = await db.admin.query<{ n: number }>(
      'select sum(completed_transactions)::integer as n from commerce.member_spending',
    );
    assert.equal(
      kept.rows[0]?.n,
      await count("select 1 from commerce.transactions where transaction_status = 'completed'"),
    );
  });

  test('the grants still match the policy', async () => {
    assert.deepEqual(await verifyPolicy(db.admin), []);
  });
});
