// Images on a Kafka topic (librdkafka's mock cluster, a real Kafka-protocol broker) end up exactly
// where uploads do, through the same checks; bad records go to the dead-letter topic.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  createImageTestbed,
  type ImageTestbed,
  storedKeys,
} from '../../../test/helpers/image-service.ts';
import { makeImage, pngBomb } from '../../../test/helpers/images.ts';
import { kafkaAvailable, type MockKafka, startMockKafka } from '../../../test/helpers/kafka.ts';
import { refusedRowMessage, refuseRowsOf } from '../../../test/helpers/refused-rows.ts';
import { until } from '../../../test/helpers/until.ts';
import { createLogger } from '../../platform/log.ts';
import { getImage } from '../catalogue.ts';
import { addPrincipal } from '../gateway/principals.ts';
import { startConsumer } from './consumer.ts';
import { dlqTopic } from './dlq.ts';
import {
  type Consumer,
  connectKafka,
  type IncomingRecord,
  type KafkaClient,
  type Producer,
} from './kafka.ts';
import { createStreamMetrics } from './metrics.ts';
import { newClaimKey } from './records.ts';

const silent = createLogger('silent');

describe('stream ingestion', {
  skip: kafkaAvailable ? false : 'python3-confluent-kafka is not installed',
}, () => {
  let kafka: MockKafka;
  let bed: ImageTestbed;
  let client: KafkaClient;
  let producer: Producer;
  let consumer: Consumer;
  let reader: Consumer;
  let ownerId: string;
  const topic = 'images-test';
  const dead: IncomingRecord[] = [];

  before(async () => {
    kafka = await startMockKafka();
    bed = await createImageTestbed();
    ownerId = (await addPrincipal(bed.db, { name: 'streamer', role: 'engineer' })).principal_id;
    client = connectKafka({ brokers: kafka.brokers, ssl: false, auth: 'none' }, silent);
    const admin = await client.admin();
    await admin.ensureTopics([
      { topic, partitions: 4 },
      { topic: dlqTopic(topic), partitions: 1 },
    ]);
    await admin.close();
    producer = await client.producer();
    consumer = await startConsumer({
      kafka: client,
      producer,
      intake: bed,
      topic,
      group: 'test-group',
      concurrency: 2,
      maxAttempts: 3,
      metrics: createStreamMetrics(),
      log: silent,
    });
    // Read the dead-letter topic as an operator would.
    reader = await client.consume(
      dlqTopic(topic),
      'dlq-reader',
      { concurrency: 1, fromBeginning: true },
      async (batch) => {
        for (const record of batch.records) {
          dead.push(record);
          await batch.commit(record);
        }
      },
    );
  });
  after(async () => {
    await consumer?.stop();
    await reader?.stop();
    await producer?.close();
    await bed?.close();
    await kafka?.close();
  });

  const send = (value: Buffer, headers: Record<string, string>) =>
    producer.send(topic, [
      { key: createHash('sha256').update(value).digest('hex'), value, headers },
    ]);
  const streamed = (name: string) =>
    bed.db
      .query<{ image_id: string }>(
        `select image_id from images.images where source = 'stream' and original_name = $1`,
        [name],
      )
      .then((r) => r.rows);

  test('images of several formats, inline and by claim check, are stored with source = stream', async () => {
    const inline = await makeImage('jpeg', { width: 800, height: 600, scene: 81 });
    const png = await makeImage('png', { width: 300, height: 200, scene: 82 });
    const large = await makeImage('webp', { width: 1200, height: 900, scene: 83 });
    const claim = newClaimKey();
    await bed.store.put(claim, large);
    await send(inline, { owner: 'streamer', filename: 'inline.jpg' });
    await send(png, { owner: 'streamer', filename: 'inline.png' });
    await send(Buffer.alloc(0), {
      owner: 'streamer',
      filename: 'claimed.webp',
      claim,
    });
    for (const name of ['inline.jpg', 'inline.png', 'claimed.webp']) {
      const [row] = await until(
        name,
        async () => (await streamed(name)).length === 1 && streamed(name),
      );
      const image = await getImage(bed.db, row?.image_id ?? '');
      assert.equal(image?.owner_id, ownerId);
      assert.equal(image?.source, 'stream');
      assert.deepEqual(
        image?.objects.map((o) => o.name),
        ['original', 'preview', 'thumbnail'],
      );
    }
    const claimed = await getImage(bed.db, (await streamed('claimed.webp'))[0]?.image_id ?? '');
    const original = claimed?.objects.find((o) => o.name === 'original');
    assert.deepEqual(
      await bed.store.get(original?.object_key ?? ''),
      large,
      'the claimed bytes became the original',
    );
    // Once the record is committed, its incoming copy is done with.
    await until('the incoming copy gone', async () => {
      for await (const object of bed.store.list('incoming/'))
        if (object.key === claim) return false;
      return true;
    });
    const where = await bed.db.query(
      `select stream_topic, stream_partition is not null as has_partition, stream_offset is not null as has_offset from images.images where original_name = 'inline.jpg'`,
    );
    assert.deepEqual(where.rows[0], { stream_topic: topic, has_partition: true, has_offset: true });
  });

  test('the same image sent twice is one image', async () => {
    const bytes = await makeImage('gif', { scene: 84 });
    await send(bytes, { owner: 'streamer', filename: 'twice-1.gif' });
    await send(bytes, { owner: 'streamer', filename: 'twice-2.gif' });
    await until('both records', async () => {
      const count = await bed.db.query(
        `select count(*) as n from images.images where sha256 = $1`,
        [createHash('sha256').update(bytes).digest('hex')],
      );
      return Number(count.rows[0]?.n) === 1 && (await streamed('twice-1.gif')).length === 1;
    });
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal((await streamed('twice-2.gif')).length, 0);
  });

  test('bad records go to the dead-letter topic with their reasons, leaving nothing behind', async () => {
    const keysBefore = await storedKeys(bed.store);
    const imagesBefore = (await bed.db.query('select count(*) as n from images.images')).rows[0]?.n;
    const bad: [string, Buffer, Record<string, string>, RegExp][] = [
      [
        'not an image',
        Buffer.from('plain text'),
        { owner: 'streamer', filename: 'notes.jpg' },
        /not an image/,
      ],
      [
        'corrupt',
        (await makeImage('jpeg', { width: 600, height: 400 })).subarray(0, 1500),
        { owner: 'streamer' },
        /corrupt|damaged|incomplete/i,
      ],
      ['a bomb', pngBomb(80_000, 80_000), { owner: 'streamer' }, /pixels/],
      ['no owner', await makeImage('png', { scene: 85 }), {}, /no owner/],
      [
        'unknown owner',
        await makeImage('png', { scene: 86 }),
        { owner: 'nobody-here' },
        /no principal named nobody-here/,
      ],
      [
        'a claim that points nowhere',
        Buffer.alloc(0),
        { owner: 'streamer', claim: `incoming/${'0'.repeat(64)}` },
        /points to no object/,
      ],
    ];
    for (const [, value, headers] of bad) await send(value, { ...headers, case: 'bad' });
    await until(
      'all dead letters',
      async () => dead.filter((d) => d.headers.case === 'bad').length >= bad.length,
    );
    const letters = dead.filter((d) => d.headers.case === 'bad');
    for (const [name, , , reason] of bad) {
      assert.ok(
        letters.some((l) => reason.test(l.headers.error ?? '')),
        `${name}: ${letters.map((l) => l.headers.error).join(' | ')}`,
      );
    }
    for (const letter of letters) {
      assert.equal(letter.headers['source-topic'], topic);
      assert.match(letter.headers['source-offset'] ?? '', /^\d+$/);
    }
    assert.deepEqual(await storedKeys(bed.store), keysBefore);
    assert.equal(
      (await bed.db.query('select count(*) as n from images.images')).rows[0]?.n,
      imagesBefore,
    );
  });
  test('a record whose row PostgreSQL keeps refusing is dead-lettered after 3 tries, and its partition goes on', async () => {
    // A real refusal, the same each time: a trigger that turns down one owner's rows.
    const refused = await addPrincipal(bed.db, { name: 'refused-owner', role: 'engineer' });
    const trigger = await refuseRowsOf(bed.db, refused.principal_id);
    try {
      const first = await makeImage('jpeg', { width: 200, height: 150, scene: 87 });
      const second = await makeImage('jpeg', { width: 200, height: 150, scene: 88 });
      // One key: one partition, the refused record first.
      await producer.send(topic, [
        {
          key: 'one-partition',
          value: first,
          headers: { owner: 'refused-owner', filename: 'refused.jpg', case: 'refused' },
        },
        {
          key: 'one-partition',
          value: second,
          headers: { owner: 'streamer', filename: 'after-refused.jpg' },
        },
      ]);
      const [letter] = await until('the dead letter', async () => {
        const letters = dead.filter((d) => d.headers.case === 'refused');
        return letters.length > 0 && letters;
      });
      assert.equal(letter?.headers['error-code'], 'failed_repeatedly');
      assert.equal(
        letter?.headers.error,
        `Failed 3 times; the last time: ${refusedRowMessage} (SQLSTATE 22003)`,
      );
      assert.deepEqual(letter?.value, first, 'the record as it came, for a replay');
      await until(
        'the next record stored',
        async () => (await streamed('after-refused.jpg')).length === 1,
      );
      assert.equal(await trigger.tries(), 3, 'tried exactly 3 times');
      assert.equal((await streamed('refused.jpg')).length, 0);
    } finally {
      await trigger.remove();
    }
  });

  test('an owner header that is not a name is refused in words; a content type that is not text is dropped', async () => {
    const image = await makeImage('png', { scene: 89 });
    const owners: [string, string | Buffer][] = [
      ['a NUL byte', 'stream\u0000er'],
      ['not UTF-8', Buffer.from([0x73, 0xff, 0xfe, 0x72])],
      ['over 200 bytes', 'a'.repeat(201)],
    ];
    for (const [which, owner] of owners)
      await producer.send(topic, [
        { key: which, value: image, headers: { owner, case: 'hostile', which } },
      ]);
    const text = Buffer.from('no picture here, and a content type with a NUL byte');
    await producer.send(topic, [
      {
        key: 'content type',
        value: text,
        headers: {
          owner: 'streamer',
          filename: 'odd\u0000name.jpg',
          'content-type': 'image/jpeg\u0000',
          case: 'hostile',
          which: 'content type',
        },
      },
    ]);
    const letters = await until('four dead letters', async () => {
      const found = dead.filter((d) => d.headers.case === 'hostile');
      return found.length >= 4 && found;
    });
    for (const [which] of owners) {
      const letter = letters.find((l) => l.headers.which === which);
      assert.equal(letter?.headers['error-code'], 'bad_owner', which);
      assert.match(letter?.headers.error ?? '', /^The owner header is not a principal's name /);
    }
    const refusal = letters.find((l) => l.headers.which === 'content type');
    assert.equal(refusal?.headers['error-code'], 'not_an_image');
    const recorded = await bed.db.query(
      `select declared_type from images.refusals where owner_id = $1 and bytes = $2`,
      [ownerId, text.length],
    );
    assert.deepEqual(
      recorded.rows,
      [{ declared_type: null }],
      'the refusal recorded, without the type',
    );
  });
});

describe('a consumer killed mid-batch', {
  skip: kafkaAvailable ? false : 'python3-confluent-kafka is not installed',
}, () => {
  test('SIGKILL in the middle, then a restart: every image stored exactly once', async () => {
    const kafka = await startMockKafka();
    const bed = await createImageTestbed();
    const home = await mkdtemp(path.join(tmpdir(), 'tessera-stream-'));
    const children: ChildProcess[] = [];
    const startService = () => {
      const child = spawn(
        process.execPath,
        ['src/cli.ts', 'serve', 'stream-ingest', '--port', '0'],
        {
          env: {
            ...process.env,
            DATABASE_URL: bed.database.url,
            KAFKA_BROKERS: kafka.brokers.join(','),
            STREAM_TOPIC: 'crash',
            STREAM_GROUP: 'crash-group',
            TESSERA_DATA_DIR: home,
            LOG_LEVEL: 'silent',
          },
          stdio: 'ignore',
        },
      );
      children.push(child);
      return child;
    };
    try {
      await addPrincipal(bed.db, { name: 'crasher', role: 'engineer' });
      const client = connectKafka({ brokers: kafka.brokers, ssl: false, auth: 'none' }, silent);
      const producer = await client.producer();
      const total = 24;
      const images = await Promise.all(
        Array.from({ length: total }, (_, i) =>
          makeImage('jpeg', { width: 900, height: 700, scene: 200 + i }),
        ),
      );
      await producer.send(
        'crash',
        images.map((value, i) => ({
          key: String(i),
          value,
          headers: { owner: 'crasher', filename: `crash-${i}.jpg` },
        })),
      );
      await producer.close();
      const count = async () =>
        Number(
          (await bed.db.query(`select count(*) as n from images.images where source = 'stream'`))
            .rows[0]?.n,
        );
      const first = startService();
      await until('a few images stored', async () => (await count()) >= 4, 60_000);
      first.kill('SIGKILL');
      await new Promise((resolve) => first.once('exit', resolve));
      const atKill = await count();
      assert.ok(atKill < total, `killed before the end (${atKill} of ${total})`);
      startService();
      await until('every image', async () => (await count()) >= total, 90_000);
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const rows = await bed.db.query<{ name: string; n: number }>(
        `select original_name as name, count(*) as n from images.images where source = 'stream' group by 1`,
      );
      assert.equal(rows.rows.length, total);
      assert.ok(
        rows.rows.every((r) => Number(r.n) === 1),
        'no image stored twice',
      );
    } finally {
      for (const child of children) child.kill('SIGKILL');
      await bed.close();
      await kafka.close();
      await rm(home, { recursive: true, force: true });
    }
  });
});
