// The dead-letter topic as the engineers see it: each letter with why it was refused and where it
// came from, and a replay that sends letters back to the topic for another try. A consumer group
// of its own, `<group>.dlq-replay`, commits what was replayed, so a second replay goes on from
// there instead of sending the same letters again.
import { dlqTopic } from './dlq.ts';
import type { IncomingRecord, KafkaClient, Producer } from './kafka.ts';

/** The headers deadLetter adds; a replayed record goes back without them. */
export const errorHeaders = [
  'error',
  'error-code',
  'source-topic',
  'source-partition',
  'source-offset',
  'failed-at',
] as const;

export const replayGroup = (group: string) => `${group}.dlq-replay`;

export type DeadLetter = {
  /** Where the letter is in the dead-letter topic. */
  partition: number;
  offset: string;
  code: string;
  reason: string;
  origin: { topic: string; partition: string; offset: string };
  failedAt: string | undefined;
  owner: string | undefined;
  filename: string | undefined;
  /** The store key of a claim-checked image (the value is then empty). */
  claim: string | undefined;
  /** Bytes of the record's value: the image, when it travelled inline. */
  bytes: number;
  /** Already sent back to the topic by a replay. */
  replayed: boolean;
};

/** Every letter held in `<topic>.dlq`, oldest first in each partition. */
export async function listDeadLetters(
  kafka: KafkaClient,
  topic: string,
  group: string,
): Promise<DeadLetter[]> {
  const replayedUpTo = await replayedOffsets(kafka, topic, group);
  if (!replayedUpTo) return [];
  const letters: DeadLetter[] = [];
  await kafka.readToEnd(dlqTopic(topic), {}, async (record) => {
    letters.push(describe(record, replayedUpTo.get(record.partition) ?? -1n));
  });
  return letters.sort(
    (a, b) => a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset)),
  );
}

/**
 * Sends the letters not replayed yet back to `topic`: the same key, value and headers, less the
 * error headers, with the owner replaced when `owner` is given. Resolves with how many.
 */
export async function replayDeadLetters(
  kafka: KafkaClient,
  producer: Producer,
  input: { topic: string; group: string; owner?: string | undefined },
  onEach: (record: IncomingRecord) => void = () => {},
): Promise<number> {
  return kafka.readToEnd(
    dlqTopic(input.topic),
    { group: replayGroup(input.group) },
    async (record) => {
      const headers = { ...record.headers };
      for (const name of errorHeaders) delete headers[name];
      if (input.owner) headers.owner = input.owner;
      await producer.send(input.topic, [
        { ...(record.key ? { key: record.key } : {}), value: record.value, headers },
      ]);
      onEach(record);
    },
  );
}

/** Per dead-letter partition, the offset a replay has reached; undefined when there is no such topic. */
async function replayedOffsets(
  kafka: KafkaClient,
  topic: string,
  group: string,
): Promise<Map<number, bigint> | undefined> {
  const admin = await kafka.admin();
  try {
    if (!(await admin.topicOffsets(dlqTopic(topic)))) return undefined;
    const lag = await admin.lag(dlqTopic(topic), replayGroup(group));
    return new Map(lag.map((p) => [p.partition, BigInt(p.committed)]));
  } finally {
    await admin.close();
  }
}

function describe(record: IncomingRecord, replayedUpTo: bigint): DeadLetter {
  const h = record.headers;
  return {
    partition: record.partition,
    offset: record.offset,
    code: h['error-code'] ?? 'unknown',
    reason: h.error ?? '(no reason recorded)',
    origin: {
      topic: h['source-topic'] ?? '?',
      partition: h['source-partition'] ?? '?',
      offset: h['source-offset'] ?? '?',
    },
    failedAt: h['failed-at'],
    owner: h.owner,
    filename: h.filename,
    claim: h.claim,
    bytes: record.value.length,
    replayed: BigInt(record.offset) < replayedUpTo,
  };
}
