import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

export type StreamMetrics = ReturnType<typeof createStreamMetrics>;

export function createStreamMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    consumed: new Counter({
      name: 'stream_records_consumed_total',
      help: 'Records taken from the topic',
      registers: [registry],
    }),
    stored: new Counter({
      name: 'stream_images_stored_total',
      help: 'Records stored as images (or found to be one already)',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    deadLettered: new Counter({
      name: 'stream_records_dead_lettered_total',
      help: 'Records refused and sent to the dead-letter topic',
      labelNames: ['reason'],
      registers: [registry],
    }),
    retries: new Counter({
      name: 'stream_record_retries_total',
      help: 'Records tried again: kind dependency (the database or store failing, retried without end) or record (a few times, then dead-lettered)',
      labelNames: ['kind'],
      registers: [registry],
    }),
    assigned: new Gauge({
      name: 'stream_partitions_assigned',
      help: 'Partitions of the topic this instance holds in its consumer group (since the last rebalance)',
      registers: [registry],
    }),
    stalled: new Gauge({
      name: 'stream_partitions_stalled',
      help: 'Partitions waiting for the database or the object store to come back',
      registers: [registry],
    }),
    latency: new Histogram({
      name: 'stream_record_duration_seconds',
      help: 'Time to handle one record',
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    lag: new Gauge({
      name: 'stream_partition_lag',
      help: 'Records not yet committed, per partition',
      labelNames: ['partition'],
      registers: [registry],
    }),
  };
}
