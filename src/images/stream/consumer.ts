// The consumer loop: thin, around handleRecord. A record's offset is committed only after its
// image and metadata are durable, or after it is safely in the dead-letter topic; a record seen
// again after a crash or rebalance is recognised by its content hash, so nothing is lost and
// nothing is stored twice. No record stalls its partition: one that keeps failing the same way
// goes to the dead-letter topic after `maxAttempts`; only a dependency's failure (the database or
// the store away) is waited out, however long, with the partition marked stalled meanwhile.
import { describeFailure, isDependencyFailure } from '../../platform/failures.ts';
import type { Logger } from '../../platform/log.ts';
import type { IntakeDeps } from '../intake.ts';
import { deadLetter } from './dlq.ts';
import { handleRecord, type RecordOutcome } from './handle-record.ts';
import type { BatchHandler, Consumer, IncomingRecord, KafkaClient, Producer } from './kafka.ts';
import type { StreamMetrics } from './metrics.ts';

export type StreamDeps = {
  kafka: KafkaClient;
  producer: Producer;
  intake: IntakeDeps;
  topic: string;
  group: string;
  /** Partitions processed at once; each partition stays in order. */
  concurrency: number;
  /** Tries of a record that fails other than by a dependency, before it is dead-lettered. */
  maxAttempts: number;
  metrics: StreamMetrics;
  log: Logger;
};

export type IngestConsumer = Consumer & {
  /** The partitions waiting for a dependency to come back, each since when. */
  stalled(): { partition: number; since: string }[];
};

type Batch = Parameters<BatchHandler>[0];

// Waits between tries: doubling from the first, never longer than the cap.
const firstWaitMs = 250;
const longestWaitMs = 10_000;
const backoff = (tries: number) => Math.min(longestWaitMs, firstWaitMs * 2 ** (tries - 1));

export async function startConsumer(deps: StreamDeps): Promise<IngestConsumer> {
  const stalled = new Map<number, string>();
  const consumer = await deps.kafka.consume(
    deps.topic,
    deps.group,
    {
      concurrency: deps.concurrency,
      fromBeginning: true,
      onAssigned: (partitions) => deps.metrics.assigned.set(partitions.length),
    },
    async (batch) => {
      for (const record of batch.records) {
        // Stopping: leave the rest uncommitted; they come again to whoever owns the partition next.
        if (!batch.isRunning()) return;
        const started = process.hrtime.bigint();
        deps.metrics.consumed.inc();
        const outcome = await settle(deps, batch, record, stalled);
        if (!outcome) return;
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
        if (outcome.kind !== 'dead' && outcome.spentClaim)
          await removeClaim(deps, outcome.spentClaim);
        deps.metrics.latency.observe(Number(process.hrtime.bigint() - started) / 1e9);
        await batch.heartbeat();
      }
    },
  );
  return {
    ...consumer,
    stalled: () => [...stalled].map(([partition, since]) => ({ partition, since })),
  };
}

/**
 * Handles the record until it has an outcome: tried again without end while a dependency fails,
 * and up to `maxAttempts` times otherwise, then dead-lettered with the last error in words.
 * Undefined when the partition is no longer ours (stopping, or a rebalance) before that.
 */
async function settle(
  deps: StreamDeps,
  batch: Batch,
  record: IncomingRecord,
  stalled: Map<number, string>,
): Promise<RecordOutcome | undefined> {
  const where = { partition: record.partition, offset: record.offset };
  let failures = 0;
  let outages = 0;
  try {
    for (;;) {
      let wait: number;
      try {
        return await handleRecord(deps.intake, record);
      } catch (error) {
        const reason = describeFailure(error);
        if (isDependencyFailure(error)) {
          outages += 1;
          if (!stalled.has(record.partition))
            stalled.set(record.partition, new Date().toISOString());
          deps.metrics.retries.inc({ kind: 'dependency' });
          deps.log.warn(
            { ...where, outages, reason },
            'a dependency failed; trying the record again',
          );
          wait = backoff(outages);
        } else {
          failures += 1;
          stalled.delete(record.partition);
          if (failures >= deps.maxAttempts) {
            deps.log.error({ ...where, err: error }, 'the record failed every try');
            return {
              kind: 'dead',
              code: 'failed_repeatedly',
              reason: `Failed ${failures === 1 ? 'once' : `${failures} times`}; the last time: ${reason}`,
            };
          }
          deps.metrics.retries.inc({ kind: 'record' });
          deps.log.warn({ ...where, failures, reason }, 'the record failed; trying it again');
          wait = backoff(failures);
        }
        deps.metrics.stalled.set(stalled.size);
      }
      // What waits behind this record shows at once, not at the next refresh from the brokers.
      deps.metrics.lag.set(
        { partition: String(record.partition) },
        Number(BigInt(batch.highWatermark) - BigInt(record.offset)),
      );
      if (!(await pause(batch, wait))) return undefined;
    }
  } finally {
    stalled.delete(record.partition);
    deps.metrics.stalled.set(stalled.size);
  }
}

/** Sleeps `ms`, heartbeating so the group keeps the partition; false if it is no longer ours. */
async function pause(batch: Batch, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (batch.isRunning()) {
    const left = until - Date.now();
    if (left <= 0) return true;
    await new Promise((resolve) => setTimeout(resolve, Math.min(left, 500)));
    await batch.heartbeat();
  }
  return false;
}

/** The record is committed, so its claim is spent; one left behind is the sweeper's. */
async function removeClaim(deps: StreamDeps, key: string): Promise<void> {
  await deps.intake.store.delete(key).catch((error) => {
    deps.log.warn({ key, err: error }, 'a spent claim could not be removed; the sweeper will');
  });
}
