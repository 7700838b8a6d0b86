// Photos per second through `tessera images ingest` against sharp alone making the same thumbnail
// and preview from the same files, side by side in one run:
//   A  the CLI, end to end: a new `tessera images ingest <folder> --owner …` process, timed from
//      spawn to exit (start-up included), with every step of the intake: checks, one decode,
//      thumbnail and preview, facts, colour, thumbhash, pHash, SHA-256 and the duplicate lookup,
//      AES-256-GCM envelopes written durably to the fs store, the metadata in PostgreSQL;
//   B  bare sharp in this process: each file read, one pipeline, .rotate(), then thumbnail 256 and
//      preview 1280 as WebP through clone(), as many files in flight as there are cores.
//   node bench/image-ingest.ts [--images 48] [--rounds 2] [--concurrency N (B's; the cores)]
// Besides the time, each way's CPU time per photo (every thread): A's from GNU time
// (/usr/bin/time, Debian's `time`), B's from this process. On a machine busy with other work the
// times swing by half from round to round, and the CPU figures are the ones to compare.
// The photos: phone-sized JPEGs (3000×2000) with sensor-like grain (about 2 MB each) and a camera's
// EXIF, every fourth held upright (orientation 6), drawn from seeds before anything is timed.
// Each round ingests as a new owner, so no photo is a duplicate that skips the work; the CLI
// takes its default concurrency (twice the cores). Always starts its own embedded PostgreSQL and store
// in a temporary directory, removed at the end (also on an error or Ctrl-C).

import { execFile } from 'node:child_process';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { derivativeBoxes } from '../src/images/processing/derive.ts';
import { makeImage } from '../test/helpers/images.ts';
import { connectMigrated, serverVersion, startScratchDatabase } from './lib/database.ts';
import { driveAll } from './lib/drive.ts';
import { formatMs, plural } from './lib/format.ts';
import { interruption, runInterruptibly, stopIfInterrupted } from './lib/interruption.ts';
import { parseOptions } from './lib/options.ts';
import { cameraExif, grainLayer } from './lib/photos.ts';
import { figuresOf, runRounds } from './lib/rounds.ts';
import { medians } from './lib/stats.ts';
import { ratioTable, roundsTable, variantsTable } from './lib/table.ts';

type Key = 'A' | 'B';
type Figures = {
  ms: number;
  perSecond: number;
  /** CPU time (user + system, every thread) per photo: steadier than time on a busy machine. */
  cpu: number;
};
type Measured = { ms: number; cpuMs: number };

const width = 3000;
const height = 2000;
// The `tessera` command itself, as an engineer runs it (with its compile cache).
const cli = path.join(import.meta.dirname, '..', 'bin', 'tessera.js');
const run = promisify(execFile);

const args = parseOptions({
  images: { kind: 'count', default: 48 },
  rounds: { kind: 'count', default: 2 },
  concurrency: { kind: 'count', default: availableParallelism() },
});

await runInterruptibly(async (cleanup) => {
  const { url, scratch } = await startScratchDatabase(cleanup);
  const admin = await connectMigrated(url, cleanup);
  const folder = path.join(scratch, 'photos');
  const drawStart = performance.now();
  const files = await drawPhotos(folder, args.images);
  const bytes = (await Promise.all(files.map((f) => readFile(f)))).reduce(
    (n, b) => n + b.length,
    0,
  );
  console.log(
    `${files.length} JPEG photos ${width}x${height}, ${(bytes / 1e6).toFixed(1)} MB (${(bytes / files.length / 1e6).toFixed(2)} MB each), grain and camera EXIF, every fourth turned by EXIF; drawn in ${((performance.now() - drawStart) / 1000).toFixed(1)} s`,
  );
  console.log(
    `PostgreSQL ${await serverVersion(admin)}, Node ${process.version}, sharp ${sharp.versions.sharp} (libvips ${sharp.versions.vips}), ${availableParallelism()} cores; bare sharp with ${args.concurrency} in flight\n`,
  );

  // The CLI as an engineer runs it, against this server and an fs store in the scratch directory.
  const env = {
    ...process.env,
    DATABASE_URL: url,
    TESSERA_DATA_DIR: scratch,
    LOG_LEVEL: 'silent',
  };
  const tessera = (...argv: string[]) =>
    run(process.execPath, [cli, ...argv], { env, signal: interruption, maxBuffer: 1 << 24 });
  let owners = 0;
  /**
   * One ingest as a new owner (so no photo is a duplicate); its time, and its process's CPU time
   * as GNU time reports it (the CLI's user + system time, every thread).
   */
  const ingest = async (): Promise<Measured> => {
    const owner = `bench-${++owners}`;
    await tessera('principals', 'add', owner, '--role', 'engineer');
    const start = performance.now();
    const { stdout, stderr } = await run(
      '/usr/bin/time',
      ['-f', 'cpu %U %S', process.execPath, cli, 'images', 'ingest', folder, '--owner', owner],
      { env, signal: interruption, maxBuffer: 1 << 24 },
    );
    const ms = performance.now() - start;
    if (!stdout.includes(`${files.length} accepted, 0 refused`))
      throw new Error(`the ingest did not accept every photo:\n${stdout}`);
    const [, user = 'NaN', system = 'NaN'] = /cpu ([\d.]+) ([\d.]+)/.exec(stderr) ?? [];
    return { ms, cpuMs: (Number(user) + Number(system)) * 1000 };
  };
  const variants: { key: Key; label: string; make(): Promise<Measured> }[] = [
    { key: 'A', label: 'tessera images ingest (CLI, end to end)', make: ingest },
    {
      key: 'B',
      label: 'bare sharp: read, rotate, 256 + 1280 WebP',
      make: async () => {
        const cpuStart = process.cpuUsage();
        const { ms } = await driveAll('B', files, args.concurrency, bareSharp);
        const cpu = process.cpuUsage(cpuStart);
        return { ms, cpuMs: (cpu.user + cpu.system) / 1000 };
      },
    },
  ];
  // The first ingest warms the database, the store's key and the page cache; not timed.
  await ingest();
  const runs = await runRounds(variants, args.rounds, 'alternating', async (variant) => {
    stopIfInterrupted();
    const { ms, cpuMs } = await variant.make();
    return {
      ms,
      perSecond: (files.length / ms) * 1000,
      cpu: cpuMs / files.length,
    } satisfies Figures;
  });
  const medianFigures = new Map(variants.map((v) => [v.key, medians(figuresOf(runs, v))]));
  const get = (key: Key) => medianFigures.get(key) as Figures;
  console.log(
    variantsTable(variants, get, ['s', 'photos/s', 'per photo', 'CPU ms/photo'], (f) => [
      (f.ms / 1000).toFixed(1),
      f.perSecond.toFixed(2),
      formatMs(f.ms / files.length),
      formatMs(f.cpu),
    ]),
  );
  console.log(`(median over ${plural(args.rounds, 'round')}; A's time includes its start-up)\n`);
  console.log(
    ratioTable(
      get,
      [['A', 'B']],
      [
        { heading: 'photos/s', figure: (f) => f.perSecond },
        { heading: 'time', figure: (f) => f.ms },
        { heading: 'CPU', figure: (f) => f.cpu },
      ],
    ),
  );
  console.log(
    "photos/s below 1.0x, and time or CPU above 1.0x, mean the intake is slower (CPU: on a machine busy with other work, the steadier figure; B's is this process's, A's the CLI's from GNU time)\n",
  );
  console.log(
    `each round:\n${roundsTable(runs, ['s', 'photos/s', 'CPU ms/photo'], (f) => [(f.ms / 1000).toFixed(1), f.perSecond.toFixed(2), formatMs(f.cpu)])}\n`,
  );
  console.log(await verify(admin, owners, files.length));
});

/** The photos, written once to the folder the CLI reads. */
async function drawPhotos(folder: string, count: number): Promise<string[]> {
  await mkdir(folder, { recursive: true });
  const layer = grainLayer(width, height);
  for (let index = 0; index < count; index++) {
    stopIfInterrupted();
    // A scene drawn at a quarter of the size and enlarged (drawing 6 MP in JS takes seconds),
    // with its EXIF; then grain: overlay with mid-grey changes nothing, so the grain moves each
    // pixel up or down a little. The EXIF (orientation included) is kept, the pixels as stored.
    const scene = await makeImage('jpeg', {
      width: width / 4,
      height: height / 4,
      scene: 3000 + index,
      quality: 95,
      exif: cameraExif(index),
    });
    const photo = await sharp(scene)
      .resize(width, height)
      .composite([{ input: layer, raw: { width, height, channels: 3 }, blend: 'overlay' }])
      .keepMetadata()
      .jpeg({ quality: 90 })
      .toBuffer();
    await writeFile(path.join(folder, `photo-${String(index).padStart(3, '0')}.jpg`), photo);
  }
  return (await readdir(folder)).sort().map((name) => path.join(folder, name));
}

/** Raw sharp, the way one would write it without the checks: one pipeline, two clones. */
async function bareSharp(file: string): Promise<void> {
  const oriented = sharp(await readFile(file)).rotate();
  const made = (box: number) =>
    oriented
      .clone()
      .resize(box, box, { fit: 'inside', withoutEnlargement: true })
      .webp({ quality: 80, effort: 4 })
      .toBuffer();
  await Promise.all([made(derivativeBoxes.thumbnail), made(derivativeBoxes.preview)]);
}

/** Every ingest stored every photo with its three objects, and nothing was refused. */
async function verify(
  db: Awaited<ReturnType<typeof connectMigrated>>,
  owners: number,
  photos: number,
): Promise<string> {
  const counts = (
    await db.query<{ images: number; objects: number; refusals: number }>(
      `select (select count(*) from images.images)::integer as images,
              (select count(*) from images.objects)::integer as objects,
              (select count(*) from images.refusals)::integer as refusals`,
    )
  ).rows[0];
  const expected = owners * photos;
  if (counts?.images !== expected || counts.objects !== expected * 3 || counts.refusals !== 0)
    throw new Error(`verification failed: ${JSON.stringify(counts)}, ${expected} images expected`);
  return `verified: ${counts.images} images (${owners} ingests of ${photos}, the warm-up included), ${counts.objects} encrypted objects recorded, no refusals`;
}
