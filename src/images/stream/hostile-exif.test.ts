// A streamed photo whose EXIF fits no column is stored like any photo, and the records after it in
// its partition are not held up behind it (through librdkafka's mock cluster and the real consumer).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { buildTiff, hostileExif, withExif } from '../../../test/helpers/exif.ts';
import { createImageTestbed, type ImageTestbed } from '../../../test/helpers/image-service.ts';
import { makeImage } from '../../../test/helpers/images.ts';
import { kafkaAvailable, type MockKafka, startMockKafka } from '../../../test/helpers/kafka.ts';
import { createLogger } from '../../platform/log.ts';
import { addPrincipal } from '../gateway/principals.ts';
import { startConsumer } from './consumer.ts';
import { dlqTopic } from './dlq.ts';
import { type Consumer, connectKafka, type KafkaClient, type Producer } from './kafka.ts';
import { createStreamMetrics } from './metrics.ts';

const silent = createLogger('silent');

describe('streamed photos with hostile EXIF', {
  skip: kafkaAvailable ? false : 'python3-confluent-kafka is not installed',
}, () => {
  let kafka: MockKafka;
  let bed: ImageTestbed;
  let client: KafkaClient;
  let producer: Producer;
  let consumer: Consumer;
  const topic = 'hostile-exif';

  before(async () => {
    kafka = await startMockKafka();
    bed = await createImageTestbed();
    await addPrincipal(bed.db, { name: 'camera', role: 'engineer' });
    client = connectKafka({ brokers: kafka.brokers, ssl: false, auth: 'none' }, silent);
    const admin = await client.admin();
    // One partition: the photo after the hostile one waits for it if it stalls.
    await admin.ensureTopics([
      { topic, partitions: 1 },
      { topic: dlqTopic(topic), partitions: 1 },
    ]);
    await admin.close();
    producer = await client.producer();
    consumer = await startConsumer({
      kafka: client,
      producer,
      intake: bed,
      topic,
      group: 'hostile-group',
      concurrency: 1,
      maxAttempts: 3,
      metrics: createStreamMetrics(),
      log: silent,
    });
  });
  after(async () => {
    await consumer?.stop();
    await producer?.close();
    await bed?.close();
    await kafka?.close();
  });

  test('the photo is stored with the bad fields null, and the next record follows', async () => {
    const hostile = withExif(
      await makeImage('jpeg', { width: 320, height: 240, scene: 131 }),
      buildTiff(hostileExif(), true),
    );
    const next = await makeImage('png', { scene: 132 });
    await producer.send(topic, [
      { key: 'k', value: hostile, headers: { owner: 'camera', filename: 'hostile.jpg' } },
      { key: 'k', value: next, headers: { owner: 'camera', filename: 'next.png' } },
    ]);
    const deadline = Date.now() + 30_000;
    let rows: Record<string, unknown>[] = [];
    while (rows.length < 2 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      rows = (
        await bed.db.query(
          `select original_name, camera_make, iso, taken_at, gps_latitude is not null as has_gps
           from images.images where source = 'stream' order by stream_offset`,
        )
      ).rows;
    }
    assert.deepEqual(rows, [
      {
        original_name: 'hostile.jpg',
        camera_make: 'Can',
        iso: null,
        taken_at: null,
        has_gps: true,
      },
      { original_name: 'next.png', camera_make: null, iso: null, taken_at: null, has_gps: false },
    ]);
  });
});
