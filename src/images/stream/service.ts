// `tessera serve stream-ingest`: the consumer group, with health, readiness and metrics over HTTP.
import type { Config } from '../../platform/config.ts';
import { createPool } from '../../platform/db/pool.ts';
import { AppError } from '../../platform/errors.ts';
import { listen } from '../../platform/http/listen.ts';
import { createHttpApp } from '../../platform/http/server.ts';
import type { Logger } from '../../platform/log.ts';
import { defaultImageLimits } from '../processing/limits.ts';
import type { RunningService } from '../run.ts';
import { openStore } from '../storage.ts';
import { startConsumer } from './consumer.ts';
import { dlqTopic } from './dlq.ts';
import { connectKafka } from './kafka.ts';
import { createStreamMetrics } from './metrics.ts';

export function streamSettings(config: Config) {
  if (!config.stream)
    throw new AppError(
      'stream_off',
      400,
      'Stream ingestion is off: set KAFKA_BROKERS=host:port,… (and STREAM_TOPIC, default images).',
    );
  return config.stream;
}

export async function runStreamIngest(
  config: Config,
  log: Logger,
  databaseUrl: string,
  port?: number,
): Promise<RunningService> {
  const settings = streamSettings(config);
  const serviceLog = log.child({ service: 'stream-ingest' });
  const kafka = connectKafka(settings, serviceLog, 'tessera-stream-ingest');
  const admin = await kafka.admin();
  await admin.ensureTopics([
    { topic: settings.topic, partitions: 4 },
    { topic: dlqTopic(settings.topic), partitions: 1 },
  ]);
  const db = createPool(databaseUrl, { max: 6, applicationName: 'tessera-stream-ingest' });
  const metrics = createStreamMetrics();
  const producer = await kafka.producer();
  const intake = {
    db,
    store: await openStore(config, serviceLog),
    limits: defaultImageLimits,
    retention: config.images.retention,
    log: serviceLog,
  };
  const consumer = await startConsumer({
    kafka,
    producer,
    intake,
    topic: settings.topic,
    group: settings.group,
    concurrency: 2,
    maxAttempts: settings.maxAttempts,
    metrics,
    log: serviceLog,
  });
  let crashed = false;
  consumer.crashed.then((error) => {
    crashed = true;
    serviceLog.error({ err: error }, 'the consumer stopped for good');
  });
  const refreshLag = async () => {
    for (const p of await admin.lag(settings.topic, settings.group).catch(() => []))
      metrics.lag.set({ partition: String(p.partition) }, p.lag);
  };
  const timer = setInterval(refreshLag, 15_000);
  timer.unref();

  const app = createHttpApp({ log: serviceLog, trustProxy: [] });
  app.get('/health', async () => ({ ok: true }));
  // Not ready while the consumer is gone, or a partition waits for the database or the store.
  app.get('/ready', async (_request, reply) => {
    const stalled = consumer.stalled();
    const ready = !crashed && stalled.length === 0;
    return reply.status(ready ? 200 : 503).send({ ready, crashed, stalled });
  });
  app.get('/metrics', async (_request, reply) => {
    await refreshLag();
    return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  const url = await listen(app, { host: config.images.api.host, port: port ?? settings.port });
  serviceLog.info({ topic: settings.topic, group: settings.group }, 'consuming');
  return {
    url,
    async close() {
      clearInterval(timer);
      // In-flight records finish; what is not committed comes again to the next consumer.
      await consumer.stop();
      await producer.close();
      await admin.close();
      await app.close();
      await db.end();
    },
  };
}
