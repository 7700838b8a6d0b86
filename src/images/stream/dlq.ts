import type { IncomingRecord, Producer } from './kafka.ts';

export const dlqTopic = (topic: string) => `${topic}.dlq`;

/**
 * Sends a refused record to `<topic>.dlq`: its value and headers as they came, plus why (`error`,
 * in words, and `error-code`) and where from, so it can be inspected and replayed.
 */
export async function deadLetter(
  producer: Producer,
  record: IncomingRecord,
  code: string,
  reason: string,
): Promise<void> {
  await producer.send(dlqTopic(record.topic), [
    {
      ...(record.key ? { key: record.key } : {}),
      value: record.value,
      headers: {
        ...record.headers,
        error: reason,
        'error-code': code,
        'source-topic': record.topic,
        'source-partition': String(record.partition),
        'source-offset': record.offset,
        'failed-at': new Date().toISOString(),
      },
    },
  ]);
}
