// How the stream is doing: the consumer group's lag per partition, the dead letters held and not
// yet replayed, and what the stream stored lately.
import type { Db } from '../../platform/db/pool.ts';
import { sql } from '../../platform/db/sql.ts';
import { replayGroup } from './dead-letters.ts';
import { dlqTopic } from './dlq.ts';
import type { KafkaClient, PartitionLag } from './kafka.ts';

export type StreamStatus = {
  topic: string;
  group: string;
  /** Undefined when the topic does not exist. */
  partitions: PartitionLag[] | undefined;
  lag: number;
  deadLetters: { held: number; notReplayed: number };
};

export async function streamStatus(
  kafka: KafkaClient,
  topic: string,
  group: string,
): Promise<StreamStatus> {
  const admin = await kafka.admin();
  try {
    const partitions = (await admin.topicOffsets(topic))
      ? await admin.lag(topic, group)
      : undefined;
    const dlq = await admin.topicOffsets(dlqTopic(topic));
    const held = (dlq ?? []).reduce((sum, p) => sum + Number(BigInt(p.high) - BigInt(p.low)), 0);
    const notReplayed = dlq
      ? (await admin.lag(dlqTopic(topic), replayGroup(group))).reduce((sum, p) => sum + p.lag, 0)
      : 0;
    return {
      topic,
      group,
      partitions,
      lag: (partitions ?? []).reduce((sum, p) => sum + p.lag, 0),
      deadLetters: { held, notReplayed },
    };
  } finally {
    await admin.close();
  }
}

export type RecentIntake = { minutes: number; stored: number; bytes: number };

/** Images the stream stored from `topic` in the last `minutes`. */
export async function recentIntake(db: Db, topic: string, minutes: number): Promise<RecentIntake> {
  const result = await db.query<{ stored: number; bytes: string }>(
    sql(import.meta.url, 'queries/recent-stream-intake.sql'),
    [topic, `${minutes} minutes`],
  );
  const row = result.rows[0];
  return { minutes, stored: row?.stored ?? 0, bytes: Number(row?.bytes ?? 0) };
}
