// `tessera serve stream-ingest` under faults. A database outage: the record waits, /ready says so
// and the lag shows, and when the database is back the record is stored, not dead-lettered (a
// real PostgreSQL behind a TCP relay the test cuts, connections reset and new ones refused, and
// restores). A row PostgreSQL refuses every time: dead-lettered after STREAM_MAX_ATTEMPTS.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createImageTestbed, type ImageTestbed } from '../../../test/helpers/image-service.ts';
import { makeImage } from '../../../test/helpers/images.ts';
import { kafkaAvailable, type MockKafka, startMockKafka } from '../../../test/helpers/kafka.ts';
import { refusedRowMessage, refuseRowsOf } from '../../../test/helpers/refused-rows.ts';
import { startTcpProxy, type TcpProxy } from '../../../test/helpers/tcp-proxy.ts';
import { until } from '../../../test/helpers/until.ts';
import { describeConfig, loadConfig } from '../../platform/config.ts';
import { createLogger } from '../../platform/log.ts';
import type { RunningService } from '../../platform/service.ts';
import { addPrincipal } from '../gateway/principals.ts';
import { dlqTopic } from './dlq.ts';
import { connectKafka, type IncomingRecord, type KafkaClient } from './kafka.ts';
import { streamIngestService } from './service.ts';

const silent = createLogger('silent');

/** A sample's value in Prometheus text, or undefined when there is none. */
function sample(metrics: string, name: string): number | undefined {
  const line = metrics.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}

describe('stream-ingest under faults', {
  skip: kafkaAvailable ? false : 'python3-confluent-kafka is not installed',
}, () => {
  let kafka: MockKafka;
  let bed: ImageTestbed;
  let proxy: TcpProxy;
  let home: string;
  let service: RunningService;
  let client: KafkaClient;
  const topic = 'outage';

  before(async () => {
    kafka = await startMockKafka();
    bed = await createImageTestbed();
    await addPrincipal(bed.db, { name: 'patient', role: 'engineer' });
    await addPrincipal(bed.db, { name: 'refused', role: 'engineer' });
    const direct = new URL(bed.database.url);
    proxy = await startTcpProxy({ host: direct.hostname, port: Number(direct.port) });
    const relayed = new URL(bed.database.url);
    relayed.port = String(proxy.port);
    home = await mkdtemp(path.join(tmpdir(), 'tessera-outage-'));
    const config = loadConfig({
      DATABASE_URL: relayed.toString(),
      TESSERA_DATA_DIR: home,
      KAFKA_BROKERS: kafka.brokers.join(','),
      STREAM_TOPIC: topic,
      STREAM_GROUP: 'outage-group',
      STREAM_MAX_ATTEMPTS: '2',
    });
    assert.match(
      describeConfig(config)['stream ingestion'] ?? '',
      /a failing record is tried 2 time\(s\), then dead-lettered$/,
    );
    service = await streamIngestService.run(
      { config, log: silent, databaseUrl: relayed.toString(), running: {} },
      { port: 0 },
    );
    client = connectKafka({ brokers: kafka.brokers, ssl: false, auth: 'none' }, silent);
  });
  after(async () => {
    await service?.close();
    await proxy?.close();
    await bed?.close();
    await kafka?.close();
    if (home) await rm(home, { recursive: true, force: true });
  });

  const get = async (route: string) => {
    const response = await fetch(`${service.url}${route}`);
    return { status: response.status, text: await response.text() };
  };
  const stored = async () =>
    (
      await bed.db.query<{ image_id: string }>(
        `select image_id from images.images where original_name = 'waited.jpg'`,
      )
    ).rows;

  /** Records held in `name` (high minus low offsets). */
  const held = async (name: string) => {
    const admin = await client.admin();
    try {
      const offsets = (await admin.topicOffsets(name)) ?? [];
      return offsets.reduce((sum, p) => sum + Number(BigInt(p.high) - BigInt(p.low)), 0);
    } finally {
      await admin.close();
    }
  };
  const letters = () => held(dlqTopic(topic));
  const read = async (name: string) => {
    const records: IncomingRecord[] = [];
    await client.readToEnd(name, {}, async (record) => {
      records.push(record);
    });
    return records;
  };

  test('the record is retried without end, /ready is 503 and the lag shows; then it is stored', async () => {
    // Warm: the service has its connections before they are cut.
    await until('ready', async () => (await get('/ready')).status === 200);
    const producer = await client.producer();
    try {
      await producer.send(topic, [
        {
          key: 'warm-up',
          value: await makeImage('jpeg', { scene: 401 }),
          headers: { owner: 'patient', filename: 'warm-up.jpg' },
        },
      ]);
      await until(
        'the warm-up stored',
        async () =>
          (await bed.db.query(`select 1 from images.images where original_name = 'warm-up.jpg'`))
            .rows.length === 1,
      );

      await proxy.cut();
      await producer.send(topic, [
        {
          key: 'waited',
          value: await makeImage('jpeg', { width: 300, height: 200, scene: 402 }),
          headers: { owner: 'patient', filename: 'waited.jpg' },
        },
      ]);
      const notReady = await until('/ready 503', async () => {
        const ready = await get('/ready');
        return ready.status === 503 && ready;
      });
      const body = JSON.parse(notReady.text) as { ready: boolean; stalled: unknown[] };
      assert.equal(body.ready, false);
      assert.equal(body.stalled.length, 1, 'one partition waits');
      // Well past STREAM_MAX_ATTEMPTS (3): a dependency's failure is not the record's.
      const metrics = await until('more tries than a record gets', async () => {
        const text = (await get('/metrics')).text;
        return (sample(text, 'stream_record_retries_total{kind="dependency"}') ?? 0) >= 5 && text;
      });
      assert.equal(sample(metrics, 'stream_partitions_stalled'), 1);
      const lags = metrics.split('\n').filter((l) => l.startsWith('stream_partition_lag{'));
      assert.equal(
        lags.reduce((sum, l) => sum + Number(l.split(' ')[1]), 0),
        1,
        `the waiting record shows as lag: ${lags.join('; ')}`,
      );
      assert.deepEqual(await stored(), []);

      await proxy.restore();
      await until('the record stored', async () => (await stored()).length === 1);
      await until('ready again', async () => (await get('/ready')).status === 200);
      assert.equal(await letters(), 0, 'nothing dead-lettered');
      const recovered = (await get('/metrics')).text;
      assert.equal(sample(recovered, 'stream_partitions_stalled'), 0);
      assert.ok(
        !recovered.includes('stream_records_dead_lettered_total{'),
        'no dead letter counted',
      );
    } finally {
      await producer.close();
    }
  });

  test('a row PostgreSQL refuses is tried STREAM_MAX_ATTEMPTS times, then dead-lettered; /ready stays 200', async () => {
    const owner = await bed.db.query<{ principal_id: string }>(
      `select principal_id from gateway.principals where name = 'refused'`,
    );
    const trigger = await refuseRowsOf(bed.db, owner.rows[0]?.principal_id ?? '');
    const producer = await client.producer();
    try {
      await producer.send(topic, [
        {
          key: 'refused',
          value: await makeImage('png', { scene: 403 }),
          headers: { owner: 'refused', filename: 'refused.png' },
        },
      ]);
      await until('the letter', async () => (await letters()) === 1);
      const [letter] = await read(dlqTopic(topic));
      assert.equal(
        letter?.headers.error,
        `Failed 2 times; the last time: ${refusedRowMessage} (SQLSTATE 22003)`,
      );
      assert.equal(await trigger.tries(), 2);
      assert.equal(
        (await get('/ready')).status,
        200,
        'a record failing is not the service failing',
      );
      const metrics = (await get('/metrics')).text;
      assert.equal(sample(metrics, 'stream_record_retries_total{kind="record"}'), 1);
    } finally {
      await producer.close();
      await trigger.remove();
    }
  });
});
