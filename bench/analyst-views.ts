// The two analyst views, which read sums kept by triggers (migration 0007), against the same
// questions summed from the base tables, side by side in one run, on a database seeded with
// `tessera db seed-demo`'s data; then the portal's transaction list (bench/lib/transaction-list.ts).
//   node bench/analyst-views.ts [--transactions 1000000] [--runs 5]
// Starts its own embedded PostgreSQL in a temporary directory, or uses DATABASE_URL if set (it
// then adds the demo rows to that database, and skips the list, which needs a login of its own).
import { availableParallelism } from 'node:os';
import { seedDemo } from '../src/commerce/seed-demo.ts';
import type { Connection } from '../src/platform/db/pool.ts';
import { withCleanup } from './lib/cleanup.ts';
import { connectMigrated, serverVersion, startScratchDatabase } from './lib/database.ts';
import { formatMs, formatRatio } from './lib/format.ts';
import { parseOptions } from './lib/options.ts';
import { figuresOf, runRounds } from './lib/rounds.ts';
import { median } from './lib/stats.ts';
import { table } from './lib/table.ts';
import { benchmarkTransactionList } from './lib/transaction-list.ts';

type Variant = { label: string; text: string };
type Question = { view: string; variants: Variant[] };
type PlanNode = {
  'Node Type': string;
  'Index Name'?: string;
  'Relation Name'?: string;
  Plans?: PlanNode[];
};

const goalMs = 50;

const questions: Question[] = [
  {
    view: 'commerce.top_members_by_spending',
    variants: [
      { label: 'the view (kept sums)', text: 'select * from commerce.top_members_by_spending' },
      {
        // The view as it was before 0007: the completed transactions summed per member.
        label: 'plain query: summed from the transactions',
        text: `select m.membership_id, m.first_name, m.last_name, s.completed_transactions, s.total_spent
               from (select t.membership_id, count(*) as completed_transactions, sum(t.total_items_cost) as total_spent
                     from commerce.transactions t
                     where t.transaction_status = 'completed'
                     group by t.membership_id
                     order by total_spent desc, t.membership_id
                     limit 10) s
               join commerce.memberships m on m.membership_id = s.membership_id
               order by s.total_spent desc, s.membership_id`,
      },
      {
        // The question asked of the lines, as if totals were not kept on each transaction.
        label: 'naive: summed from the lines',
        text: `select m.membership_id, m.first_name, m.last_name,
                      count(distinct t.transaction_id) as completed_transactions,
                      sum(ti.unit_cost * ti.quantity) as total_spent
               from commerce.memberships m
               join commerce.transactions t on t.membership_id = m.membership_id
               join commerce.transacted_items ti on ti.transaction_id = t.transaction_id
               where t.transaction_status = 'completed'
               group by m.membership_id, m.first_name, m.last_name
               order by total_spent desc, m.membership_id
               limit 10`,
      },
    ],
  },
  {
    view: 'commerce.top_items_by_quantity',
    variants: [
      { label: 'the view (kept sums)', text: 'select * from commerce.top_items_by_quantity' },
      {
        // The view as it was before 0007: the lines of completed transactions summed per item.
        label: 'plain query: summed from the lines',
        text: `select i.item_id, i.item_name, s.units_bought, s.times_bought, i.deleted_at is not null as retired
               from (select ti.item_id, sum(ti.quantity) as units_bought, count(*) as times_bought
                     from commerce.transacted_items ti
                     join commerce.transactions t on t.transaction_id = ti.transaction_id
                     where t.transaction_status = 'completed'
                     group by ti.item_id
                     order by units_bought desc, ti.item_id
                     limit 3) s
               join commerce.items i on i.item_id = s.item_id
               order by s.units_bought desc, s.item_id`,
      },
      {
        // Join everything first, aggregate by every output column, then sort.
        label: 'naive: join all, then group',
        text: `select i.item_id, i.item_name, sum(ti.quantity) as units_bought, count(*) as times_bought,
                      i.deleted_at is not null as retired
               from commerce.transacted_items ti
               join commerce.transactions t on t.transaction_id = ti.transaction_id
               join commerce.items i on i.item_id = ti.item_id
               where t.transaction_status = 'completed'
               group by i.item_id, i.item_name, i.deleted_at
               order by units_bought desc, i.item_id
               limit 3`,
      },
    ],
  },
];

const { transactions, runs } = parseOptions({
  transactions: { kind: 'count', default: 1_000_000 },
  runs: { kind: 'count', default: 5 },
});

// Undone last first, also on error and on Ctrl-C: the connection, the server, its directory.
await withCleanup(async (cleanup) => {
  const scratch = process.env.DATABASE_URL ? null : (await startScratchDatabase(cleanup)).url;
  const url = process.env.DATABASE_URL ?? scratch ?? '';
  const db = await connectMigrated(url, cleanup);
  await benchmark(db);
  if (scratch) {
    console.log(
      `\nThe portal's transaction list at ${transactions.toLocaleString('en')} transactions:`,
    );
    console.log(await benchmarkTransactionList(db, scratch, { runs, transactions }, cleanup));
  } else
    console.log('\n(the transaction list is benched on a scratch server only: unset DATABASE_URL)');
});

async function benchmark(db: Connection): Promise<void> {
  console.log(
    `PostgreSQL ${await serverVersion(db)}, ${availableParallelism()} cores, ${runs} timed runs after one warm-up\n`,
  );

  const seeded = await seedDemo(db, transactions, (done) =>
    console.log(`  seeded ${done.toLocaleString('en')} / ${transactions.toLocaleString('en')}`),
  );
  const seconds = seeded.milliseconds / 1000;
  console.log(
    `Seeding: ${seeded.transactions.toLocaleString('en')} transactions, ${seeded.lines.toLocaleString('en')} lines in ${seconds.toFixed(1)} s (${Math.round(seeded.transactions / seconds).toLocaleString('en')} transactions/s)`,
  );
  // The steady state autovacuum keeps: visibility map set, so index-only scans skip the heap.
  const vacuumStart = performance.now();
  await db.query('vacuum (analyze) commerce.transactions, commerce.transacted_items');
  console.log(`vacuum (analyze) after the load: ${formatMs(performance.now() - vacuumStart)} ms\n`);

  const rows: string[][] = [['question', 'query', 'median ms', 'min ms', 'vs view', 'goal']];
  const plans: string[] = [];
  for (const question of questions) {
    const expected = JSON.stringify((await db.query(question.variants[0]?.text ?? '')).rows);
    for (const v of question.variants) {
      const warm = await timed(db, v);
      if (JSON.stringify(warm.rows) !== expected) {
        throw new Error(`"${v.label}" answers ${question.view}'s question differently`);
      }
    }
    // Interleaved, so that drift (caches, autovacuum) falls on every variant alike.
    const timings = await runRounds(
      question.variants,
      runs,
      'same',
      async (v) => (await timed(db, v)).ms,
    );
    const viewMedian = median(figuresOf(timings, question.variants[0] as Variant));
    for (const [i, v] of question.variants.entries()) {
      const t = figuresOf(timings, v);
      rows.push([
        i === 0 ? question.view.replace('commerce.', '') : '',
        v.label,
        formatMs(median(t)),
        formatMs(Math.min(...t)),
        i === 0 ? '1.0x' : formatRatio(median(t), viewMedian, 1),
        i > 0 ? '' : median(t) < goalMs ? `< ${goalMs} ms: met` : `< ${goalMs} ms: NOT met`,
      ]);
    }
    plans.push(await planSummary(db, question.view, question.variants[0]?.text ?? ''));
  }
  console.log(table(rows, 2));
  console.log(
    "vs view: the query's median over the view's; every query gives the view's rows (checked)",
  );
  console.log(`\nexplain (analyze, buffers) of each view:\n${plans.join('\n')}`);
}

async function timed(db: Connection, v: Variant) {
  const start = performance.now();
  const result = await db.query(v.text);
  return { ms: performance.now() - start, rows: result.rows };
}

async function planSummary(db: Connection, view: string, text: string): Promise<string> {
  const result = await db.query<{ 'QUERY PLAN': [{ Plan: PlanNode; 'Execution Time': number }] }>(
    `explain (analyze, buffers, format json) ${text}`,
  );
  const plan = result.rows[0]?.['QUERY PLAN'][0];
  if (!plan) return `  ${view}: no plan`;
  const scans: string[] = [];
  const walk = (node: PlanNode) => {
    if (node['Relation Name']) {
      const index = node['Index Name'] ? ` using ${node['Index Name']}` : '';
      scans.push(`${node['Node Type']}${index} on ${node['Relation Name']}`);
    }
    for (const child of node.Plans ?? []) walk(child);
  };
  walk(plan.Plan);
  const spine: string[] = [];
  for (let node: PlanNode | undefined = plan.Plan; node; node = node.Plans?.[0]) {
    spine.push(node['Node Type']);
  }
  return [
    `  ${view}: top node ${plan.Plan['Node Type']}, executed in ${formatMs(plan['Execution Time'])} ms`,
    `    first children: ${spine.join(' > ')}`,
    `    reads: ${[...new Set(scans)].join('; ')}`,
  ].join('\n');
}
