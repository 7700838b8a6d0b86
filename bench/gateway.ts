// Requests per second through the gateway against straight to the image API, on the image API's
// cheapest endpoint, side by side in one run:
//   A  through the gateway: GET /api/images with Authorization: Bearer <API key> (the key verified
//      in PostgreSQL once, then from the gateway's key cache while it listens for revocations, as
//      `npm start` runs it; the principal's networks and scope checked, the rate-limit bookkeeping,
//      metrics, the principal signed into a header, the request proxied to the image API and the
//      answer streamed back), for a principal with no images;
//   B  straight to the image API: GET /images with the principal header signed by the client for
//      every request (as the gateway does), for the same principal: the same one small indexed
//      query, without the gateway;
//   C  the gateway's own GET /healthz: no credentials, no database, no upstream: the gateway's bare
//      HTTP cost (Fastify, helmet, CORS, the rate limit's bookkeeping, metrics).
//   node bench/gateway.ts [--concurrency 16] [--seconds 5] [--warmup 1] [--first-warmup 3] [--rounds 4] [--one-thread]
// Always starts its own embedded PostgreSQL and fs store in a temporary directory, removed at the
// end (also on an error or Ctrl-C). The image API and the gateway listen on free loopback ports,
// each in a worker thread of its own (as two processes would be deployed; --one-thread puts both
// in one), so the client that drives them has its own event loop. The client is Node's fetch
// (undici, keep-alive: one connection per request in flight). Each timed run lasts --seconds
// after --warmup seconds of the same requests; the rounds alternate the order (A B C, C B A).
// Before the first round every variant runs --first-warmup seconds untimed, so that no variant
// is timed while the JIT is still compiling code the others then find ready (A's first run also
// warms the image API that B measures).
import { availableParallelism, cpus } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { isMainThread, workerData } from 'node:worker_threads';
import { imageApiService } from '../src/images/api/service.ts';
import { addPrincipal, createKey } from '../src/images/gateway/principals.ts';
import { gatewayService } from '../src/images/gateway/service.ts';
import { imageApiAudience, type Principal, signPrincipal } from '../src/images/principal.ts';
import { generateMasterKey } from '../src/images/store/master-keys.ts';
import type { Service } from '../src/platform/service.ts';
import { connectMigrated, serverVersion, startScratchDatabase } from './lib/database.ts';
import { formatMs, formatPercent, formatRatio, plural } from './lib/format.ts';
import { interruption, runInterruptibly, stopIfInterrupted } from './lib/interruption.ts';
import { parseOptions } from './lib/options.ts';
import { figuresOf, runRounds } from './lib/rounds.ts';
import { type ServerThread, serveInThread, startServerThread } from './lib/server-thread.ts';
import { serveService } from './lib/services.ts';
import { type LatencyFigures, latencyFigures, medians } from './lib/stats.ts';
import { latencyRatios, ratioTable, roundsTable, variantsTable } from './lib/table.ts';

type Key = 'A' | 'B' | 'C';
/** One request; resolves with null when it was answered 200 as expected, or what went wrong. */
type Variant = { key: Key; label: string; request(): Promise<string | null> };
type Figures = LatencyFigures & {
  perSecond: number;
  /** Requests answered other than 200 with the expected body, or not at all. */
  errors: number;
  /** Event-loop utilisation of the client thread and of each server thread. */
  busy: Record<string, number>;
  /** CPU time of this process (the client and the server threads; not PostgreSQL) per request. */
  cpu: number;
  /** Share of all the machine's cores busy (PostgreSQL included). */
  machine: number;
};
type Role = 'api' | 'gateway' | 'both';
type ServiceThreadData = {
  role: Role;
  /** The variables each service is configured with, as `tessera serve <name>` would be. */
  env: Record<string, string>;
  /** The image API's URL, for a gateway in a thread of its own. */
  upstreamUrl?: string;
};
type Urls = { api?: string; gateway?: string };

const rateLimit = 10_000_000;
const emptyList = '{"data":[],"total":0}';

if (isMainThread) await main();
else await serviceThread(workerData as ServiceThreadData);

// ---------------------------------------------------------------------------------------------
// A server thread: the image API, the gateway or both, on real ports, until told to close. Each is
// composed as `tessera serve` composes it: its deps from configuration, then build.

async function serviceThread(data: ServiceThreadData): Promise<void> {
  // Closed last first: the gateway (started last), its deps, then the image API and its deps.
  await serveInThread(async (cleanup) => {
    const serve = async <Deps>(service: Service<Deps>, env: Record<string, string>) =>
      (await serveService(service, env, cleanup)).url;
    const urls: Urls = {};
    let upstream = data.upstreamUrl;
    if (data.role !== 'gateway') {
      urls.api = await serve(imageApiService, data.env);
      upstream = urls.api;
    }
    if (data.role !== 'api') {
      if (!upstream) throw new Error('the gateway needs the image API');
      urls.gateway = await serve(gatewayService, { ...data.env, IMAGE_API_URL: upstream });
    }
    return urls;
  });
}

// ---------------------------------------------------------------------------------------------
// The main thread: database, store, principal and key, the servers, the timed rounds, the checks.

async function main(): Promise<void> {
  const args = parseOptions({
    concurrency: { kind: 'count', default: 16 },
    seconds: { kind: 'seconds', default: 5 },
    warmup: { kind: 'seconds or 0', default: 1 },
    'first-warmup': { kind: 'seconds or 0', default: 3 },
    rounds: { kind: 'count', default: 4 },
    'one-thread': { kind: 'flag' },
  });
  const { concurrency, seconds, warmup, rounds } = args;

  // Undone last first, also on error and on Ctrl-C: the server threads, the connection, the
  // database server, the directory. Ctrl-C stops the run where it is: no new request starts, those
  // in flight are cut off, and the main flow unwinds through the same cleanup as on an error. A
  // second Ctrl-C leaves at once.
  await runInterruptibly(async (cleanup) => {
    const { url, scratch } = await startScratchDatabase(cleanup);
    stopIfInterrupted();
    const admin = await connectMigrated(url, cleanup);
    stopIfInterrupted();

    // A reader with no images, and its key.
    const reader = await addPrincipal(admin, { name: 'bench-reader', role: 'user' });
    const apiKey = await createKey(admin, reader.name, 'bench', ['images:read']);
    const principal: Principal = { id: reader.principal_id, role: reader.role };

    const masterKey = generateMasterKey();
    const secret = `bench-${masterKey.key.toString('base64url')}`;
    // One pool per service, as each process has its own (10 by default; more if needed).
    const poolSize = String(Math.max(10, concurrency));
    const env = {
      DATABASE_URL: url,
      TESSERA_DATA_DIR: scratch,
      STORAGE_DIR: path.join(scratch, 'objects'),
      STORAGE_MASTER_KEYS: `${masterKey.id}:${masterKey.key.toString('base64')}`,
      GATEWAY_SECRET: secret,
      GATEWAY_RATE_LIMIT: String(rateLimit),
      IMAGE_API_POOL_SIZE: poolSize,
      GATEWAY_POOL_SIZE: poolSize,
    };
    const common = { env };
    const start = (name: string, data: ServiceThreadData) =>
      startServerThread<Urls>(cleanup, new URL(import.meta.url), name, data);
    const threads: ServerThread<Urls>[] = [];
    if (args['one-thread']) {
      threads.push(await start('servers', { ...common, role: 'both' }));
    } else {
      const api = await start('API', { ...common, role: 'api' });
      threads.push(api);
      threads.push(
        await start('gateway', { ...common, role: 'gateway', upstreamUrl: api.listening.api }),
      );
    }
    const apiUrl = threads.find((t) => t.listening.api)?.listening.api as string;
    const gatewayUrl = threads.find((t) => t.listening.gateway)?.listening.gateway as string;

    const bearer = { authorization: `Bearer ${apiKey}` };
    const variants: Variant[] = [
      {
        key: 'A',
        label: 'gateway: GET /api/images, API key',
        request: () => call(`${gatewayUrl}/api/images`, bearer, emptyList),
      },
      {
        key: 'B',
        label: 'direct: GET /images, signed header',
        request: () =>
          call(
            `${apiUrl}/images`,
            signPrincipal(principal, secret, {
              method: 'GET',
              url: '/images',
              audience: imageApiAudience,
            }),
            emptyList,
          ),
      },
      {
        key: 'C',
        label: 'gateway: GET /healthz, bare',
        request: () => call(`${gatewayUrl}/healthz`, {}, '{"ok":true}'),
      },
    ];
    // Every request is checked once before anything is timed.
    for (const variant of variants) {
      const problem = await variant.request();
      if (problem) throw new Error(`${variant.key} (${variant.label}) does not work: ${problem}`);
    }

    console.log(
      `PostgreSQL ${await serverVersion(admin)}, Node ${process.version}, ${availableParallelism()} cores shared by PostgreSQL, the client thread and ${args['one-thread'] ? "one thread for both servers (the image API's and the gateway's)" : 'a thread for the image API and one for the gateway'}; logs off (level silent)`,
    );
    console.log(
      `${concurrency} requests in flight (Node's fetch, keep-alive), ${seconds} s timed after ${warmup} s warm-up per run (and ${args['first-warmup']} s of each before the first), ${plural(rounds, 'round')}, order alternating (A B C, then C B A); B signs the principal header for every request, in the client\n`,
    );

    const served = new Map<Key, number>(variants.map((v) => [v.key, 0]));
    const errorKinds = new Map<string, number>();
    for (const variant of variants) {
      stopIfInterrupted();
      const warm = await drive(variant, args['first-warmup'], concurrency);
      served.set(variant.key, (served.get(variant.key) ?? 0) + warm.latencies.length);
      for (const [kind, n] of warm.errors) {
        const key = `${variant.key}: ${kind}`;
        errorKinds.set(key, (errorKinds.get(key) ?? 0) + n);
      }
    }
    const runs = await runRounds(
      variants,
      rounds,
      'alternating',
      async (variant): Promise<Figures> => {
        stopIfInterrupted();
        const warm = await drive(variant, warmup, concurrency);
        const clientStart = performance.eventLoopUtilization();
        const threadStarts = threads.map((t) => t.utilization());
        const cpuStart = process.cpuUsage();
        const machineStart = cpuTimes();
        const run = await drive(variant, seconds, concurrency);
        const cpu = process.cpuUsage(cpuStart);
        const machine = cpuTimes();
        const busy: Record<string, number> = {
          client: performance.eventLoopUtilization(clientStart).utilization,
        };
        threads.forEach((t, i) => {
          busy[t.name] = t.utilization(threadStarts[i]).utilization;
        });
        for (const outcome of [warm, run]) {
          served.set(variant.key, (served.get(variant.key) ?? 0) + outcome.latencies.length);
          for (const [kind, n] of outcome.errors)
            errorKinds.set(
              `${variant.key}: ${kind}`,
              (errorKinds.get(`${variant.key}: ${kind}`) ?? 0) + n,
            );
        }
        return {
          perSecond: (run.latencies.length / run.ms) * 1000,
          ...latencyFigures(run.latencies),
          errors: run.errorCount,
          busy,
          cpu: (cpu.user + cpu.system) / Math.max(1, run.latencies.length),
          machine: 1 - (machine.idle - machineStart.idle) / (machine.total - machineStart.total),
        };
      },
    );

    const medianFigures = new Map(variants.map((v) => [v.key, medianOver(figuresOf(runs, v))]));
    const medianOf = (key: Key) => medianFigures.get(key) as Figures;
    const busyNames = ['client', ...threads.map((t) => t.name)];
    console.log(
      variantsTable(
        variants,
        medianOf,
        [
          'req/s',
          'mean ms',
          'p50 ms',
          'p95 ms',
          'p99 ms',
          'errors',
          ...busyNames.map((n) => `${n} busy`),
          'CPU µs/req',
          'machine busy',
        ],
        (f) => [
          f.perSecond.toFixed(0),
          formatMs(f.mean),
          formatMs(f.p50),
          formatMs(f.p95),
          formatMs(f.p99),
          String(f.errors),
          ...busyNames.map((n) => formatPercent(f.busy[n] ?? 0)),
          f.cpu.toFixed(0),
          formatPercent(f.machine),
        ],
      ),
    );
    console.log(
      `(median over ${plural(rounds, 'round')} of each figure, errors summed; busy = event-loop utilisation of that thread; CPU = this process's user + system time, all its threads, client included, per request, PostgreSQL's not in it; machine busy = all cores, PostgreSQL included)\n`,
    );
    console.log(
      ratioTable(
        medianOf,
        [
          ['A', 'B'],
          ['A', 'C'],
        ],
        [
          { heading: 'req/s', figure: (f) => f.perSecond },
          ...latencyRatios,
          { heading: 'CPU/req', figure: (f) => f.cpu },
        ],
      ),
    );
    console.log(
      'every ratio is the first over the second: req/s below 1.0x, and latency or CPU above 1.0x, mean the first is slower\n',
    );
    const perRound = roundsTable(runs, ['req/s', 'mean ms', 'p99 ms', 'errors'], (f) => [
      f.perSecond.toFixed(0),
      formatMs(f.mean),
      formatMs(f.p99),
      String(f.errors),
    ]);
    console.log(`each round:\n${perRound}\n`);

    const a = medianOf('A');
    const b = medianOf('B');
    console.log(
      `Through the gateway, GET /api/images answers ${a.perSecond.toFixed(0)} requests/s against ${b.perSecond.toFixed(0)} straight to the image API: ${formatRatio(a.perSecond, b.perSecond)} the throughput (${((1 - a.perSecond / b.perSecond) * 100).toFixed(0)}% fewer), with ${formatMs(a.mean - b.mean)} ms more per request on average at ${concurrency} in flight (mean ${formatMs(a.mean)} vs ${formatMs(b.mean)} ms, p99 ${formatMs(a.p99)} vs ${formatMs(b.p99)} ms).\n`,
    );

    const errors = [...errorKinds.values()].reduce((sum, n) => sum + n, 0);
    if (errors > 0) {
      process.exitCode = 1;
      console.log(
        `ERRORS: ${errors} requests (warm-ups included) were not answered 200 as expected:\n  ${[...errorKinds].map(([kind, n]) => `${n} × ${kind}`).join('\n  ')}\n`,
      );
    }
    console.log(await verify(gatewayUrl, served));
  });
}

// ---------------------------------------------------------------------------------------------
// One request, and driving a variant: `concurrency` loops send the next request until time is up.

async function call(
  url: string,
  headers: Record<string, string>,
  expected: string,
): Promise<string | null> {
  try {
    const response = await fetch(url, { headers, signal: interruption });
    const text = await response.text();
    if (response.status === 200 && text === expected) return null;
    // Grouped by status and error code; request ids and times in the message are blanked.
    const shown = text
      .slice(0, 200)
      .replace(/"requestId":"[^"]*"/g, '"requestId":…')
      .replace(/\d+/g, 'N');
    return `${response.status}${response.status === 200 ? ' with an unexpected body' : ''}: ${shown}`;
  } catch (error) {
    if (interruption.aborted) throw error;
    return `no answer: ${(error as Error).cause ?? (error as Error).message}`;
  }
}

async function drive(
  variant: Variant,
  seconds: number,
  concurrency: number,
): Promise<{ latencies: number[]; errors: Map<string, number>; errorCount: number; ms: number }> {
  const latencies: number[] = [];
  const errors = new Map<string, number>();
  let errorCount = 0;
  const start = performance.now();
  const end = start + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        stopIfInterrupted();
        const began = performance.now();
        const problem = await variant.request();
        const took = performance.now() - began;
        if (problem === null) latencies.push(took);
        else {
          errorCount++;
          errors.set(problem, (errors.get(problem) ?? 0) + 1);
        }
      }
    }),
  );
  // Until the last request started in time is answered.
  return { latencies, errors, errorCount, ms: performance.now() - start };
}

// ---------------------------------------------------------------------------------------------
// The check afterwards: the gateway's own metrics count what the client saw.

async function verify(gatewayUrl: string, served: Map<Key, number>): Promise<string> {
  const response = await fetch(`${gatewayUrl}/metrics`);
  const text = await response.text();
  if (response.status !== 200)
    throw new Error(`the gateway's /metrics answered ${response.status}: ${text.slice(0, 200)}`);
  const sample = (name: string, labels: Record<string, string>) => {
    let sum = 0;
    for (const line of text.split('\n')) {
      if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
      if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`)))
        sum += Number(line.slice(line.lastIndexOf(' ') + 1));
    }
    return sum;
  };
  const problems: string[] = [];
  const proxied = sample('gateway_requests_total', {
    route: '/api/images',
    method: 'GET',
    status: '200',
  });
  const health = sample('gateway_requests_total', {
    route: '/healthz',
    method: 'GET',
    status: '200',
  });
  const upstreamErrors = sample('gateway_upstream_errors_total', {});
  const refused = sample('gateway_rate_limited_total', {});
  // The first check of each way (one request) is not in `served`: at least, not exactly.
  const a = served.get('A') ?? 0;
  const c = served.get('C') ?? 0;
  if (proxied < a)
    problems.push(`the gateway counted ${proxied} GET /api/images 200, the client saw ${a}`);
  if (health < c)
    problems.push(`the gateway counted ${health} GET /healthz 200, the client saw ${c}`);
  if (upstreamErrors !== 0) problems.push(`${upstreamErrors} upstream errors counted`);
  if (refused !== 0) problems.push(`${refused} requests refused by the rate limit`);
  if (problems.length) throw new Error(`verification failed:\n  ${problems.join('\n  ')}`);
  const keys = (result: string) => sample('gateway_key_lookups_total', { result });
  const cacheLine = `API keys verified from the gateway's key cache ${keys('hit')} times, in PostgreSQL ${keys('miss')} (then cached) + ${keys('bypass')} (cache not yet listening for revocations)`;
  return `${cacheLine}\nverified from the gateway's /metrics: gateway_requests_total{route="/api/images",method="GET",status="200"} = ${proxied} ≥ ${a} the client saw answered 200 (warm-ups included; the difference is the one check before timing), {route="/healthz"} = ${health} ≥ ${c}; no upstream errors, no rate-limit refusals`;
}

// ---------------------------------------------------------------------------------------------
// Figures.

function cpuTimes(): { idle: number; total: number } {
  let idle = 0;
  let total = 0;
  for (const cpu of cpus()) {
    idle += cpu.times.idle;
    total += cpu.times.user + cpu.times.nice + cpu.times.sys + cpu.times.idle + cpu.times.irq;
  }
  return { idle, total };
}

/** The median of each figure over the runs, and the errors of all. */
function medianOver(runs: Figures[]): Figures {
  return {
    ...medians(runs.map(({ errors, busy, ...figures }) => figures)),
    errors: runs.reduce((sum, f) => sum + f.errors, 0),
    busy: medians(runs.map((f) => f.busy)),
  };
}
