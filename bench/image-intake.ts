// Images per second through the whole intake against sharp alone making the same derivatives from
// the same files, side by side in one run:
//   A  the intake: POST /images over real HTTP to the image API (signed principal, the body in
//      memory, checks, one decode, thumbnail and preview, facts, SHA-256 and the duplicate lookup,
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

import { availableParallelism } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { isMainThread, workerData } from 'node:worker_threads';
import sharp from 'sharp';
import { imageApiService } from '../src/images/api/service.ts';
import { objectKey } from '../src/images/intake.ts';
import type { Principal } from '../src/images/principal.ts';
import { derivativeBoxes, processImage } from '../src/images/processing/derive.ts';
import type { ImageFormat } from '../src/images/processing/sniff.ts';
import { createFsStore } from '../src/images/store/fs-store.ts';
import { createKeyring, generateMasterKey } from '../src/images/store/master-keys.ts';
import { loadConfig } from '../src/platform/config.ts';
import type { Connection } from '../src/platform/db/pool.ts';
import { makeImage } from '../test/helpers/images.ts';
import { connectMigrated, serverVersion, startScratchDatabase } from './lib/database.ts';
import { driveAll } from './lib/drive.ts';
import { formatMs, plural } from './lib/format.ts';
import { runInterruptibly, stopIfInterrupted } from './lib/interruption.ts';
import { fairMix } from './lib/mix.ts';
import { parseOptions } from './lib/options.ts';
import { cameraExif, grainLayer } from './lib/photos.ts';
import { figuresOf, runRounds } from './lib/rounds.ts';
import { serveInThread, startServerThread } from './lib/server-thread.ts';
import { serveService } from './lib/services.ts';
import { latencyFigures, medians } from './lib/stats.ts';
import { ratioTable, roundsTable, variantsTable } from './lib/table.ts';
import { uploadPhoto } from './lib/upload.ts';

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
/** The image API's variables, as `tessera serve image-api` would be given them. */
type ApiThreadData = { env: Record<string, string> };
type Uploaded = { imageId: string; image: CorpusImage };

/** The mix, in shares of 20: mostly camera-sized JPEGs, some large ones, PNGs and WebPs. */
const kinds = [
  { kind: 'JPEG 2048x1536', format: 'jpeg', width: 2048, height: 1536, share: 12 },
  { kind: 'JPEG 4000x3000', format: 'jpeg', width: 4000, height: 3000, share: 3 },
  { kind: 'PNG 1600x1200', format: 'png', width: 1600, height: 1200, share: 3 },
  { kind: 'WebP 2048x1536', format: 'webp', width: 2048, height: 1536, share: 2 },
] as const;
// The image API's own limits, as a service started without settings has them.
const limits = loadConfig({}).images.limits;

if (isMainThread) await main();
else await apiThread(workerData as ApiThreadData);

// ---------------------------------------------------------------------------------------------
// The API's thread: the real image API on a real port, until the main thread says close.

async function apiThread(data: ApiThreadData): Promise<void> {
  await serveInThread(async (cleanup) => {
    return (await serveService(imageApiService, data.env, cleanup)).url;
  });
}

// ---------------------------------------------------------------------------------------------
// The main thread: corpus, database, store, the three ways, the timed rounds, the checks.

async function main(): Promise<void> {
  const args = parseOptions({
    images: { kind: 'count', default: 60 },
    concurrency: { kind: 'count', default: 2 },
    rounds: { kind: 'count', default: 2 },
    warmup: { kind: 'count or 0', default: 3 },
    grain: { kind: 'flag' },
  });
  const { images: count, concurrency, rounds, warmup } = args;

  // Undone last first, also on error and on Ctrl-C: the API's thread, connections, the server,
  // the directories. Ctrl-C stops the run where it is: no new work starts, uploads in flight are
  // cut off, and the main flow unwinds through the same cleanup as on an error (so nothing it
  // starts meanwhile is missed). A second Ctrl-C leaves at once.
  await runInterruptibly(async (cleanup) => {
    // The files, before anything else: drawing them is slow and must not be timed.
    const drawStart = performance.now();
    const corpus = await makeCorpus(count, args.grain);
    console.log(
      `corpus: ${describeCorpus(corpus)}; ${args.grain ? 'with grain' : 'smooth scenes (--grain for camera-sized files)'}; drawn in ${((performance.now() - drawStart) / 1000).toFixed(1)} s`,
    );

    // The server, its schema, the store and its key.
    const { url, scratch } = await startScratchDatabase(cleanup);
    stopIfInterrupted();
    const admin = await connectMigrated(url, cleanup);
    stopIfInterrupted();
    const storeRoot = path.join(scratch, 'objects');
    const masterKey = generateMasterKey();
    const store = createFsStore({
      root: storeRoot,
      keyring: createKeyring(masterKey.id, [[masterKey.id, masterKey.key]]),
    });
    const gatewaySecret = `bench-${masterKey.key.toString('base64url')}`;

    // The API in its own thread, with the pool size `npm start` gives it (more if needed).
    const api = await startServerThread<string>(cleanup, new URL(import.meta.url), 'API', {
      env: {
        DATABASE_URL: url,
        TESSERA_DATA_DIR: scratch,
        STORAGE_DIR: storeRoot,
        STORAGE_MASTER_KEYS: `${masterKey.id}:${masterKey.key.toString('base64')}`,
        GATEWAY_SECRET: gatewaySecret,
        IMAGE_API_POOL_SIZE: String(Math.max(10, concurrency)),
      },
    } satisfies ApiThreadData);

    const uploaded: Uploaded[] = [];
    const variants: Variant[] = [
      {
        key: 'A',
        label: 'intake: POST /images over HTTP',
        make: async (image) => {
          const entry: Uploaded = { imageId: '', image };
          uploaded.push(entry);
          const principal: Principal = { id: `bench-${uploaded.length}`, role: 'user' };
          entry.imageId = await upload(api.listening, gatewaySecret, principal, image);
        },
      },
      {
        key: 'B',
        label: 'processImage alone',
        make: async (image) => {
          const { derivatives } = await processImage(image.bytes, limits);
          if (derivatives.length !== 2) throw new Error('processImage made no derivatives');
        },
      },
      { key: 'C', label: 'bare sharp: rotate, 256 + 1280 WebP', make: bareSharp },
    ];

    console.log(
      `PostgreSQL ${await serverVersion(admin)}, Node ${process.version}, sharp ${sharp.versions.sharp} (libvips ${sharp.versions.vips}), ${availableParallelism()} cores (shared by PostgreSQL, the client, the API's thread and libvips; sharp concurrency ${sharp.concurrency()})`,
    );
    console.log(
      `${count} images per timed run, ${concurrency} in flight, ${plural(warmup, 'warm-up image')} before every timed run, ${plural(rounds, 'round')}, order alternating (A B C, then C B A)\n`,
    );

    const warmImages = Array.from(
      { length: warmup },
      (_, i) => corpus[(i * 7) % corpus.length] as CorpusImage,
    );
    const runs = await runRounds(variants, rounds, 'alternating', async (variant) => {
      stopIfInterrupted();
      await drive(variant, warmImages, concurrency);
      const cpuStart = process.cpuUsage();
      const { latencies, ms } = await drive(variant, corpus, concurrency);
      const cpu = process.cpuUsage(cpuStart);
      return summarise(corpus, latencies, ms, (cpu.user + cpu.system) / 1000);
    });

    const medianFigures = new Map(variants.map((v) => [v.key, medians(figuresOf(runs, v))]));
    const get = (key: Key) => medianFigures.get(key) as Figures;
    console.log(
      variantsTable(
        variants,
        get,
        ['images/s', 'MB/s', 'mean ms', 'p95 ms', 'CPU ms/image'],
        (f) => [
          f.perSecond.toFixed(2),
          f.mbPerSecond.toFixed(2),
          formatMs(f.mean),
          formatMs(f.p95),
          formatMs(f.cpu),
        ],
      ),
    );
    console.log(
      `(median over ${plural(rounds, 'round')} of each figure; MB = 10^6 bytes of uploaded files; CPU = this process's user + system time, all its threads, per image: PostgreSQL's is not in it)\n`,
    );
    console.log(
      ratioTable(
        get,
        [
          ['A', 'B'],
          ['A', 'C'],
          ['B', 'C'],
        ],
        [
          { heading: 'images/s', figure: (f) => f.perSecond },
          { heading: 'time per image', figure: (f) => f.perSecond, inverse: true },
          { heading: 'mean', figure: (f) => f.mean },
          { heading: 'p95', figure: (f) => f.p95 },
          { heading: 'CPU', figure: (f) => f.cpu },
        ],
      ),
    );
    console.log(
      'every ratio is the first over the second: images/s below 1.0x, and the others above 1.0x, mean the first is slower\n',
    );
    const perRound = roundsTable(runs, ['images/s', 'MB/s', 'mean ms', 'p95 ms'], (f) => [
      f.perSecond.toFixed(2),
      f.mbPerSecond.toFixed(2),
      formatMs(f.mean),
      formatMs(f.p95),
    ]);
    console.log(`each round:\n${perRound}\n`);

    console.log(await verify(admin, store, uploaded));
  });
}

// ---------------------------------------------------------------------------------------------
// The corpus: seeded scenes at camera sizes, JPEGs with the EXIF a camera writes.

async function makeCorpus(count: number, grain: boolean): Promise<CorpusImage[]> {
  const grains = new Map<string, Buffer>();
  const corpus: CorpusImage[] = [];
  for (const [index, kind] of fairMix(kinds, count).entries()) {
    stopIfInterrupted();
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
  const stored = await uploadPhoto(url, secret, principal, image);
  if (stored.derivatives.length !== 3)
    throw new Error(`image ${stored.image_id} came back without its derivatives`);
  return stored.image_id;
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
// Driving a variant: every image taken in, `concurrency` in flight, none started after Ctrl-C.

function drive(
  variant: Variant,
  images: CorpusImage[],
  concurrency: number,
): Promise<{ latencies: number[]; ms: number }> {
  return driveAll(variant.key, images, concurrency, (image) => {
    stopIfInterrupted();
    return variant.make(image);
  });
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
// Figures.

function summarise(images: CorpusImage[], latencies: number[], ms: number, cpu: number): Figures {
  const { mean, p95 } = latencyFigures(latencies);
  const bytes = images.reduce((sum, image) => sum + image.bytes.length, 0);
  return {
    perSecond: (images.length / ms) * 1000,
    mbPerSecond: bytes / 1e6 / (ms / 1000),
    mean,
    p95,
    cpu: cpu / images.length,
  };
}
