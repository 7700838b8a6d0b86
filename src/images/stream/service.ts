// Stream ingestion as a service (`tessera serve stream-ingest`): the consumer group runs beside a
// small HTTP app for health, readiness and metrics.
import type { Config } from '../../platform/config.ts';
import { createPool } from '../../platform/db/pool.ts';
import { AppError } from '../../platform/errors.ts';
import { createHttpApp } from '../../platform/http/server.ts';
import { defineService } from '../../platform/service.ts';
import { openStore } from '../storage.ts';
import { type IngestConsumer, type StreamDeps, startConsumer } from './consumer.ts';
import { dlqTopic } from './dlq.ts';
import { connectKafka, type KafkaAdmin } from './kafka.ts';
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

export type StreamServiceDeps = StreamDeps & {
  admin: KafkaAdmin;
  /** The consumer, once `background` has started it; /ready is 503 until then. */
  running: { consumer?: IngestConsumer; crashed: boolean };
};

export const streamIngestService = defineService<StreamServiceDeps>({
  name: 'stream-ingest',
  summary: 'Stream ingestion (health and metrics)',
  usesDatabase: true,
  enabled: (config) => config.stream !== undefined,
  address: (config) => streamSettings(config),
  async deps({ config, log, databaseUrl }) {
    const settings = streamSettings(config);
    const serviceLog = log.child({ service: 'stream-ingest' });
    const kafka = connectKafka(settings, serviceLog, 'tessera-stream-ingest');
    const admin = await kafka.admin();
    const db = createPool(databaseUrl, {
      max: settings.poolSize,
      applicationName: 'tessera-stream-ingest',
    });
    const close = async () => {
      await admin.close();
      await db.end();
    };
    try {
      await admin.ensureTopics([
        { topic: settings.topic, partitions: 4 },
        { topic: dlqTopic(settings.topic), partitions: 1 },
      ]);
      const store = await openStore(config, serviceLog);
      const producer = await kafka.producer();
      return {
        deps: {
          kafka,
          admin,
          producer,
          intake: {
            db,
            store,
            limits: config.images.limits,
            retention: config.images.retention,
            log: serviceLog,
          },
          topic: settings.topic,
          group: settings.group,
          concurrency: settings.concurrency,
          maxAttempts: settings.maxAttempts,
          metrics: createStreamMetrics(),
          log: serviceLog,
          running: { crashed: false },
        },
        async close() {
          await producer.close();
          await close();
        },
      };
    } catch (error) {
      await close();
      throw error;
    }
  },
  async build(deps) {
    const app = createHttpApp({ log: deps.log, trustProxy: [] });
    app.get('/health', async () => ({ ok: true }));
    // Not ready while the consumer is gone, or a partition waits for the database or the store.
    app.get('/ready', async (_request, reply) => {
      const { consumer, crashed } = deps.running;
      const stalled = consumer?.stalled() ?? [];
      const ready = consumer !== undefined && !crashed && stalled.length === 0;
      return reply.status(ready ? 200 : 503).send({ ready, crashed, stalled });
    });
    app.get('/metrics', async (_request, reply) => {
      await refreshLag(deps);
      return reply
        .type(deps.metrics.registry.contentType)
        .send(await deps.metrics.registry.metrics());
    });
    return app;
  },
  async background(deps) {
    const consumer = await startConsumer(deps);
    deps.running.consumer = consumer;
    consumer.crashed.then((error) => {
      deps.running.crashed = true;
      deps.log.error({ err: error }, 'the consumer stopped for good');
    });
    const timer = setInterval(() => void refreshLag(deps), 15_000);
    timer.unref();
    deps.log.info({ topic: deps.topic, group: deps.group }, 'consuming');
    return {
      async stop() {
        clearInterval(timer);
        // In-flight records finish; what is not committed comes again to the next consumer.
        await consumer.stop();
      },
    };
  },
});

async function refreshLag(deps: StreamServiceDeps): Promise<void> {
  for (const p of await deps.admin.lag(deps.topic, deps.group).catch(() => []))
    deps.metrics.lag.set({ partition: String(p.partition) }, p.lag);
}
