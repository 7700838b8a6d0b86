// The two analyst views against the same questions answered without what the views lean on, side
// by side in one run, on a database seeded with `tessera db seed-demo`'s data.
//   node bench/analyst-views.ts [--transactions 1000000] [--runs 5]
// Starts its own embedded PostgreSQL in a temporary directory, or uses DATABASE_URL if set (it
// then adds the demo rows to that database).
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { seedDemo } from '../src/commerce/seed-demo.ts';
import { startEmbedded } from '../src/platform/db/embedded.ts';
import { migrate } from '../src/platform/db/migrate.ts';
import { type Connection, connect } from '../src/platform/db/pool.ts';
import { createLogger } from '../src/platform/log.ts';
import { schemas } from '../src/schemas.ts';
import { freePort } from '../test/helpers/ports.ts';

type Variant = { label: string; text: string; settings?: keyof typeof plannerSettings };
type Question = { view: string; variants: Variant[] };
type PlanNode = {
  'Node Type': string;
  'Index Name'?: string;
  'Relation Name'?: string;
  Plans?: PlanNode[];
};

const plannerSettings = {
  // The baseline: the planner may not use any index, so it scans the tables.
  indexesOff: [
    'set local enable_indexscan = off',
    'set local enable_indexonlyscan = off',
    'set local enable_bitmapscan = off',
  ],
  // What the indexes would give if the planner took them wherever it could.
  seqScansOff: ['set local enable_seqscan = off'],
} as const;

const questions: Question[] = [
  {
    view: 'commerce.top_members_by_spending',
    variants: [
      { label: 'the view', text: 'select * from commerce.top_members_by_spending' },
      {
        label: 'the view, index scans off',
        text: 'select * from commerce.top_members_by_spending',
        settings: 'indexesOff',
      },
      {
        label: 'the view, seq scans off',
        text: 'select * from commerce.top_members_by_spending',
        settings: 'seqScansOff',
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
      { label: 'the view', text: 'select * from commerce.top_items_by_quantity' },
      {
        label: 'the view, index scans off',
        text: 'select * from commerce.top_items_by_quantity',
        settings: 'indexesOff',
      },
      {
        label: 'the view, seq scans off',
        text: 'select * from commerce.top_items_by_quantity',
        settings: 'seqScansOff',
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

const { values: args } = parseArgs({
  options: {
    transactions: { type: 'string', default: '1000000' },
    runs: { type: 'string', default: '5' },
  },
});
const transactions = Number(args.transactions);
const runs = Number(args.runs);
if (!Number.isInteger(transactions) || transactions < 1 || !Number.isInteger(runs) || runs < 1) {
  console.error('usage: node bench/analyst-views.ts [--transactions N] [--runs N]');
  process.exit(2);
}

// Undone last first, also on error and on Ctrl-C: the connection, the server, its directory.
const undo: (() => Promise<unknown>)[] = [];
let cleaning: Promise<void> | undefined;
// Once, whoever asks first (Ctrl-C, or the main flow when the interrupted query fails).
const cleanup = () =>
  (cleaning ??= (async () => {
    for (let step = undo.pop(); step; step = undo.pop()) await step().catch(() => {});
  })());
process.once('SIGINT', () => {
  void cleanup().finally(() => process.exit(130));
});

try {
  const url = process.env.DATABASE_URL ?? (await startServer());
  const db = await connect(url, 'tessera-bench');
  undo.push(() => db.end());
  await benchmark(db);
} finally {
  await cleanup();
}

async function startServer(): Promise<string> {
  const scratch = await mkdtemp(path.join(tmpdir(), 'tessera-bench-'));
  undo.push(() => rm(scratch, { recursive: true, force: true }));
  await chmod(scratch, 0o755); // as root, the server runs as the postgres user
  const server = await startEmbedded({
    dataDir: path.join(scratch, 'postgres'),
    port: await freePort(),
    log: createLogger('silent'),
  });
  undo.push(() => server.stop());
  return server.url;
}

async function benchmark(db: Connection): Promise<void> {
  await migrate(db, schemas);
  const version = await db.query<{ v: string }>("select current_setting('server_version') as v");
  console.log(
    `PostgreSQL ${version.rows[0]?.v}, ${availableParallelism()} cores, ${runs} timed runs after one warm-up\n`,
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
  console.log(`vacuum (analyze) after the load: ${fmt(performance.now() - vacuumStart)} ms\n`);

  const rows: string[][] = [['question', 'query', 'median ms', 'min ms', 'vs view']];
  const plans: string[] = [];
  for (const question of questions) {
    const expected = JSON.stringify((await db.query(question.variants[0]?.text ?? '')).rows);
    const times = new Map<Variant, number[]>(question.variants.map((v) => [v, []]));
    for (const v of question.variants) {
      const warm = await timed(db, v);
      if (JSON.stringify(warm.rows) !== expected) {
        throw new Error(`"${v.label}" answers ${question.view}'s question differently`);
      }
    }
    // Interleaved, so that drift (caches, autovacuum) falls on every variant alike.
    for (let run = 0; run < runs; run++) {
      for (const v of question.variants) times.get(v)?.push((await timed(db, v)).ms);
    }
    const viewMedian = median(times.get(question.variants[0] as Variant) ?? []);
    for (const [i, v] of question.variants.entries()) {
      const t = times.get(v) ?? [];
      rows.push([
        i === 0 ? question.view.replace('commerce.', '') : '',
        v.label,
        fmt(median(t)),
        fmt(Math.min(...t)),
        i === 0 ? '1.0x' : `${(median(t) / viewMedian).toFixed(1)}x`,
      ]);
    }
    plans.push(await planSummary(db, question.view, question.variants[0]?.text ?? ''));
  }
  console.log(table(rows));
  console.log("vs view: the query's median over the view's (below 1.0x: faster than the view)");
  console.log(`\nexplain (analyze, buffers) of each view:\n${plans.join('\n')}`);
}

async function timed(db: Connection, v: Variant) {
  await db.query('begin');
  try {
    for (const setting of v.settings ? plannerSettings[v.settings] : []) await db.query(setting);
    const start = performance.now();
    const result = await db.query(v.text);
    const ms = performance.now() - start;
    return { ms, rows: result.rows };
  } finally {
    await db.query('rollback');
  }
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
    `  ${view}: top node ${plan.Plan['Node Type']}, executed in ${fmt(plan['Execution Time'])} ms`,
    `    first children: ${spine.join(' > ')}`,
    `    reads: ${[...new Set(scans)].join('; ')}`,
  ].join('\n');
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

function fmt(ms: number): string {
  return ms < 10 ? ms.toFixed(2) : ms.toFixed(1);
}

function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length))) ?? [];
  return rows
    .map((r) =>
      r
        .map((cell, c) => (c >= 2 ? cell.padStart(widths[c] ?? 0) : cell.padEnd(widths[c] ?? 0)))
        .join('  '),
    )
    .join('\n');
}
