// The stream's topics: the image topic and its dead-letter topic, created when missing and left
// as they are when they exist (`tessera stream topics create`, safe to run again).
import { dlqTopic } from './dlq.ts';
import type { KafkaClient } from './kafka.ts';

export type TopicReport = { topic: string; created: boolean; partitions: number | undefined };

export async function createStreamTopics(
  kafka: KafkaClient,
  input: { topic: string; partitions: number; retentionMs: number },
): Promise<TopicReport[]> {
  const admin = await kafka.admin();
  try {
    const wanted = [
      { topic: input.topic, partitions: input.partitions, retentionMs: input.retentionMs },
      // One partition: letters are few, and an engineer reads them in the order they failed.
      { topic: dlqTopic(input.topic), partitions: 1, retentionMs: input.retentionMs },
    ];
    const created = new Set(await admin.ensureTopics(wanted));
    // What the cluster has now, which is not always what was asked (an existing topic keeps its own).
    return await Promise.all(
      wanted.map(async ({ topic }) => ({
        topic,
        created: created.has(topic),
        partitions: (await admin.topicOffsets(topic))?.length,
      })),
    );
  } finally {
    await admin.close();
  }
}
