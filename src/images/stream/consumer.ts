// The consumer loop: thin, around handleRecord. A record's offset is committed only after its
// image and metadata are durable, or after it is safely in the dead-letter topic; a record seen
// again after a crash or rebalance is recognised by its content hash, so nothing is lost and
// nothing is stored twice.
import type { Logger } from '../../platform/log.ts';
import type { IntakeDeps } from '../intake.ts';
import { deadLetter } from './dlq.ts';
import { handleRecord } from './handle-record.ts';
import type { Consumer, KafkaClient, Producer } from './kafka.ts';
import type { StreamMetrics } from './metrics.ts';

export type StreamDeps = {
  kafka: KafkaClient;
  producer: Producer;
  intake: IntakeDeps;
  topic: string;
  group: string;
  /** Partitions processed at once; each partition stays in order. */
  concurrency: number;
  metrics: StreamMetrics;
  log: Logger;
};

export async function startConsumer(deps: StreamDeps): Promise<Consumer> {
  return deps.kafka.consume(
    deps.topic,
    deps.group,
    { concurrency: deps.concurrency, fromBeginning: true },
    async (batch) => {
      for (const record of batch.records) {
        // Stopping: leave the rest uncommitted; they come again to whoever owns the partition next.
        if (!batch.isRunning()) return;
        const started = process.hrtime.bigint();
        deps.metrics.consumed.inc();
        const outcome = await handleRecord(deps.intake, record);
        if (outcome.kind === 'dead') {
          await deadLetter(deps.producer, record, outcome.code, outcome.reason);
          deps.metrics.deadLettered.inc({ reason: outcome.code });
          deps.log.warn(
            { partition: record.partition, offset: record.offset, code: outcome.code },
            'record dead-lettered',
          );
        } else {
          deps.metrics.stored.inc({ outcome: outcome.kind });
        }
        await batch.commit(record);
        deps.metrics.latency.observe(Number(process.hrtime.bigint() - started) / 1e9);
        await batch.heartbeat();
      }
    },
  );
}
