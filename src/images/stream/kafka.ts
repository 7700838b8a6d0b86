// The only module that imports kafkajs: a small surface the rest of Tessera uses, so a switch to
// another client (Confluent's has the same API) touches this file alone. Production uses Kafka or
// Amazon MSK; the tests use librdkafka's mock cluster, a real Kafka-protocol broker.
import { randomUUID } from 'node:crypto';
import { Kafka, type KafkaConfig, logLevel, type SASLOptions } from 'kafkajs';
import { AppError } from '../../platform/errors.ts';
import type { Logger } from '../../platform/log.ts';

export type KafkaSettings = {
  brokers: readonly string[];
  ssl: boolean;
  auth: 'none' | 'scram-sha-256' | 'scram-sha-512' | 'aws-iam';
  username?: string | undefined;
  password?: string | undefined;
  region?: string | undefined;
};

export type OutgoingRecord = {
  key?: string;
  value: Buffer;
  /** Text, or bytes as they are (a header need not be UTF-8 on the wire). */
  headers: Record<string, string | Buffer>;
};
export type IncomingRecord = {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: Buffer;
  headers: Record<string, string>;
};

export type Producer = {
  send(topic: string, records: OutgoingRecord[]): Promise<void>;
  close(): Promise<void>;
};

export type BatchHandler = (batch: {
  topic: string;
  partition: number;
  records: IncomingRecord[];
  /** The partition's next offset when the batch was fetched: its end, for the lag. */
  highWatermark: string;
  /** Marks a record done: the offset after it is committed. */
  commit(record: IncomingRecord): Promise<void>;
  isRunning(): boolean;
  heartbeat(): Promise<void>;
}) => Promise<void>;

export type Consumer = { stop(): Promise<void>; crashed: Promise<Error> };

export type PartitionLag = { partition: number; committed: string; latest: string; lag: number };

export type PartitionOffsets = { partition: number; low: string; high: string };

export type ReadOptions = {
  /** Read from this group's committed offsets and commit each record handled; without it, read from the beginning and commit nothing. */
  group?: string;
  /** Give up when no record has come for this long (default 30 s). */
  idleMs?: number;
};

export function connectKafka(settings: KafkaSettings, log: Logger, clientId = 'tessera') {
  const kafka = new Kafka(clientConfig(settings, clientId, log));
  return {
    async producer(): Promise<Producer> {
      const producer = kafka.producer({ allowAutoTopicCreation: true, idempotent: false });
      await reach(() => producer.connect(), settings);
      return {
        async send(topic, records) {
          await producer.send({
            topic,
            messages: records.map((r) => ({
              key: r.key ?? null,
              value: r.value,
              headers: r.headers,
            })),
          });
        },
        close: () => producer.disconnect(),
      };
    },

    /** Consumes `topic` in `group`; one partition's records are handled in order, partitions in parallel. */
    async consume(
      topic: string,
      group: string,
      options: {
        concurrency: number;
        fromBeginning: boolean;
        /** Told the partitions of `topic` this member holds after each rebalance. */
        onAssigned?: (partitions: number[]) => void;
      },
      handle: BatchHandler,
    ): Promise<Consumer> {
      const consumer = kafka.consumer({
        groupId: group,
        maxBytesPerPartition: 16 * 1024 * 1024,
        sessionTimeout: 10_000,
        // A broker answers a fetch as soon as there is data; some (librdkafka's mock) only at the
        // maximum wait, so a short one keeps new records from waiting seconds in either case.
        maxWaitTimeInMs: 100,
        heartbeatInterval: 1000,
      });
      let crash: (error: Error) => void = () => {};
      const crashed = new Promise<Error>((resolve) => {
        crash = resolve;
      });
      consumer.on(consumer.events.CRASH, (event) => {
        if (!event.payload.restart) crash(event.payload.error);
      });
      consumer.on(consumer.events.GROUP_JOIN, (event) => {
        options.onAssigned?.([...(event.payload.memberAssignment[topic] ?? [])]);
      });
      await reach(() => consumer.connect(), settings);
      await consumer.subscribe({ topic, fromBeginning: options.fromBeginning });
      await consumer.run({
        autoCommit: false,
        partitionsConsumedConcurrently: options.concurrency,
        eachBatchAutoResolve: false,
        eachBatch: async ({
          batch,
          resolveOffset,
          commitOffsetsIfNecessary,
          heartbeat,
          isRunning,
          isStale,
        }) => {
          await handle({
            topic: batch.topic,
            partition: batch.partition,
            highWatermark: batch.highWatermark,
            records: batch.messages.map((m) => ({
              topic: batch.topic,
              partition: batch.partition,
              offset: m.offset,
              key: m.key ? m.key.toString() : null,
              value: m.value ?? Buffer.alloc(0),
              headers: headersOf(m.headers),
            })),
            commit: async (record) => {
              resolveOffset(record.offset);
              // The batch's own commit, not consumer.commitOffsets: when the group is rebalancing
              // (another instance joined or left), that one wraps the broker's answer as a
              // non-retriable error and the consumer stops for good; this one lets kafkajs see a
              // rebalance, rejoin, and hand the uncommitted record to its partition's next owner.
              await commitOffsetsIfNecessary({
                topics: [
                  {
                    topic: record.topic,
                    partitions: [
                      {
                        partition: record.partition,
                        offset: (BigInt(record.offset) + 1n).toString(),
                      },
                    ],
                  },
                ],
              });
            },
            isRunning: () => isRunning() && !isStale(),
            heartbeat,
          });
        },
      });
      return { stop: () => consumer.disconnect(), crashed };
    },

    /**
     * Reads `topic` up to where it ended when called, record by record, then stops; resolves with
     * the number handled. With a group, from its committed offsets, each record committed once
     * `handle` is done with it (a second call goes on from there); without, from the beginning
     * under a throwaway group that commits nothing. A `handle` that throws stops the read, with
     * that record and what follows it left uncommitted.
     */
    async readToEnd(
      topic: string,
      options: ReadOptions,
      handle: (record: IncomingRecord) => Promise<void>,
    ): Promise<number> {
      const ends = await pendingEnds(kafka, settings, topic, options.group);
      if (ends.size === 0) return 0;
      const commits = options.group !== undefined;
      const consumer = kafka.consumer({
        groupId: options.group ?? `${clientId}-read-${randomUUID()}`,
        allowAutoTopicCreation: false,
        maxWaitTimeInMs: 500,
      });
      let handled = 0;
      let failure: unknown;
      let finish: (error?: unknown) => void = () => {};
      const finished = new Promise<void>((resolve, reject) => {
        finish = (error) => (error === undefined ? resolve() : reject(error));
      });
      // Awaited below; a failure while still subscribing must not go unhandled meanwhile.
      finished.catch(() => {});
      let idle: NodeJS.Timeout | undefined;
      const idleMs = options.idleMs ?? 30_000;
      const watch = () => {
        clearTimeout(idle);
        idle = setTimeout(
          () =>
            finish(
              new AppError(
                'kafka_read_stalled',
                504,
                `Reading ${topic} stalled: nothing came for ${idleMs / 1000} s.`,
              ),
            ),
          idleMs,
        );
      };
      consumer.on(consumer.events.CRASH, (event) => {
        if (!event.payload.restart) finish(event.payload.error);
      });
      await reach(() => consumer.connect(), settings);
      try {
        watch();
        await consumer.subscribe({ topic, fromBeginning: true });
        await consumer.run({
          autoCommit: false,
          eachMessage: async ({ partition, message }) => {
            const end = ends.get(partition);
            if (failure !== undefined || end === undefined || BigInt(message.offset) >= end) return;
            watch();
            const next = BigInt(message.offset) + 1n;
            try {
              await handle({
                topic,
                partition,
                offset: message.offset,
                key: message.key ? message.key.toString() : null,
                value: message.value ?? Buffer.alloc(0),
                headers: headersOf(message.headers),
              });
              handled += 1;
              if (commits)
                await consumer.commitOffsets([{ topic, partition, offset: next.toString() }]);
            } catch (error) {
              failure = error;
              finish(error);
              return;
            }
            if (next >= end) ends.delete(partition);
            if (ends.size === 0) finish();
          },
        });
        await finished;
        return handled;
      } finally {
        clearTimeout(idle);
        await consumer.disconnect();
      }
    },

    async admin() {
      const admin = kafka.admin();
      await reach(() => admin.connect(), settings);
      return {
        /** Creates the topics that do not exist yet; existing ones are left as they are. */
        async ensureTopics(topics: { topic: string; partitions: number; retentionMs?: number }[]) {
          const existing = new Set(await admin.listTopics());
          const missing = topics.filter((t) => !existing.has(t.topic));
          if (missing.length === 0) return [];
          try {
            await admin.createTopics({
              waitForLeaders: true,
              topics: missing.map((t) => ({
                topic: t.topic,
                numPartitions: t.partitions,
                ...(t.retentionMs
                  ? { configEntries: [{ name: 'retention.ms', value: String(t.retentionMs) }] }
                  : {}),
              })),
            });
          } catch (error) {
            // A cluster without a controller to ask (librdkafka's mock) creates topics on first
            // use instead; asking for their metadata does that, with its default partitions.
            if ((error as Error).name !== 'KafkaJSBrokerNotFound') throw error;
            await admin.fetchTopicMetadata({ topics: missing.map((t) => t.topic) });
          }
          return missing.map((t) => t.topic);
        },
        async lag(topic: string, group: string): Promise<PartitionLag[]> {
          const [latest, committed] = await Promise.all([
            admin.fetchTopicOffsets(topic),
            admin.fetchOffsets({ groupId: group, topics: [topic] }),
          ]);
          const done = new Map(
            (committed[0]?.partitions ?? []).map((p) => [p.partition, p.offset]),
          );
          return latest
            .map((p) => {
              const at = done.get(p.partition) ?? '-1';
              const start = BigInt(p.low);
              const from = at === '-1' ? start : BigInt(at);
              return {
                partition: p.partition,
                committed: at,
                latest: p.high,
                lag: Number(BigInt(p.high) - from),
              };
            })
            .sort((a, b) => a.partition - b.partition);
        },
        /** Each partition's first and next offsets (high - low records are held), or undefined when the topic does not exist. */
        async topicOffsets(topic: string): Promise<PartitionOffsets[] | undefined> {
          if (!(await admin.listTopics()).includes(topic)) return undefined;
          return (await admin.fetchTopicOffsets(topic))
            .map((p) => ({ partition: p.partition, low: p.low, high: p.high }))
            .sort((a, b) => a.partition - b.partition);
        },
        close: () => admin.disconnect(),
      };
    },
  };
}

export type KafkaClient = ReturnType<typeof connectKafka>;

/** The partitions with records past `group`'s committed offsets (all records without a group), and where each ends now. */
async function pendingEnds(
  kafka: Kafka,
  settings: KafkaSettings,
  topic: string,
  group: string | undefined,
): Promise<Map<number, bigint>> {
  const admin = kafka.admin();
  await reach(() => admin.connect(), settings);
  try {
    if (!(await admin.listTopics()).includes(topic)) return new Map();
    const [offsets, committed] = await Promise.all([
      admin.fetchTopicOffsets(topic),
      group ? admin.fetchOffsets({ groupId: group, topics: [topic] }) : [],
    ]);
    const done = new Map(
      (committed[0]?.partitions ?? []).map((p) => [p.partition, BigInt(p.offset)]),
    );
    const ends = new Map<number, bigint>();
    for (const p of offsets) {
      const low = BigInt(p.low);
      const at = done.get(p.partition) ?? -1n;
      if (BigInt(p.high) > (at > low ? at : low)) ends.set(p.partition, BigInt(p.high));
    }
    return ends;
  } finally {
    await admin.disconnect();
  }
}

function clientConfig(settings: KafkaSettings, clientId: string, log: Logger): KafkaConfig {
  return {
    clientId,
    brokers: [...settings.brokers],
    ssl: settings.ssl,
    sasl: sasl(settings),
    connectionTimeout: 5000,
    retry: { retries: 5, initialRetryTime: 200 },
    logLevel: logLevel.WARN,
    logCreator: () => (entry) => {
      const { message, ...extra } = entry.log;
      if (entry.level <= logLevel.ERROR) log.error({ kafka: extra }, message);
      else log.warn({ kafka: extra }, message);
    },
  };
}

function sasl(settings: KafkaSettings): SASLOptions | undefined {
  if (settings.auth === 'scram-sha-256' || settings.auth === 'scram-sha-512') {
    return {
      mechanism: settings.auth,
      username: settings.username ?? '',
      password: settings.password ?? '',
    };
  }
  if (settings.auth === 'aws-iam') {
    return {
      mechanism: 'oauthbearer',
      oauthBearerProvider: async () => {
        // Loaded only when used: MSK's IAM signer (AWS credentials from the usual chain).
        const { generateAuthToken } = await import('aws-msk-iam-sasl-signer-js');
        const token = await generateAuthToken({ region: settings.region ?? 'us-east-1' });
        return { value: token.token };
      },
    };
  }
  return undefined;
}

function headersOf(
  headers: Record<string, Buffer | string | (Buffer | string)[] | undefined> | undefined,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    const first = Array.isArray(value) ? value[0] : value;
    if (first !== undefined) out[name] = first.toString();
  }
  return out;
}

/** Connects, or says plainly that the brokers could not be reached or refused the credentials. */
async function reach(connect: () => Promise<void>, settings: KafkaSettings): Promise<void> {
  try {
    await connect();
  } catch (error) {
    const text = String((error as Error).message ?? error);
    if (/SASL|authenticat/i.test(text)) {
      throw new AppError(
        'kafka_credentials',
        401,
        `Kafka refused the credentials (${settings.auth}): ${text}`,
        { cause: error },
      );
    }
    throw new AppError(
      'kafka_unreachable',
      503,
      `Kafka brokers ${settings.brokers.join(', ')} cannot be reached: ${text}`,
      { cause: error },
    );
  }
}
export type KafkaAdmin = Awaited<ReturnType<KafkaClient['admin']>>;
