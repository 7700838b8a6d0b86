// Images per second through the Kafka stream against the HTTP intake on the same files, side by
// side in one run, and the time to drain a backlog:
//   A  the stream: each file sent to the topic (sendImage, as `tessera stream send` does: inline,
//      keyed by SHA-256, owner and filename headers), taken by the real consumer (startConsumer:
//      handleRecord, the same intake as uploads, the offset committed after the metadata) in its
//      own thread; timed from the first send until the last image is in the database;
//   B  the intake over HTTP: POST /images to the image API in its own thread (signed principal,
//      the body in memory, the same intake), the same files, as many in flight as the consumer takes
//      partitions at once;
//   C  a backlog: --backlog small distinct images put on the topic while no consumer runs, then
//      a consumer started; timed from its start (joining the group included) until the last is
//      stored.
//   node bench/stream.ts [--images 60] [--concurrency 2] [--rounds 2] [--warmup 3] [--backlog 1000]
// Always starts its own embedded PostgreSQL, fs store (AES-256-GCM, durable writes) and Kafka
// (librdkafka's mock cluster from Debian's python3-confluent-kafka: a real Kafka-protocol broker in
// memory, 4 partitions a topic) in a temporary directory, removed at the end, also on an error or
// Ctrl-C. Each round uses owners of its own, so no image is a duplicate that skips the work; A and
// B take the same files in the same order; rounds alternate the order (A B, then B A).

import { createHash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { isMainThread, workerData } from 'node:worker_threads';
import { imageApiService } from '../src/images/api/service.ts';
import { addPrincipal } from '../src/images/gateway/principals.ts';
import { objectKey } from '../src/images/intake.ts';
import type { ImageFormat } from '../src/images/processing/sniff.ts';
import { createFsStore } from '../src/images/store/fs-store.ts';
import { createKeyring, generateMasterKey } from '../src/images/store/master-keys.ts';
import { dlqTopic } from '../src/images/stream/dlq.ts';
import { connectKafka, type KafkaClient } from '../src/images/stream/kafka.ts';
import { type SendDeps, sendImage } from '../src/images/stream/send.ts';
import { streamIngestService } from '../src/images/stream/service.ts';
import { loadConfig } from '../src/platform/config.ts';
import type { Connection } from '../src/platform/db/pool.ts';
import { createLogger } from '../src/platform/log.ts';
import { makeImage } from '../test/helpers/images.ts';
import { kafkaAvailable, startMockKafka } from '../test/helpers/kafka.ts';
import { createCleanup } from './lib/cleanup.ts';
import { connectMigrated, serverVersion, startScratchDatabase } from './lib/database.ts';
import { driveAll } from './lib/drive.ts';
import { formatMs, formatRatio, plural } from './lib/format.ts';
import { runInterruptibly, stopIfInterrupted } from './lib/interruption.ts';
import { fairMix } from './lib/mix.ts';
import { parseOptions } from './lib/options.ts';
import { figuresOf, runRounds } from './lib/rounds.ts';
import { serveInThread, startServerThread } from './lib/server-thread.ts';
import { serveService } from './lib/services.ts';
import { medians } from './lib/stats.ts';
import { ratioTable, roundsTable, table, variantsTable } from './lib/table.ts';
import { uploadPhoto } from './lib/upload.ts';

type Key = 'A' | 'B';
type CorpusImage = { index: number; kind: string; format: ImageFormat; bytes: Buffer };
type Variant = {
  key: Key;
  label: string;
  take(images: CorpusImage[], owner: Owner): Promise<void>;
};
/** A stream owner is a principal (the consumer looks it up); an HTTP owner is a signed id. */
type Owner = { name: string; id: string };
type Figures = { perSecond: number; mbPerSecond: number; cpu: number };
/** The role, and the variables its service is configured with, as `tessera serve` would be. */
type ThreadData = { role: 'api' | 'consumer'; env: Record<string, string> };
type Listening = { url?: string; joinMs?: number };

type Kind = { kind: string; format: ImageFormat; width: number; height: number; share: number };

/** Smallish camera-like files, in shares of 5: JPEGs, PNGs and WebPs. */
const kinds: readonly Kind[] = [
  { kind: 'JPEG 1024x768', format: 'jpeg', width: 1024, height: 768, share: 3 },
  { kind: 'PNG 640x480', format: 'png', width: 640, height: 480, share: 1 },
  { kind: 'WebP 1024x768', format: 'webp', width: 1024, height: 768, share: 1 },
];
const backlogKinds: readonly Kind[] = [
  { kind: 'JPEG 320x240', format: 'jpeg', width: 320, height: 240, share: 3 },
  { kind: 'PNG 240x180', format: 'png', width: 240, height: 180, share: 1 },
  { kind: 'WebP 320x240', format: 'webp', width: 320, height: 240, share: 1 },
];
const _retention = 7 * 86_400_000;
const topic = 'bench-images';
const group = 'bench-stream-ingest';
const silent = createLogger('silent');

if (isMainThread) await main();
else await serviceThread(workerData as ThreadData);

// ---------------------------------------------------------------------------------------------
// A service's thread: the image API on a port, or the stream consumer, until told to close.

async function serviceThread(data: ThreadData): Promise<void> {
  await serveInThread<Listening>(async (cleanup) => {
    if (data.role === 'api')
      return { url: (await serveService(imageApiService, data.env, cleanup)).url };
    // As `tessera serve stream-ingest` runs it, without its HTTP side.
    const opened = await streamIngestService.deps({
      config: loadConfig(data.env),
      log: silent,
      databaseUrl: data.env.DATABASE_URL ?? '',
      running: {},
    });
    cleanup.push(opened.close);
    const started = performance.now();
    const consumer = await streamIngestService.background?.(opened.deps);
    if (consumer) cleanup.push(consumer.stop);
    return { joinMs: performance.now() - started };
  });
}

// ---------------------------------------------------------------------------------------------
// The main thread: corpus, database, store, Kafka, the two ways, the rounds, the backlog, checks.

async function main(): Promise<void> {
  const args = parseOptions({
    images: { kind: 'count', default: 60 },
    concurrency: { kind: 'count', default: 2 },
    rounds: { kind: 'count', default: 2 },
    warmup: { kind: 'count or 0', default: 3 },
    backlog: { kind: 'count', default: 1000 },
  });
  const { images: count, concurrency, rounds, warmup, backlog } = args;
  if (!kafkaAvailable) {
    console.error(
      'bench/stream.ts needs python3-confluent-kafka (apt-get install python3-confluent-kafka)',
    );
    process.exit(1);
  }

  await runInterruptibly(async (cleanup) => {
    const drawStart = performance.now();
    const corpus = await makeCorpus(kinds, count, 1000);
    const backlogCorpus = await makeCorpus(backlogKinds, backlog, 100_000);
    const distinct = new Set([...corpus, ...backlogCorpus].map((i) => sha256(i.bytes))).size;
    if (distinct !== corpus.length + backlogCorpus.length)
      throw new Error('the corpus repeats a file');
    console.log(
      `corpus: ${describeCorpus(corpus)}; backlog: ${describeCorpus(backlogCorpus)}; all distinct; drawn in ${((performance.now() - drawStart) / 1000).toFixed(1)} s`,
    );

    const { url, scratch } = await startScratchDatabase(cleanup);
    stopIfInterrupted();
    const admin = await connectMigrated(url, cleanup);
    const storeRoot = path.join(scratch, 'objects');
    const masterKey = generateMasterKey();
    const store = createFsStore({
      root: storeRoot,
      keyring: createKeyring(masterKey.id, [[masterKey.id, masterKey.key]]),
    });
    const gatewaySecret = `bench-${masterKey.key.toString('base64url')}`;
    const mock = await startMockKafka();
    cleanup.push(() => mock.close());
    stopIfInterrupted();
    const kafka = connectKafka(
      { brokers: mock.brokers, ssl: false, auth: 'none' },
      silent,
      'tessera-bench',
    );
    const topicAdmin = await kafka.admin();
    cleanup.push(() => topicAdmin.close());
    await topicAdmin.ensureTopics([
      { topic, partitions: 4 },
      { topic: dlqTopic(topic), partitions: 1 },
    ]);
    const producer = await kafka.producer();
    cleanup.push(() => producer.close());
    const send: SendDeps = {
      producer,
      store: async () => store,
      topic,
      inlineMaxBytes: 900 * 1024,
    };

    const poolSize = String(Math.max(10, concurrency));
    const threadData: ThreadData = {
      role: 'api',
      env: {
        DATABASE_URL: url,
        TESSERA_DATA_DIR: scratch,
        STORAGE_DIR: storeRoot,
        STORAGE_MASTER_KEYS: `${masterKey.id}:${masterKey.key.toString('base64')}`,
        GATEWAY_SECRET: gatewaySecret,
        IMAGE_API_POOL_SIZE: poolSize,
        STREAM_POOL_SIZE: poolSize,
        KAFKA_BROKERS: mock.brokers.join(','),
        STREAM_TOPIC: topic,
        STREAM_GROUP: group,
        STREAM_CONCURRENCY: String(concurrency),
      },
    };
    const script = new URL(import.meta.url);
    const api = await startServerThread<Listening>(cleanup, script, 'API', threadData);
    const apiUrl = api.listening.url as string;
    // The consumer's thread has a cleanup of its own: it is stopped before the backlog is sent.
    const consumerCleanup = createCleanup();
    cleanup.push(() => consumerCleanup.run());
    const consumer = await startServerThread<Listening>(consumerCleanup, script, 'consumer', {
      ...threadData,
      role: 'consumer',
    });

    let owners = 0;
    const newOwner = async (way: 'stream' | 'http'): Promise<Owner> => {
      const name = `bench-${way}-${++owners}`;
      if (way === 'http') return { name, id: name };
      const row = await addPrincipal(admin, { name, role: 'user' });
      return { name, id: row.principal_id };
    };
    const expected = { stream: 0, http: 0 };
    const variants: Variant[] = [
      {
        key: 'A',
        label: 'stream: send, consume, intake',
        take: async (images, owner) => {
          expected.stream += images.length;
          await driveAll('A', images, 4, async (image) => {
            stopIfInterrupted();
            await sendImage(send, {
              owner: owner.name,
              bytes: image.bytes,
              filename: `photo-${image.index}.${image.format}`,
            });
          });
          await storedBy(admin, owner.id, images.length);
        },
      },
      {
        key: 'B',
        label: 'HTTP: POST /images',
        take: async (images, owner) => {
          expected.http += images.length;
          await driveAll('B', images, concurrency, async (image) => {
            stopIfInterrupted();
            await uploadPhoto(apiUrl, gatewaySecret, { id: owner.id, role: 'user' }, image);
          });
        },
      },
    ];

    console.log(
      `PostgreSQL ${await serverVersion(admin)}, Node ${process.version}, ${availableParallelism()} cores (shared by PostgreSQL, the mock broker, the client, the API's and the consumer's threads, libvips); the consumer joined its group in ${formatMs(consumer.listening.joinMs ?? 0)} ms`,
    );
    console.log(
      `${count} images per timed run, ${concurrency} at a time (HTTP requests in flight; partitions the consumer handles at once, of 4), ${plural(warmup, 'warm-up image')} before every timed run, ${plural(rounds, 'round')}, order alternating (A B, then B A)\n`,
    );

    const warmImages = Array.from(
      { length: warmup },
      (_, i) => corpus[(i * 7) % corpus.length] as CorpusImage,
    );
    const way = (key: Key) => (key === 'A' ? 'stream' : 'http');
    const runs = await runRounds(variants, rounds, 'alternating', async (variant) => {
      stopIfInterrupted();
      if (warmImages.length) await variant.take(warmImages, await newOwner(way(variant.key)));
      const owner = await newOwner(way(variant.key));
      const cpuStart = process.cpuUsage();
      const start = performance.now();
      await variant.take(corpus, owner);
      const ms = performance.now() - start;
      const cpu = process.cpuUsage(cpuStart);
      const bytes = corpus.reduce((sum, image) => sum + image.bytes.length, 0);
      return {
        perSecond: (corpus.length / ms) * 1000,
        mbPerSecond: bytes / 1e6 / (ms / 1000),
        cpu: (cpu.user + cpu.system) / 1000 / corpus.length,
      } satisfies Figures;
    });

    const medianFigures = new Map(variants.map((v) => [v.key, medians(figuresOf(runs, v))]));
    const get = (key: Key) => medianFigures.get(key) as Figures;
    console.log(
      variantsTable(variants, get, ['images/s', 'MB/s', 'CPU ms/image'], (f) => [
        f.perSecond.toFixed(2),
        f.mbPerSecond.toFixed(2),
        formatMs(f.cpu),
      ]),
    );
    console.log(
      `(median over ${plural(rounds, 'round')}; MB = 10^6 bytes of files; CPU = this process's user + system time, all its threads, per image: PostgreSQL's and the broker's are not in it)\n`,
    );
    console.log(
      ratioTable(
        get,
        [['A', 'B']],
        [
          { heading: 'images/s', figure: (f) => f.perSecond },
          { heading: 'time per image', figure: (f) => f.perSecond, inverse: true },
          { heading: 'CPU', figure: (f) => f.cpu },
        ],
      ),
    );
    const ratio = get('A').perSecond / get('B').perSecond;
    console.log(
      `stream / HTTP images/s: ${formatRatio(get('A').perSecond, get('B').perSecond)} (aim: at least 0.80x: ${ratio >= 0.8 ? 'met' : 'NOT met'})\n`,
    );
    console.log(
      `each round:\n${roundsTable(runs, ['images/s', 'MB/s', 'CPU ms/image'], (f) => [
        f.perSecond.toFixed(2),
        f.mbPerSecond.toFixed(2),
        formatMs(f.cpu),
      ])}\n`,
    );

    // C: the backlog, sent while no consumer runs.
    await consumerCleanup.run();
    stopIfInterrupted();
    const backlogOwner = await newOwner('stream');
    expected.stream += backlogCorpus.length;
    const sendStart = performance.now();
    await driveAll('C', backlogCorpus, 4, async (image) => {
      stopIfInterrupted();
      await sendImage(send, {
        owner: backlogOwner.name,
        bytes: image.bytes,
        filename: `backlog-${image.index}.${image.format}`,
      });
    });
    const sendMs = performance.now() - sendStart;
    const lagBefore = (await topicAdmin.lag(topic, group)).reduce((sum, p) => sum + p.lag, 0);
    const drainCleanup = createCleanup();
    cleanup.push(() => drainCleanup.run());
    const drainStart = performance.now();
    const drainer = await startServerThread<Listening>(drainCleanup, script, 'consumer', {
      ...threadData,
      role: 'consumer',
    });
    const firstAt = await storedBy(admin, backlogOwner.id, 1);
    await storedBy(admin, backlogOwner.id, backlogCorpus.length);
    const drainMs = performance.now() - drainStart;
    const drainBytes = backlogCorpus.reduce((sum, image) => sum + image.bytes.length, 0);
    console.log(
      table([
        [
          'backlog',
          'records',
          'lag at start',
          'sent in s',
          'join ms',
          'first stored s',
          'drained in s',
          'images/s',
          'images/s after the first',
        ],
        [
          `C  ${backlogKinds.map((k) => k.kind).join(', ')}`,
          String(backlogCorpus.length),
          String(lagBefore),
          (sendMs / 1000).toFixed(2),
          formatMs(drainer.listening.joinMs ?? 0),
          ((firstAt - drainStart) / 1000).toFixed(2),
          (drainMs / 1000).toFixed(2),
          ((backlogCorpus.length / drainMs) * 1000).toFixed(1),
          (((backlogCorpus.length - 1) / (drainMs - (firstAt - drainStart))) * 1000).toFixed(1),
        ],
      ]),
    );
    console.log(
      `(${(drainBytes / 1e6).toFixed(1)} MB; timed from the consumer's start, joining its group included, until the last image is in the database)\n`,
    );

    console.log(await verify(admin, store, topicAdmin, expected, corpus));
    await drainCleanup.run();
  });
}

// ---------------------------------------------------------------------------------------------
// The corpus: seeded scenes, each file different.

async function makeCorpus(
  mix: readonly Kind[],
  count: number,
  firstScene: number,
): Promise<CorpusImage[]> {
  const corpus: CorpusImage[] = [];
  for (const [index, kind] of fairMix(mix, count).entries()) {
    stopIfInterrupted();
    const bytes = await makeImage(kind.format, {
      width: kind.width,
      height: kind.height,
      scene: firstScene + index,
      quality: 90,
    });
    corpus.push({ index, kind: kind.kind, format: kind.format, bytes });
  }
  return corpus;
}

function describeCorpus(corpus: CorpusImage[]): string {
  const bytes = corpus.reduce((sum, image) => sum + image.bytes.length, 0);
  const byKind = new Map<string, number>();
  for (const image of corpus) byKind.set(image.kind, (byKind.get(image.kind) ?? 0) + 1);
  return `${corpus.length} images, ${(bytes / 1e6).toFixed(1)} MB (${[...byKind].map(([k, n]) => `${n} ${k}`).join(', ')})`;
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

// ---------------------------------------------------------------------------------------------
// The ways in, and waiting for the stream.

/** Waits until `owner` has `count` images stored; resolves with the time it saw them. */
async function storedBy(db: Connection, owner: string, count: number): Promise<number> {
  const deadline = performance.now() + 600_000;
  for (;;) {
    stopIfInterrupted();
    const result = await db.query<{ n: number }>(
      'select count(*)::integer as n from images.images where owner_id = $1',
      [owner],
    );
    if ((result.rows[0]?.n ?? 0) >= count) return performance.now();
    if (performance.now() > deadline)
      throw new Error(`${owner}: ${count} images not stored in 10 minutes`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

// ---------------------------------------------------------------------------------------------
// The checks afterwards.

/**
 * The database holds exactly the images sent and uploaded, by source, each with its three
 * objects; nothing was refused or dead-lettered; the consumer group has nothing left; the store
 * holds the objects and no claim is left behind; a sample of originals decrypts to the files.
 */
async function verify(
  db: Connection,
  store: ReturnType<typeof createFsStore>,
  admin: Awaited<ReturnType<KafkaClient['admin']>>,
  expected: { stream: number; http: number },
  corpus: CorpusImage[],
): Promise<string> {
  const problems: string[] = [];
  const counts = (
    await db.query<{ stream: number; upload: number; objects: number; refusals: number }>(
      `select (select count(*) from images.images where source = 'stream')::integer as stream,
              (select count(*) from images.images where source = 'upload')::integer as upload,
              (select count(*) from images.objects)::integer as objects,
              (select count(*) from images.refusals)::integer as refusals`,
    )
  ).rows[0];
  if (counts?.stream !== expected.stream)
    problems.push(`${counts?.stream} images from the stream, ${expected.stream} sent`);
  if (counts?.upload !== expected.http)
    problems.push(`${counts?.upload} images uploaded, ${expected.http} posted`);
  const images = expected.stream + expected.http;
  if (counts?.objects !== images * 3)
    problems.push(`${counts?.objects} object rows for ${images} images (3 each expected)`);
  if (counts?.refusals !== 0) problems.push(`${counts?.refusals} refusals recorded`);
  let stored = 0;
  for await (const _ of store.list('images/')) stored++;
  if (stored !== images * 3)
    problems.push(`${stored} objects in the store, ${images * 3} expected`);
  for await (const object of store.list('incoming/')) problems.push(`claim left: ${object.key}`);
  const letters = ((await admin.topicOffsets(dlqTopic(topic))) ?? []).reduce(
    (sum, p) => sum + Number(BigInt(p.high) - BigInt(p.low)),
    0,
  );
  if (letters !== 0) problems.push(`${letters} dead letter(s)`);
  // The last offsets are committed just after their images: give them a moment.
  let lag = 0;
  for (let tries = 0; tries < 50; tries++) {
    lag = (await admin.lag(topic, group)).reduce((sum, p) => sum + p.lag, 0);
    if (lag === 0) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  if (lag !== 0) problems.push(`the consumer group still lags by ${lag} record(s)`);

  const sample = await db.query<{ image_id: string; sha256: string; source: string }>(
    `select image_id, sha256, source from images.images order by random() limit 20`,
  );
  const bySha = new Map(corpus.map((image) => [sha256(image.bytes), image]));
  let checked = 0;
  for (const row of sample.rows) {
    const original = await store.get(objectKey(row.image_id, 'original'));
    if (sha256(original) !== row.sha256) problems.push(`image ${row.image_id}: original differs`);
    if (bySha.has(row.sha256)) checked++;
  }
  if (problems.length) throw new Error(`verification failed:\n  ${problems.join('\n  ')}`);
  return `verified: ${counts?.stream} images from the stream = ${expected.stream} sent, ${counts?.upload} uploaded = ${expected.http} posted (warm-ups included), ${counts?.objects} object rows and ${stored} encrypted objects, no refusals, no dead letters, no claim left, group lag 0; ${sample.rows.length} sampled originals decrypt to their SHA-256 (${checked} of them from the timed corpus)`;
}
