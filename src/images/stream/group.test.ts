// Several stream-ingest instances in one consumer group share the topic's partitions; one that
// stops mid-backlog hands its partitions over, and nothing is stored twice or lost.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createImageTestbed, type ImageTestbed } from '../../../test/helpers/image-service.ts';
import { makeImage } from '../../../test/helpers/images.ts';
import { kafkaAvailable, type MockKafka, startMockKafka } from '../../../test/helpers/kafka.ts';
import { until } from '../../../test/helpers/until.ts';
import { createLogger } from '../../platform/log.ts';
import { addPrincipal } from '../gateway/principals.ts';
import { type IngestConsumer, startConsumer } from './consumer.ts';
import { dlqTopic } from './dlq.ts';
import { connectKafka } from './kafka.ts';
import { createStreamMetrics, type StreamMetrics } from './metrics.ts';

const silent = createLogger('silent');
const topic = 'fleet';
const group = 'fleet-group';

describe('a consumer group of several instances', {
  skip: kafkaAvailable ? false : 'python3-confluent-kafka is not installed',
}, () => {
  let kafka: MockKafka;
  let bed: ImageTestbed;
  const running: { stop(): Promise<void> }[] = [];

  before(async () => {
    kafka = await startMockKafka();
    bed = await createImageTestbed();
    await addPrincipal(bed.db, { name: 'fleet-owner', role: 'engineer' });
    const admin = await client().admin();
    await admin.ensureTopics([
      { topic, partitions: 4 },
      { topic: dlqTopic(topic), partitions: 1 },
    ]);
    await admin.close();
  });
  after(async () => {
    for (const one of running) await one.stop().catch(() => {});
    await bed?.close();
    await kafka?.close();
  });

  // Each instance its own Kafka client, producer and metrics, as each process has.
  const client = () => connectKafka({ brokers: kafka.brokers, ssl: false, auth: 'none' }, silent);
  type Instance = { consumer: IngestConsumer; metrics: StreamMetrics; stop(): Promise<void> };
  const startInstance = async (): Promise<Instance> => {
    const kafkaClient = client();
    const producer = await kafkaClient.producer();
    const metrics = createStreamMetrics();
    const consumer = await startConsumer({
      kafka: kafkaClient,
      producer,
      intake: bed,
      topic,
      group,
      concurrency: 2,
      maxAttempts: 3,
      metrics,
      log: silent,
    });
    const instance = {
      consumer,
      metrics,
      async stop() {
        await consumer.stop();
        await producer.close();
      },
    };
    running.push(instance);
    return instance;
  };
  const storedBy = async (metrics: StreamMetrics) =>
    (await metrics.stored.get()).values
      .filter((v) => v.labels.outcome === 'stored')
      .reduce((sum, v) => sum + v.value, 0);
  const count = async () =>
    Number(
      (await bed.db.query<{ n: number }>(`select count(*) as n from images.images`)).rows[0]?.n,
    );

  test('two instances share a 4-partition backlog; one restarted mid-way: every image stored exactly once', async () => {
    const total = 60;
    const images = await Promise.all(
      Array.from({ length: total }, (_, i) =>
        makeImage('jpeg', { width: 480, height: 360, scene: 300 + i }),
      ),
    );
    // Both in the group, holding two partitions each, before the backlog comes: shared from the
    // start (else the first may finish it alone before the group has rebalanced).
    const first = await startInstance();
    let second = await startInstance();
    const held = async (instance: Instance) =>
      (await instance.metrics.assigned.get()).values[0]?.value ?? 0;
    await until(
      'the group to share the partitions',
      async () => (await held(first)) === 2 && (await held(second)) === 2,
      60_000,
    );
    const producer = await client().producer();
    await producer.send(
      topic,
      images.map((value, i) => ({
        key: String(i),
        value,
        headers: { owner: 'fleet-owner', filename: `fleet-${i}.jpg` },
      })),
    );
    await producer.close();

    await until(
      'both instances at work',
      async () => {
        const [a, b] = await Promise.all([storedBy(first.metrics), storedBy(second.metrics)]);
        return a > 0 && b > 0;
      },
      60_000,
    );
    const stopped = second;
    await stopped.stop();
    const atStop = await count();
    assert.ok(atStop < total, `stopped mid-backlog (${atStop} of ${total})`);
    const firstAtRestart = await storedBy(first.metrics);
    second = await startInstance();
    // The instance coming back is supervised as a process would be: librdkafka's mock broker now
    // and then answers its first SyncGroup with a protocol error, which kafkajs does not retry,
    // and a supervisor (systemd) starts it again. The one that stayed must never stop.
    let restarts = 0;
    await until(
      'every image',
      async () => {
        const crash = await Promise.race([second.consumer.crashed, Promise.resolve(undefined)]);
        if (crash && restarts < 2) {
          restarts += 1;
          await second.stop().catch(() => {});
          second = await startInstance();
        }
        return (await count()) >= total;
      },
      120_000,
    );
    // Time for a record handled twice in a rebalance to show, had it been stored twice.
    await new Promise((resolve) => setTimeout(resolve, 1500));

    const perImage = await bed.db.query<{ n: number }>(
      `select count(*) as n from images.images group by sha256`,
    );
    assert.equal(perImage.rows.length, total, 'every image is there');
    assert.ok(
      perImage.rows.every((r) => Number(r.n) === 1),
      'no image stored twice',
    );
    const perRecord = await bed.db.query<{ n: number }>(
      `select count(*) as n from images.images where stream_topic = $1 group by stream_partition, stream_offset`,
      [topic],
    );
    assert.equal(perRecord.rows.length, total, 'one image per record');
    assert.ok(perRecord.rows.every((r) => Number(r.n) === 1));
    const partitions = await bed.db.query('select distinct stream_partition from images.images');
    assert.equal(partitions.rows.length, 4, 'the backlog was spread over the 4 partitions');

    const admin = await client().admin();
    const dead = await admin.topicOffsets(dlqTopic(topic));
    await admin.close();
    assert.ok(
      (dead ?? []).every((p) => p.high === p.low),
      'nothing in the dead-letter topic',
    );
    const shares = {
      first: await storedBy(first.metrics),
      stopped: await storedBy(stopped.metrics),
      restarted: await storedBy(second.metrics),
    };
    // A rebalance (the one leaving, the one coming back) is no reason for the other to stop.
    const crash = await Promise.race([first.consumer.crashed, Promise.resolve(undefined)]);
    assert.equal(crash, undefined, `the first instance's consumer stopped: ${crash?.message}`);
    assert.ok(shares.first > 0 && shares.stopped > 0, 'both instances stored images');
    assert.ok(
      shares.first > firstAtRestart,
      `the first instance kept its share after the restart: ${JSON.stringify(shares)}`,
    );
    assert.ok(shares.restarted > 0, `the restarted one took its share: ${JSON.stringify(shares)}`);
    assert.equal(
      shares.first + shares.stopped + shares.restarted,
      total,
      `each stored once, by one of them: ${JSON.stringify(shares)}`,
    );
  });
});
