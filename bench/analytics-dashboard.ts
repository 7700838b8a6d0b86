// Each request of the analysts' dashboard through the gateway, against the same SQL run straight on
// a connection (what psql would do), side by side in one run, over a history of demo images
// (`tessera images seed-demo`: metadata only, 400 days, 30% streamed, kept 7 days each):
//   node bench/analytics-dashboard.ts [--images 1000000] [--runs 9]
// A request: GET /api/analytics/… with an analyst's API key (the key looked up, the principal
// signed, the request proxied to the image API, its queries, the JSON or the grouping, the answer
// back); the same straight to the image API, to tell the gateway's share. The bare queries: the very statements that request sends, with the same parameters,
// captured from the dashboard's own functions and replayed one after another on one connection.
// Starts its own embedded PostgreSQL, image API and gateway, removed at the end.
import { availableParallelism } from 'node:os';
import path from 'node:path';
import {
  chart,
  type ExplorerFilters,
  explore,
  type Filters,
  nearDuplicates,
  summary,
} from '../src/images/analytics/dashboard.ts';
import { type GroupingJobs, groupingJobs } from '../src/images/analytics/near-duplicates-jobs.ts';
import { seedDemoImages } from '../src/images/analytics/seed-demo.ts';
import { imageApiService } from '../src/images/api/service.ts';
import { addPrincipal, createKey } from '../src/images/gateway/principals.ts';
import { gatewayService } from '../src/images/gateway/service.ts';
import { imageApiAudience, signPrincipal } from '../src/images/principal.ts';
import { generateMasterKey } from '../src/images/store/master-keys.ts';
import type { Connection, Db } from '../src/platform/db/pool.ts';
import { withCleanup } from './lib/cleanup.ts';
import { connectMigrated, serverVersion, startScratchDatabase } from './lib/database.ts';
import { formatMs, formatRatio } from './lib/format.ts';
import { parseOptions } from './lib/options.ts';
import { figuresOf, runRounds } from './lib/rounds.ts';
import { serveService } from './lib/services.ts';
import { median } from './lib/stats.ts';
import { table } from './lib/table.ts';

type Request = { label: string; path: string; queries: (db: Db) => Promise<unknown> };
type Captured = Array<[string, unknown[] | undefined]>;

const { images, runs } = parseOptions({
  images: { kind: 'count', default: 1_000_000 },
  runs: { kind: 'count', default: 9 },
});
const retention = 7 * 86_400_000;

await withCleanup(async (cleanup) => {
  const scratch = await startScratchDatabase(cleanup);
  const db = await connectMigrated(scratch.url, cleanup);
  console.log(
    `PostgreSQL ${await serverVersion(db)}, ${availableParallelism()} cores, ${runs} timed runs of each after one warm-up\n`,
  );
  const seeded = await seedDemoImages(db, { images, retention }, (done) =>
    process.stderr.write(
      `\r  seeded ${done.toLocaleString('en')} / ${images.toLocaleString('en')}`,
    ),
  );
  process.stderr.write('\n');
  await db.query('vacuum (analyze) images.images, images.daily_facts, images.refusals');
  console.log(
    `Seeded ${images.toLocaleString('en')} images (and rolled them up) in ${(seeded.milliseconds / 1000).toFixed(1)} s`,
  );

  const key = generateMasterKey();
  const secret = 'bench-gateway-secret-shared-with-upstreams';
  const env = {
    DATABASE_URL: scratch.url,
    TESSERA_DATA_DIR: scratch.scratch,
    STORAGE_DIR: path.join(scratch.scratch, 'objects'),
    STORAGE_MASTER_KEYS: `${key.id}:${key.key.toString('base64')}`,
    GATEWAY_SECRET: secret,
    GATEWAY_RATE_LIMIT: '10000000',
  };
  const api = await serveService(imageApiService, env, cleanup);
  const apiUrl = api.url;
  const gatewayUrl = (
    await serveService(gatewayService, { ...env, IMAGE_API_URL: apiUrl }, cleanup)
  ).url;
  const pool = api.deps.db;
  const analyst = await addPrincipal(pool, { name: 'bench-analyst', role: 'analyst' });
  const apiKey = await createKey(pool, 'bench-analyst', 'bench', ['images:read']);

  const grouping = groupingJobs(api.deps.nearDuplicates);
  cleanup.push(() => grouping.close());
  const requests = await dashboardRequests(db, grouping);
  const captured = new Map<Request, Captured>();
  for (const request of requests) captured.set(request, await capture(pool, request));
  type Way = 'gateway' | 'api' | 'sql';
  type Variant = { request: Request; way: Way };
  const ways: Way[] = ['gateway', 'api', 'sql'];
  const variants: Variant[] = requests.flatMap((request) => ways.map((way) => ({ request, way })));
  const get = async (url: string, headers: Record<string, string>) => {
    const response = await fetch(url, { headers });
    const body = await response.text();
    if (response.status !== 200) throw new Error(`${url}: ${response.status} ${body}`);
  };
  const measure = async (v: Variant) => {
    const start = performance.now();
    if (v.way === 'gateway') {
      await get(`${gatewayUrl}${v.request.path}`, { authorization: `Bearer ${apiKey}` });
    } else if (v.way === 'api') {
      const principal = { id: analyst.principal_id, role: 'analyst' as const };
      const url = new URL(`${apiUrl}${v.request.path.replace(/^\/api/, '')}`);
      await get(
        url.href,
        signPrincipal(principal, secret, {
          method: 'GET',
          url: url.pathname + url.search,
          audience: imageApiAudience,
        }),
      );
    } else {
      for (const [text, values] of captured.get(v.request) ?? []) await db.query(text, values);
    }
    return performance.now() - start;
  };
  for (const v of variants) await measure(v); // warm-up
  const timings = await runRounds(variants, runs, 'alternating', measure);

  const medianOf = (request: Request, way: Way) =>
    median(
      figuresOf(timings, variants.find((v) => v.request === request && v.way === way) as Variant),
    );
  const rows = [
    ['request', 'gateway ms', 'image API ms', 'bare SQL ms', 'gateway / SQL', 'queries'],
  ];
  for (const request of requests) {
    const [gateway, api, sql] = ways.map((way) => medianOf(request, way)) as [
      number,
      number,
      number,
    ];
    rows.push([
      request.label,
      formatMs(gateway),
      formatMs(api),
      formatMs(sql),
      formatRatio(gateway, sql, 2),
      String(captured.get(request)?.length ?? 0),
    ]);
  }
  console.log(`\n${table(rows)}`);
  console.log(
    [
      '\nMedians. gateway: the request as a client sends it, with an API key; image API: the same',
      'request straight to the image API with the principal header signed by the client (no key',
      'lookup, no second hop); bare SQL: its statements on one connection. The near-duplicates',
      'request also groups the hashes in a worker thread (the bare SQL only reads them).',
    ].join('\n'),
  );
  await biDailyAggregates(db);
});

/** What a BI tool reads: the daily view over the rollups, against the same sums from the images. */
async function biDailyAggregates(db: Connection): Promise<void> {
  const variants = [
    {
      label: 'analytics.daily_uploads (rollups + today)',
      text: 'select * from analytics.daily_uploads',
    },
    {
      label: 'the same, summed from images.images',
      text: `select (created_at at time zone 'UTC')::date as day, source, format, count(*) as images,
                    sum(bytes) as bytes, round(avg(width::numeric * height / 1e6), 2) as mean_megapixels
             from images.images group by 1, 2, 3`,
    },
  ];
  for (const v of variants) await db.query(v.text);
  const timings = await runRounds(variants, runs, 'alternating', async (v) => {
    const start = performance.now();
    await db.query(v.text);
    return performance.now() - start;
  });
  const base = median(figuresOf(timings, variants[0] as (typeof variants)[0]));
  console.log(
    `\n${table([
      ['BI query, every row', 'median ms', 'vs the view'],
      ...variants.map((v) => {
        const ms = median(figuresOf(timings, v));
        return [v.label, formatMs(ms), formatRatio(ms, base, 1)];
      }),
    ])}`,
  );
}

/** The dashboard as an analyst opens it (the last 30 days), then all time, then filtered. */
async function dashboardRequests(db: Connection, grouping: GroupingJobs): Promise<Request[]> {
  const owner = (
    await db.query<{ owner_id: string }>(
      'select owner_id from images.images group by owner_id order by count(*) desc limit 1',
    )
  ).rows[0]?.owner_id as string;
  const last30: Filters = { from: dayOffset(-29), to: dayOffset(0) };
  const query = (f: Filters) =>
    new URLSearchParams(
      Object.entries(f).filter((entry): entry is [string, string] => entry[1] !== undefined),
    ).toString();
  const summaryOf = (label: string, f: Filters): Request => ({
    label,
    path: `/api/analytics/summary?${query(f)}`,
    queries: (db) => summary(db, f),
  });
  const chartOf = (name: Parameters<typeof chart>[1], label: string, f: Filters): Request => ({
    label,
    path: `/api/analytics/charts/${name}?${query(f)}`,
    queries: (db) => chart(db, name, f),
  });
  const explorerOf = (label: string, f: ExplorerFilters, path: string): Request => ({
    label,
    path: `/api/analytics/images?${path}`,
    queries: (db) => explore(db, f, { limit: 48 }),
  });
  return [
    summaryOf('summary, 30 days', last30),
    ...(
      ['uploads', 'formats', 'sizes', 'dimensions', 'cameras', 'refusals', 'expiring'] as const
    ).map((name) => chartOf(name, `${name}, 30 days`, last30)),
    explorerOf('explorer, 30 days', last30, query(last30)),
    {
      label: 'near-duplicates, 30 days',
      path: `/api/analytics/near-duplicates?${query(last30)}&distance=6`,
      queries: (db) => nearDuplicates({ db, grouping }, last30, 6),
    },
    summaryOf('summary, all time', {}),
    chartOf('uploads', 'uploads, all time', {}),
    chartOf('cameras', 'cameras, all time', {}),
    summaryOf('summary, all time, png', { format: 'png' }),
    summaryOf('summary, all time, one owner', { owner }),
    chartOf('uploads', 'uploads, all time, one owner', { owner }),
    explorerOf(
      'explorer, png ≥ 2000 px wide',
      { format: 'png', minWidth: 2000 },
      'format=png&min_width=2000',
    ),
  ];
}

/** The statements a request's dashboard function sends, with their parameters. */
async function capture(db: Db, request: Request): Promise<Captured> {
  const seen: Captured = [];
  await request.queries({
    query: (text, values) => {
      seen.push([text, values]);
      return db.query(text, values);
    },
  });
  return seen;
}

function dayOffset(days: number): string {
  return new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
}
