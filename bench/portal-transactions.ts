// Recording transactions through the portal's API against calling the procedure directly with pg,
// side by side in one run:
//   A  the portal: POST /api/transactions over real HTTP (the session, read from the portal's
//      cache or PostgreSQL; BEGIN, SET LOCAL ROLE, the procedure with its read-back and COMMIT in
//      one round trip on the pipelining pool), signed in as a logistics person;
//   B  direct: a pg pool logged in as that person (as psql would), `select record_transaction(…)`;
//   C  direct, the portal's way: a pipelining pg pool as the authenticator `commerce_portal`, each
//      call in its own transaction with SET LOCAL ROLE to the person (asRole), then the procedure.
//   node bench/portal-transactions.ts [--transactions 2000] [--concurrency 8] [--warmup 100] [--rounds 5]
// Always starts its own embedded PostgreSQL in a temporary directory (it creates a login and sets
// the authenticator's password, which must not happen on a real server), removed at the end.
// The portal runs in a worker thread, as a server apart from the client that drives it: the
// client's own HTTP work (a browser's, in real use) does not queue behind the portal's. That client
// is undici's request, a lean HTTP/1.1 client (Node's fetch, built on it, costs twice the CPU per
// request): in real use the client is elsewhere, and here its CPU is taken from the servers'.
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { isMainThread, workerData } from 'node:worker_threads';
import { request } from 'undici';
import { addPerson } from '../src/commerce/people.ts';
import { seedDemo } from '../src/commerce/seed-demo.ts';
import {
  type Connection,
  createPool,
  type Db,
  quoteLiteral,
  withCredentials,
} from '../src/platform/db/pool.ts';
import { asRole } from '../src/platform/db/role-session.ts';
import { generatePassword, scramVerifier } from '../src/platform/db/scram.ts';
import { withCleanup } from './lib/cleanup.ts';
import { cpuBetween, cpuMeter } from './lib/cpu.ts';
import { connectMigrated, serverVersion, startScratchDatabase } from './lib/database.ts';
import { driveAll } from './lib/drive.ts';
import { formatMs, formatPercent } from './lib/format.ts';
import { parseOptions } from './lib/options.ts';
import { figuresOf, runRounds } from './lib/rounds.ts';
import { serveInThread, startServerThread } from './lib/server-thread.ts';
import { apiOnlyPortal, serveService } from './lib/services.ts';
import { type LatencyFigures, latencyFigures, medians } from './lib/stats.ts';
import { latencyRatios, ratioTable, roundsTable, variantsTable } from './lib/table.ts';

type Payload = {
  membership_id: string;
  manufacturer_id: number;
  items: { item_id: number; quantity: number }[];
};
type Key = 'A' | 'B' | 'C';
type Variant = { key: Key; label: string; record(payload: Payload): Promise<number> };
type Figures = LatencyFigures & {
  perSecond: number;
  /** Share of the time the client thread was busy (and, for A, the portal's thread). */
  clientBusy: number;
  portalBusy?: number;
  /** CPU milliseconds per transaction: this process (client and portal threads), PostgreSQL. */
  clientCpu: number;
  nodeCpu: number;
  postgresCpu?: number | undefined;
};
/** The portal's variables, as `tessera serve portal` would be given them. */
type PortalThreadData = { env: Record<string, string> };

const personLogin = 'bench_logistics';
const seedTransactions = 1_000;
const itemsPerTransaction = 3;

if (isMainThread) await main();
else await portalThread(workerData as PortalThreadData);

// ---------------------------------------------------------------------------------------------
// The portal's thread: the real app on a real port, until the main thread says close.

async function portalThread(data: PortalThreadData): Promise<void> {
  await serveInThread(async (cleanup) => {
    // Without the built UI: the bench calls the API only.
    return (await serveService(apiOnlyPortal, data.env, cleanup)).url;
  });
}

// ---------------------------------------------------------------------------------------------
// The main thread: database, data, the three ways of recording, the timed rounds, the checks.

async function main(): Promise<void> {
  const { transactions, concurrency, warmup, rounds } = parseOptions({
    transactions: { kind: 'count', default: 2000 },
    concurrency: { kind: 'count', default: 8 },
    warmup: { kind: 'count or 0', default: 100 },
    rounds: { kind: 'count', default: 5 },
  });

  // Undone last first, also on error and on Ctrl-C: pools, the portal, the server, its directory.
  await withCleanup(async (cleanup) => {
    // The server and its data.
    const server = await startScratchDatabase(cleanup);
    const admin = await connectMigrated(server.url, cleanup);
    await seedDemo(admin, seedTransactions, () => {});
    const personPassword = generatePassword();
    await addPerson(admin, {
      login: personLogin,
      team: 'logistics',
      pii: false,
      password: personPassword,
    });
    const portalPassword = generatePassword();
    await admin.query(
      `alter role commerce_portal password ${quoteLiteral(scramVerifier(portalPassword))}`,
    );
    const personUrl = withCredentials(server.url, personLogin, personPassword);
    const portalUrl = withCredentials(server.url, 'commerce_portal', portalPassword);
    const sources = await loadSources(admin);
    const cpu = await cpuMeter(admin);

    // The portal in its own thread, with the pool size `npm start` gives it (more if needed).
    const portal = await startServerThread<string>(cleanup, new URL(import.meta.url), 'portal', {
      env: {
        DATABASE_URL: server.url,
        PORTAL_DATABASE_URL: portalUrl,
        PORTAL_POOL_SIZE: String(Math.max(10, concurrency)),
      },
    } satisfies PortalThreadData);
    const session = await signIn(portal.listening, personLogin, personPassword);

    // One connection per transaction in flight for the direct ways.
    const direct = createPool(personUrl, { max: concurrency, applicationName: 'tessera-bench-b' });
    cleanup.push(() => direct.end());
    const portalWay = createPool(portalUrl, {
      max: concurrency,
      applicationName: 'tessera-bench-c',
      pipeline: true,
    });
    cleanup.push(() => portalWay.end());

    let requestNumber = 0;
    const variants: Variant[] = [
      {
        key: 'A',
        label: 'portal: POST /api/transactions over HTTP',
        record: (payload) => viaPortal(portal.listening, session, payload),
      },
      {
        key: 'B',
        label: 'direct pg, logged in as the person',
        record: (payload) => callProcedure(direct, payload),
      },
      {
        key: 'C',
        label: 'direct pg as commerce_portal + SET LOCAL ROLE',
        record: (payload) =>
          asRole(portalWay, { role: personLogin, requestId: `bench-${++requestNumber}` }, (tx) =>
            callProcedure(tx, payload),
          ),
      },
    ];

    const before = await admin.query<{ count: number; audit_id: number }>(
      `select (select count(*) from commerce.transactions)::integer as count,
              (select coalesce(max(audit_id), 0) from commerce.audit_log) as audit_id`,
    );
    const countBefore = before.rows[0]?.count ?? 0;
    const auditBefore = before.rows[0]?.audit_id ?? 0;
    console.log(
      `PostgreSQL ${await serverVersion(admin)}, Node ${process.version}, ${availableParallelism()} cores (shared by PostgreSQL, the client and the portal's thread)`,
    );
    console.log(
      `${transactions} transactions per timed run, ${concurrency} in flight, ${itemsPerTransaction} distinct active items each (quantity 1-5), ${warmup} warm-up transactions before every timed run, ${rounds} rounds in rotating order\n`,
    );

    const random = mulberry32(20_240_601);
    const sent = new Map<number, { payload: Payload; key: Key }>();
    const runs = await runRounds(variants, rounds, 'rotating', async (variant) => {
      // Warm every time: pools drop idle connections after 10 s and keep-alive sockets after 4 s.
      const warm = Array.from({ length: warmup }, () => makePayload(sources, random));
      await drive(variant, warm, concurrency, sent);
      const payloads = Array.from({ length: transactions }, () => makePayload(sources, random));
      const clientStart = performance.eventLoopUtilization();
      const portalStart = portal.utilization();
      const cpuStart = cpu();
      const { latencies, ms } = await drive(variant, payloads, concurrency, sent);
      const used = cpuBetween(cpuStart, cpu());
      const figures: Figures = {
        clientCpu: used.thread / latencies.length,
        nodeCpu: used.node / latencies.length,
        postgresCpu: used.postgres === undefined ? undefined : used.postgres / latencies.length,
        perSecond: (latencies.length / ms) * 1000,
        ...latencyFigures(latencies),
        clientBusy: performance.eventLoopUtilization(clientStart).utilization,
      };
      if (variant.key === 'A') figures.portalBusy = portal.utilization(portalStart).utilization;
      return figures;
    });

    const medianFigures = new Map(variants.map((v) => [v.key, medians(figuresOf(runs, v))]));
    const get = (key: Key) => medianFigures.get(key) as Figures;
    console.log(
      variantsTable(
        variants,
        get,
        [
          'tx/s',
          'mean ms',
          'p50 ms',
          'p95 ms',
          'p99 ms',
          'client busy',
          'portal busy',
          'CPU ms/tx: client',
          'Node',
          'PostgreSQL',
        ],
        (f) => [
          f.perSecond.toFixed(0),
          formatMs(f.mean),
          formatMs(f.p50),
          formatMs(f.p95),
          formatMs(f.p99),
          formatPercent(f.clientBusy),
          f.portalBusy === undefined ? '' : formatPercent(f.portalBusy),
          f.clientCpu.toFixed(2),
          f.nodeCpu.toFixed(2),
          f.postgresCpu === undefined ? '?' : f.postgresCpu.toFixed(2),
        ],
      ),
    );
    console.log(
      `(median over ${rounds} rounds of each figure; busy = event-loop utilisation of the client thread and of the portal's thread; CPU = user and system time per transaction of this process's threads (client and portal) and of PostgreSQL's processes, read from /proc)\n`,
    );
    console.log(
      ratioTable(
        get,
        [
          ['A', 'B'],
          ['A', 'C'],
          ['C', 'B'],
        ],
        [{ heading: 'time per tx', figure: (f) => f.perSecond, inverse: true }, ...latencyRatios],
      ),
    );
    console.log(
      'time per tx = the inverse of throughput; every ratio is the first over the second (above 1.0x: the first is slower)\n',
    );
    const perRound = roundsTable(runs, ['tx/s', 'mean ms', 'p99 ms'], (f) => [
      f.perSecond.toFixed(0),
      formatMs(f.mean),
      formatMs(f.p99),
    ]);
    console.log(`each round:\n${perRound}\n`);

    console.log(await verify(admin, sent, countBefore, auditBefore));
  });
}

// ---------------------------------------------------------------------------------------------
// The three ways of recording one transaction.

type PortalSession = { cookie: string; csrf: string };

async function signIn(url: string, login: string, password: string): Promise<PortalSession> {
  const response = await fetch(`${url}/api/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ login, password }),
  });
  const body = (await response.json()) as { csrfToken?: string };
  const cookie = response.headers.getSetCookie()[0]?.split(';')[0];
  if (response.status !== 200 || !cookie || !body.csrfToken) {
    throw new Error(`sign-in failed: ${response.status} ${JSON.stringify(body)}`);
  }
  return { cookie, csrf: body.csrfToken };
}

async function viaPortal(url: string, session: PortalSession, payload: Payload): Promise<number> {
  const response = await request(`${url}/api/transactions`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      cookie: session.cookie,
      'x-csrf-token': session.csrf,
    },
    body: JSON.stringify(payload),
  });
  const text = await response.body.text();
  if (response.statusCode !== 201) {
    throw new Error(`POST /api/transactions answered ${response.statusCode}: ${text}`);
  }
  const body = JSON.parse(text) as { transaction_id: number; lines: unknown[] };
  if (body.lines.length !== payload.items.length) {
    throw new Error(`transaction ${body.transaction_id} came back with ${body.lines.length} lines`);
  }
  return body.transaction_id;
}

async function callProcedure(db: Db, payload: Payload): Promise<number> {
  const result = await db.query<{ id: number }>(
    'select commerce.record_transaction($1, $2, $3) as id',
    [payload.membership_id, payload.manufacturer_id, JSON.stringify(payload.items)],
  );
  const id = result.rows[0]?.id;
  if (typeof id !== 'number') throw new Error('record_transaction returned no id');
  return id;
}

// ---------------------------------------------------------------------------------------------
// Driving a variant: every payload recorded, `concurrency` in flight; what was sent, by its id.

function drive(
  variant: Variant,
  payloads: Payload[],
  concurrency: number,
  sent: Map<number, { payload: Payload; key: Key }>,
): Promise<{ latencies: number[]; ms: number }> {
  return driveAll(variant.key, payloads, concurrency, async (payload) => {
    sent.set(await variant.record(payload), { payload, key: variant.key });
  });
}

// ---------------------------------------------------------------------------------------------
// The data to record, and the checks afterwards.

type Sources = { members: string[]; manufacturers: number[]; items: number[] };

async function loadSources(db: Connection): Promise<Sources> {
  const ids = async <T>(text: string) => (await db.query<{ id: T }>(text)).rows.map((r) => r.id);
  const sources = {
    members: await ids<string>('select membership_id as id from commerce.memberships'),
    manufacturers: await ids<number>('select manufacturer_id as id from commerce.manufacturers'),
    items: await ids<number>('select item_id as id from commerce.items where deleted_at is null'),
  };
  if (
    !sources.members.length ||
    !sources.manufacturers.length ||
    sources.items.length < itemsPerTransaction
  ) {
    throw new Error('the seed left too few members, manufacturers or active items');
  }
  return sources;
}

/** A small seeded generator, so every run sends the same kind of transactions. */
function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function makePayload(sources: Sources, random: () => number): Payload {
  const pick = <T>(list: T[]) => list[Math.floor(random() * list.length)] as T;
  const items = new Set<number>();
  while (items.size < itemsPerTransaction) items.add(pick(sources.items));
  return {
    membership_id: pick(sources.members),
    manufacturer_id: pick(sources.manufacturers),
    items: [...items].map((item_id) => ({ item_id, quantity: 1 + Math.floor(random() * 5) })),
  };
}

/**
 * Every transaction sent is there, once, with its audit entry made by the person (through the
 * portal's login for A and C, with a request id); for a sample, the lines are what was sent and
 * the totals are the sums of the lines.
 */
async function verify(
  db: Connection,
  sent: Map<number, { payload: Payload; key: Key }>,
  countBefore: number,
  auditBefore: number,
): Promise<string> {
  const problems: string[] = [];
  const count = (
    await db.query<{ n: number }>('select count(*)::integer as n from commerce.transactions')
  ).rows[0]?.n;
  const added = (count ?? 0) - countBefore;
  if (added !== sent.size) problems.push(`${added} transactions added, ${sent.size} sent`);

  const audit = await db.query<{ id: number; actor: string; login: string; request_id: boolean }>(
    `select (row_key->>'transaction_id')::bigint as id, actor, login, request_id is not null as request_id
     from commerce.audit_log
     where audit_id > $1 and table_name = 'transactions' and action = 'insert'`,
    [auditBefore],
  );
  let audited = 0;
  for (const row of audit.rows) {
    const entry = sent.get(row.id);
    const viaPortalLogin = entry?.key !== 'B';
    if (
      !entry ||
      row.actor !== personLogin ||
      row.login !== (viaPortalLogin ? 'commerce_portal' : personLogin) ||
      row.request_id !== viaPortalLogin
    ) {
      problems.push(`audit entry for transaction ${row.id} is not as expected`);
    } else audited++;
  }
  if (audited !== sent.size) problems.push(`${audited} audited inserts for ${sent.size} sent`);

  const sample = [...sent.keys()].filter((_, i) => i % Math.ceil(sent.size / 300) === 0);
  const checked = await db.query<{
    transaction_id: number;
    membership_id: string;
    manufacturer_id: number;
    lines: { item_id: number; quantity: number }[];
    totals_match: boolean;
  }>(
    `select t.transaction_id, t.membership_id, t.manufacturer_id,
            jsonb_agg(jsonb_build_object('item_id', ti.item_id, 'quantity', ti.quantity)
                      order by ti.item_id) as lines,
            t.total_items_cost = sum(ti.unit_cost * ti.quantity)
              and t.total_items_weight = sum(ti.unit_weight * ti.quantity) as totals_match
     from commerce.transactions t
     join commerce.transacted_items ti on ti.transaction_id = t.transaction_id
     where t.transaction_id = any($1::bigint[])
     group by t.transaction_id`,
    [sample],
  );
  if (checked.rows.length !== sample.length) {
    problems.push(`${sample.length - checked.rows.length} sampled transactions have no lines`);
  }
  for (const row of checked.rows) {
    const payload = sent.get(row.transaction_id)?.payload;
    const expected = [...(payload?.items ?? [])].sort((a, b) => a.item_id - b.item_id);
    if (
      !payload ||
      row.membership_id !== payload.membership_id ||
      row.manufacturer_id !== payload.manufacturer_id ||
      JSON.stringify(row.lines) !== JSON.stringify(expected)
    ) {
      problems.push(`transaction ${row.transaction_id} is not what was sent`);
    }
    if (!row.totals_match)
      problems.push(`transaction ${row.transaction_id}: totals differ from its lines`);
  }
  if (problems.length) throw new Error(`verification failed:\n  ${problems.join('\n  ')}`);
  return `verified: ${added} transactions added = ${sent.size} sent (warm-ups included), each with its audit entry by ${personLogin}; ${checked.rows.length} sampled: lines as sent, totals = sums of lines`;
}
