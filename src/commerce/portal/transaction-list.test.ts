// The transaction list pages by key on indexed orders and totals without reading every row: every
// page, walked by cursor or asked for by number, is the slice of the fully sorted list; the total
// is exact while counting is cheap and an estimate past that; no page sorts the table.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTestDatabase, type TestDatabase } from '../../../test/helpers/database.ts';
import {
  buildTestPortal,
  type Client,
  signInAs,
  type TestPortal,
} from '../../../test/helpers/portal.ts';
import { connect } from '../../platform/db/pool.ts';
import { sql } from '../../platform/db/sql.ts';
import { exactCountLimit } from '../listing.ts';
import { seedDemo } from '../seed-demo.ts';
import { transactionSorts } from '../transactions.ts';

type Row = { transaction_id: number; [column: string]: unknown };
type Page = {
  data: Row[];
  total: number;
  total_is_estimate: boolean;
  next_cursor: string | null;
};

// More rows than are counted exactly, so that the unfiltered list's total is an estimate.
const seeded = exactCountLimit + 2_000;

describe('the transaction list at scale', () => {
  let db: TestDatabase;
  let portal: TestPortal;
  let logistics: Client;

  before(async () => {
    db = await createTestDatabase();
    const seeder = await connect(db.url);
    try {
      await seedDemo(seeder, seeded, () => {});
      await seeder.query('vacuum (analyze) commerce.transactions');
    } finally {
      await seeder.end();
    }
    portal = await buildTestPortal(db);
    logistics = await signInAs(portal, await db.addPerson('logistics'));
  });
  after(async () => {
    await portal.closeAll();
    await db.close();
  });

  const list = async (search: string): Promise<Page> => {
    const answer = await logistics.get(`/api/transactions?${search}`);
    assert.equal(answer.status, 200, answer.text);
    return answer.body as Page;
  };

  /** The ids of the matching transactions in the list's order, asked of the table directly. */
  const expected = async (sort: string, order: string, status: string | null) => {
    const direction = order === 'desc' ? 'desc' : 'asc';
    const rows = await db.admin.query<{ id: number }>(
      `select transaction_id as id from commerce.transactions
       where ($1::text is null or transaction_status = $1)
       order by ${sort === 'transaction_id' ? '' : `${sort} ${direction}, `}transaction_id ${direction}`,
      [status],
    );
    return rows.rows.map((r) => r.id);
  };

  for (const sort of transactionSorts) {
    for (const order of ['asc', 'desc']) {
      test(`sorted by ${sort} ${order}: pages by cursor and by number are slices of the sorted list`, async () => {
        // A rare status keeps the walk short; the cursor still crosses equal sort values.
        const status = 'pending';
        const all = await expected(sort, order, status);
        assert.ok(all.length > 100 && all.length < exactCountLimit, `${all.length} pending`);
        const perPage = 40;
        const base = `status=${status}&sort=${sort}&order=${order}&per_page=${perPage}`;
        const walked: number[] = [];
        let page = await list(`${base}&page=1`);
        for (let n = 1; ; n++) {
          assert.equal(page.total, all.length, 'counted exactly while few');
          assert.equal(page.total_is_estimate, false);
          walked.push(...page.data.map((r) => r.transaction_id));
          if (n === 3) {
            const byNumber = await list(`${base}&page=3`);
            assert.deepEqual(byNumber.data, page.data, 'page 3 by number = page 3 by cursor');
          }
          if (!page.next_cursor) break;
          page = await list(`${base}&page=${n + 1}&after=${encodeURIComponent(page.next_cursor)}`);
        }
        assert.deepEqual(walked, all);
      });
    }
  }

  test('past the counting limit the total is the planner estimate, said to be one', async () => {
    const first = await list('sort=transaction_id&order=desc');
    assert.equal(first.total_is_estimate, true);
    assert.ok(
      first.total > seeded * 0.8 && first.total < seeded * 1.2,
      `estimate ${first.total} for ${seeded}`,
    );
    assert.equal(
      first.data[0]?.transaction_id,
      (await expected('transaction_id', 'desc', null))[0],
    );
    // A filter that leaves few rows is counted exactly.
    const pending = await list('status=pending');
    assert.equal(pending.total_is_estimate, false);
    assert.equal(pending.total, (await expected('transaction_id', 'asc', 'pending')).length);
    // An empty page past the end still carries the total.
    const beyond = await list('status=pending&per_page=200&page=1000');
    assert.deepEqual(beyond.data, []);
    assert.equal(beyond.total, pending.total);
    assert.equal(beyond.next_cursor, null);
  });

  test('no page reads the whole table: each is read from an index, in order', async () => {
    const cases = [
      ...transactionSorts.map((sort) => ({ sort, status: null })),
      { sort: 'transaction_id', status: 'shipped' },
    ];
    for (const { sort, status } of cases) {
      const plan = await db.admin.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(
        `explain (format json) ${listSql}`,
        [status, null, null, null, sort, 'desc', 25, 25, null, null, null, true, exactCountLimit],
      );
      const scans = scansOf(plan.rows[0]?.['QUERY PLAN'][0].Plan);
      assert.ok(
        scans.every((s) => !s.startsWith('Seq Scan') && !s.startsWith('Sort of')),
        `${sort}, status ${status}: ${scans.join('; ')}`,
      );
      assert.ok(!scans.includes('WindowAgg'), scans.join('; '));
    }
  });

  test('a cursor is refused for another sort, and when it is not one the list gave', async () => {
    const page = await list('sort=total_items_cost&order=asc');
    const cursor = encodeURIComponent(page.next_cursor ?? '');
    for (const search of [
      `sort=total_items_cost&order=desc&after=${cursor}`,
      `sort=membership_id&order=asc&after=${cursor}`,
      'after=not-a-cursor',
    ]) {
      const answer = await logistics.get(`/api/transactions?${search}`);
      assert.equal(answer.status, 400, search);
      assert.equal(answer.body.code, 'bad_cursor');
    }
  });
});

type PlanNode = {
  'Node Type': string;
  'Relation Name'?: string;
  'Sort Key'?: string[];
  'Plan Rows'?: number;
  'Subplan Name'?: string;
  Plans?: PlanNode[];
};

const listSql = sql(import.meta.url, '../db/queries/list-transactions.sql');

/**
 * How the plan reads transactions (scan type), and any sort or window over many rows; the count
 * of the total (an InitPlan, which stops at exactCountLimit + 1 rows) aside.
 */
function scansOf(node: PlanNode | undefined, found: string[] = []): string[] {
  if (!node || node['Subplan Name']?.startsWith('InitPlan')) return found;
  if (node['Relation Name'] === 'transactions') found.push(`${node['Node Type']} on transactions`);
  if (node['Node Type'] === 'WindowAgg') found.push('WindowAgg');
  // Sorting a page's few rows is fine; sorting the table's is what paging by key avoids.
  if (node['Node Type'] === 'Sort' && (node['Plan Rows'] ?? 0) > 100)
    found.push(`Sort of ${node['Plan Rows']} rows on ${(node['Sort Key'] ?? []).join(', ')}`);
  for (const child of node.Plans ?? []) scansOf(child, found);
  return found;
}
