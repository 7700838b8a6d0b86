// `tessera stream …` as an engineer uses it, against librdkafka's mock cluster (a real
// Kafka-protocol broker), a test database and an fs store in a temporary data directory; the real
// consumer takes what `send` and `dlq replay` put on the topic.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { crc32, deflateSync } from 'node:zlib';
import { createImageTestbed, type ImageTestbed } from '../../../test/helpers/image-service.ts';
import { makeImage, seededBytes } from '../../../test/helpers/images.ts';
import { kafkaAvailable, type MockKafka, startMockKafka } from '../../../test/helpers/kafka.ts';
import { freePort } from '../../../test/helpers/ports.ts';
import { until } from '../../../test/helpers/until.ts';
import { parseCommandArgs } from '../../platform/cli-kit.ts';
import { type Config, loadConfig } from '../../platform/config.ts';
import { AppError, UsageError } from '../../platform/errors.ts';
import { createLogger } from '../../platform/log.ts';
import { sweep } from '../expiry.ts';
import { addPrincipal } from '../gateway/principals.ts';
import { openStore } from '../storage.ts';
import type { ObjectStore } from '../store/object-store.ts';
import { streamCommands } from './commands.ts';
import { startConsumer } from './consumer.ts';
import { dlqTopic } from './dlq.ts';
import { connectKafka, type IncomingRecord, type KafkaClient } from './kafka.ts';
import { createStreamMetrics } from './metrics.ts';

const silent = createLogger('silent');
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** A photo-sized PNG of noise (which does not compress): `width` × `height` × 3 bytes and a little. */
function noisePng(width: number, height: number, seed: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(data.length, 0);
    head.write(type, 4, 'latin1');
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])) >>> 0, 0);
    return Buffer.concat([head, data, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8-bit RGB
  const noise = seededBytes(width * height * 3, seed);
  // Each row starts with its filter byte (0: none).
  const rows = Buffer.concat(
    Array.from({ length: height }, (_, y) =>
      Buffer.concat([Buffer.alloc(1), noise.subarray(y * width * 3, (y + 1) * width * 3)]),
    ),
  );
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(rows)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** Runs `tessera stream <args…>` in this process, as cli.ts would, collecting what it prints. */
async function stream(config: Config, args: string[]): Promise<{ code: number; out: string }> {
  const [name = '', ...rest] = args;
  const command = streamCommands[name];
  assert.ok(command, `no command ${name}`);
  const lines: string[] = [];
  const code = await command.run(parseCommandArgs(command, rest), {
    config,
    log: silent,
    out: (line) => lines.push(line),
    stdin: process.stdin,
  });
  return { code: code ?? 0, out: lines.join('\n') };
}

describe('tessera stream', {
  skip: kafkaAvailable ? false : 'python3-confluent-kafka is not installed',
}, () => {
  let kafka: MockKafka;
  let bed: ImageTestbed;
  let home: string;
  let client: KafkaClient;

  before(async () => {
    kafka = await startMockKafka();
    bed = await createImageTestbed();
    home = await mkdtemp(path.join(tmpdir(), 'tessera-stream-cli-'));
    client = connectKafka({ brokers: kafka.brokers, ssl: false, auth: 'none' }, silent);
    await addPrincipal(bed.db, { name: 'sender', role: 'engineer' });
  });
  after(async () => {
    await bed?.close();
    await kafka?.close();
    if (home) await rm(home, { recursive: true, force: true });
  });

  /** The configuration a person would have: this database, these brokers, one topic per test. */
  const configFor = (topic: string, env: Record<string, string> = {}) =>
    loadConfig({
      DATABASE_URL: bed.database.url,
      TESSERA_DATA_DIR: home,
      KAFKA_BROKERS: kafka.brokers.join(','),
      STREAM_TOPIC: topic,
      STREAM_GROUP: `${topic}-group`,
      ...env,
    });

  /** The real consumer on the topic, storing through the same store the commands use. */
  const consume = async (config: Config, store: ObjectStore) => {
    const settings = config.stream;
    assert.ok(settings);
    const producer = await client.producer();
    const consumer = await startConsumer({
      kafka: client,
      producer,
      intake: { ...bed, store },
      topic: settings.topic,
      group: settings.group,
      concurrency: 2,
      maxAttempts: 3,
      metrics: createStreamMetrics(),
      log: silent,
    });
    return async () => {
      await consumer.stop();
      await producer.close();
    };
  };

  const readAll = async (topic: string) => {
    const records: IncomingRecord[] = [];
    await client.readToEnd(topic, {}, async (record) => {
      records.push(record);
    });
    return records;
  };

  /** Records a topic holds now (high minus low offsets). */
  const held = async (topic: string) => {
    const admin = await client.admin();
    try {
      const offsets = await admin.topicOffsets(topic);
      return (offsets ?? []).reduce((sum, p) => sum + Number(BigInt(p.high) - BigInt(p.low)), 0);
    } finally {
      await admin.close();
    }
  };

  /** Records of the topic its consumer group has not committed yet. */
  const lag = async (topic: string) => {
    const admin = await client.admin();
    try {
      return (await admin.lag(topic, `${topic}-group`)).reduce((sum, p) => sum + p.lag, 0);
    } finally {
      await admin.close();
    }
  };

  const streamedCount = async (topic: string) =>
    Number(
      (
        await bed.db.query(
          `select count(*) as n from images.images where source = 'stream' and stream_topic = $1`,
          [topic],
        )
      ).rows[0]?.n,
    );

  test('send: small images inline, large ones by claim check, keyed by SHA-256', async () => {
    const topic = 'send-test';
    const small = await makeImage('jpeg', { width: 64, height: 48, scene: 301 });
    const large = await makeImage('png', { width: 400, height: 300, scene: 302 });
    const inlineMax = 4096;
    assert.ok(
      small.length <= inlineMax && large.length > inlineMax,
      'the fixtures straddle the limit',
    );
    const folder = await mkdtemp(path.join(tmpdir(), 'tessera-send-'));
    try {
      await writeFile(path.join(folder, 'small.jpg'), small);
      await writeFile(path.join(folder, 'large.png'), large);
      await writeFile(path.join(folder, '.hidden.jpg'), small);
      const config = configFor(topic, { STREAM_INLINE_MAX_BYTES: String(inlineMax) });
      const sent = await stream(config, ['send', folder, '--owner', 'sender']);
      assert.equal(sent.code, 0);
      assert.equal(sent.out, `2 sent (1 inline, 1 by claim check) to ${topic}.`);

      const records = await readAll(topic);
      assert.equal(records.length, 2);
      const inline = records.find((r) => r.headers.filename === 'small.jpg');
      assert.equal(inline?.key, sha256(small));
      assert.deepEqual(inline?.headers, { owner: 'sender', filename: 'small.jpg' });
      assert.deepEqual(inline?.value, small);
      const claimed = records.find((r) => r.headers.filename === 'large.png');
      assert.equal(claimed?.key, sha256(large));
      assert.equal(claimed?.value.length, 0);
      assert.match(claimed?.headers.claim ?? '', /^incoming\/stream\/[0-9a-f-]{36}$/);
      const store = await openStore(config, silent);
      assert.deepEqual(await store.get(claimed?.headers.claim ?? ''), large, 'put before sending');

      // The consumer takes both, the claim from the store.
      const stop = await consume(config, store);
      try {
        await until('both images stored', async () => (await streamedCount(topic)) === 2);
      } finally {
        await stop();
      }

      // What cannot be sent is said, and the command fails; the owner is checked, not looked up.
      await writeFile(path.join(folder, 'empty.jpg'), '');
      const partly = await stream(config, [
        'send',
        path.join(folder, 'empty.jpg'),
        path.join(folder, 'missing.jpg'),
        path.join(folder, 'small.jpg'),
        '--owner',
        'nobody-yet',
      ]);
      assert.equal(partly.code, 1);
      assert.match(partly.out, /^not sent {2}.*empty\.jpg {2}empty$/m);
      assert.match(partly.out, /^not sent {2}.*missing\.jpg {2}cannot be read \(ENOENT\)$/m);
      assert.match(partly.out, /1 sent \(1 inline, 0 by claim check\) to send-test; 2 not sent\.$/);
      await assert.rejects(stream(config, ['send', folder, '--owner', 'no spaces']), UsageError);
      await assert.rejects(stream(config, ['send', folder]), UsageError);
      await assert.rejects(stream(config, ['send', '--owner', 'sender']), UsageError);
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });

  test('send: the same large photo from two owners, and from one of them twice, is stored for each', async () => {
    const topic = 'shared-claim-test';
    const config = configFor(topic);
    await addPrincipal(bed.db, { name: 'second-sender', role: 'engineer' });
    const photo = noisePng(840, 840, 331);
    assert.ok(photo.length > 2 * 1024 * 1024, `a 2 MB photo (${photo.length} bytes)`);
    assert.ok(photo.length > (config.stream?.inlineMaxBytes ?? 0), 'too large to go inline');
    const folder = await mkdtemp(path.join(tmpdir(), 'tessera-shared-'));
    try {
      const file = path.join(folder, 'photo.png');
      await writeFile(file, photo);
      for (const owner of ['sender', 'second-sender', 'sender', 'ghost']) {
        const sent = await stream(config, ['send', file, '--owner', owner]);
        assert.equal(sent.out, `1 sent (0 inline, 1 by claim check) to ${topic}.`);
      }
      const claims = (await readAll(topic)).map((r) => r.headers.claim);
      assert.equal(new Set(claims).size, 4, 'a claim for each record');

      const store = await openStore(config, silent);
      const incoming = async () => {
        const keys: string[] = [];
        for await (const object of store.list('incoming/')) keys.push(object.key);
        return keys;
      };
      const stop = await consume(config, store);
      try {
        await until('every record handled', async () => (await lag(topic)) === 0);
        // Each claim removed once its record is done; ghost's kept for a replay.
        await until('the spent claims removed', async () => (await incoming()).length === 1);
      } finally {
        await stop();
      }
      const owners = await bed.db.query(
        `select p.name from images.images i join gateway.principals p on p.principal_id::text = i.owner_id
         where i.sha256 = $1 order by 1`,
        [sha256(photo)],
      );
      assert.deepEqual(owners.rows, [{ name: 'second-sender' }, { name: 'sender' }]);
      assert.equal(await held(dlqTopic(topic)), 1, 'only the letter for ghost');
      const [letter] = await readAll(dlqTopic(topic));
      assert.equal(letter?.headers['error-code'], 'unknown_owner');
      assert.deepEqual(await incoming(), [letter?.headers.claim]);

      // A claim no record came back for is the sweeper's, in its own folder too.
      assert.equal((await sweep({ db: bed.db, store })).claimsDeleted, 0, 'a fresh claim waits');
      assert.equal((await sweep({ db: bed.db, store }, { claimLifetime: 0 })).claimsDeleted, 1);
      assert.deepEqual(await incoming(), []);
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });

  test('status, dlq list and dlq replay --owner, once per letter', async () => {
    const topic = 'dlq-test';
    const config = configFor(topic);
    const store = await openStore(config, silent);
    const folder = await mkdtemp(path.join(tmpdir(), 'tessera-dlq-'));
    try {
      const good = await makeImage('webp', { width: 120, height: 90, scene: 311 });
      const orphan = await makeImage('jpeg', { width: 120, height: 90, scene: 312 });
      await writeFile(path.join(folder, 'good.webp'), good);
      await writeFile(path.join(folder, 'notes.jpg'), 'not a picture at all');
      await writeFile(path.join(folder, 'orphan.jpg'), orphan);
      const send = (file: string, owner: string) =>
        stream(config, ['send', path.join(folder, file), '--owner', owner]);
      assert.equal((await send('good.webp', 'sender')).code, 0);
      assert.equal((await send('notes.jpg', 'sender')).code, 0);
      assert.equal((await send('orphan.jpg', 'ghost')).code, 0);

      const waiting = await stream(config, ['status']);
      assert.match(waiting.out, /^topic dlq-test, consumer group dlq-test-group$/m);
      assert.match(waiting.out, /^partition +committed +latest +lag$/m);
      assert.equal(waiting.out.match(/^ *\d+ +- +\d+ +\d+$/gm)?.length, 4, 'four partitions');
      assert.match(waiting.out, /^lag: 3 record\(s\) not yet consumed$/m);
      assert.match(waiting.out, /^dead letters: 0 in dlq-test\.dlq$/m);
      assert.match(waiting.out, /^last 5 minutes: 0 image\(s\) stored from dlq-test/m);

      let stop = await consume(config, store);
      try {
        await until(
          'one image and two letters',
          async () => (await streamedCount(topic)) === 1 && (await held(dlqTopic(topic))) === 2,
        );
      } finally {
        await stop();
      }

      const done = await stream(config, ['status']);
      assert.match(done.out, /^lag: 0 record\(s\) not yet consumed$/m);
      assert.match(done.out, /^dead letters: 2 in dlq-test\.dlq \(2 not replayed yet\)$/m);
      assert.match(done.out, /^last 5 minutes: 1 image\(s\) stored from dlq-test \(0\.00\/s, /m);

      const listed = await stream(config, ['dlq', 'list']);
      assert.match(listed.out, /^letter +failed at +code +from +owner +filename +size +reason$/m);
      assert.match(
        listed.out,
        /^\d@\d+ +\S+Z +not_an_image +dlq-test\/\d@\d+ +sender +notes\.jpg +20 B +This file is not an image/m,
      );
      assert.match(
        listed.out,
        /^\d@\d+ +\S+Z +unknown_owner +dlq-test\/\d@\d+ +ghost +orphan\.jpg +[\d.]+ kB +There is no principal named ghost\.$/m,
      );
      assert.match(listed.out, /^2 dead letter\(s\) in dlq-test\.dlq, 2 not replayed yet\.$/m);

      const sent = new Set((await readAll(topic)).map((r) => `${r.partition}@${r.offset}`));
      const replayed = await stream(config, ['dlq', 'replay', '--owner', 'sender']);
      assert.match(replayed.out, /^2 dead letter\(s\) replayed to dlq-test as sender; /);
      const again = await stream(config, ['dlq', 'replay']);
      assert.match(
        again.out,
        /^0 dead letter\(s\) replayed/,
        'a second replay sends nothing again',
      );
      const back = (await readAll(topic)).filter((r) => !sent.has(`${r.partition}@${r.offset}`));
      assert.equal(back.length, 2);
      for (const record of back) {
        assert.equal(record.headers.owner, 'sender');
        assert.deepEqual(Object.keys(record.headers).sort(), ['filename', 'owner']);
      }
      assert.deepEqual(back.find((r) => r.headers.filename === 'orphan.jpg')?.value, orphan);

      // Another try: the orphan is stored as sender's, the text is refused again.
      stop = await consume(config, store);
      try {
        await until('the orphan stored', async () => (await streamedCount(topic)) === 2);
        await until('the text refused again', async () => (await held(dlqTopic(topic))) === 3);
      } finally {
        await stop();
      }
      const owner = await bed.db.query(
        `select p.name from images.images i join gateway.principals p on p.principal_id::text = i.owner_id where i.original_name = 'orphan.jpg'`,
      );
      assert.deepEqual(owner.rows, [{ name: 'sender' }]);
      const relisted = await stream(config, ['dlq', 'list']);
      assert.equal(relisted.out.match(/\(replayed\)/g)?.length, 2);
      assert.match(relisted.out, /^3 dead letter\(s\) in dlq-test\.dlq, 1 not replayed yet\.$/m);
      await assert.rejects(stream(config, ['dlq', 'list', '--owner', 'sender']), UsageError);
      await assert.rejects(stream(config, ['dlq', 'purge']), UsageError);
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });

  test('dlq list shows the size of a claim-checked letter from the store', async () => {
    const topic = 'claim-dlq-test';
    const config = configFor(topic, { STREAM_INLINE_MAX_BYTES: '1024' });
    const folder = await mkdtemp(path.join(tmpdir(), 'tessera-claim-'));
    try {
      const big = await makeImage('png', { width: 200, height: 150, scene: 321 });
      await writeFile(path.join(folder, 'big.png'), big);
      await stream(config, ['send', folder, '--owner', 'ghost']);
      const stop = await consume(config, await openStore(config, silent));
      try {
        await until('the letter', async () => (await held(dlqTopic(topic))) === 1);
      } finally {
        await stop();
      }
      const listed = await stream(config, ['dlq', 'list']);
      const kb = (big.length / 1024).toFixed(1);
      assert.match(listed.out, new RegExp(` ghost +big\\.png +${kb} kB \\(claim\\) +There is no`));
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });

  test('topics create: missing topics are created, existing ones left as they are', async () => {
    const config = configFor('topics-test');
    const before = await stream(config, ['status']);
    assert.match(
      before.out,
      /^The topic topics-test does not exist yet: tessera stream topics create$/m,
    );
    assert.match(before.out, /^dead letters: 0 in topics-test\.dlq$/m);
    const first = await stream(config, [
      'topics',
      'create',
      '--partitions',
      '3',
      '--retention',
      '2d',
    ]);
    assert.match(first.out, /^created {2}topics-test {2}\d+ partition\(s\), retention 2d$/m);
    assert.match(first.out, /^created {2}topics-test\.dlq {2}\d+ partition\(s\), retention 2d$/m);
    const second = await stream(config, ['topics', 'create']);
    assert.match(second.out, /^exists {3}topics-test {2}\d+ partition\(s\) \(left as it is\)$/m);
    assert.match(
      second.out,
      /^exists {3}topics-test\.dlq {2}\d+ partition\(s\) \(left as it is\)$/m,
    );
    for (const bad of [
      ['--partitions', '0'],
      ['--retention', '7x'],
      ['--partitions', 'many'],
    ]) {
      await assert.rejects(stream(config, ['topics', 'create', ...bad]), UsageError);
    }
    await assert.rejects(stream(config, ['topics', 'delete']), UsageError);
  });

  test('brokers that cannot be reached, or none configured, are said plainly', async () => {
    const closed = loadConfig({
      DATABASE_URL: bed.database.url,
      TESSERA_DATA_DIR: home,
      KAFKA_BROKERS: `127.0.0.1:${await freePort()}`,
    });
    await assert.rejects(stream(closed, ['status']), (error: unknown) => {
      assert.ok(error instanceof AppError);
      assert.equal(error.code, 'kafka_unreachable');
      assert.match(error.message, /^Kafka brokers 127\.0\.0\.1:\d+ cannot be reached: /);
      return true;
    });
    const off = loadConfig({ DATABASE_URL: bed.database.url, TESSERA_DATA_DIR: home });
    await assert.rejects(
      stream(off, ['dlq', 'list']),
      /Stream ingestion is off: set KAFKA_BROKERS/,
    );
  });
});
