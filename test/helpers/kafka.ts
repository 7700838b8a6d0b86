// A Kafka-protocol broker for tests: librdkafka's mock cluster, started by Debian's
// python3-confluent-kafka (run with /usr/bin/python3, the interpreter that sees Debian's modules).
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export type MockKafka = { brokers: string[]; close(): Promise<void> };

const script = fileURLToPath(new URL('./kafka-mock-cluster.py', import.meta.url));

export const kafkaAvailable = existsSync('/usr/lib/python3/dist-packages/confluent_kafka');

export async function startMockKafka(brokers = 1): Promise<MockKafka> {
  const child: ChildProcess = spawn('/usr/bin/python3', [script, String(brokers)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const line = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error('the mock Kafka cluster did not start')),
      15_000,
    );
    child.stdout?.once('data', (data) => {
      clearTimeout(timer);
      resolve(String(data).trim());
    });
    child.once('exit', (code) => reject(new Error(`the mock Kafka cluster exited (${code})`)));
  });
  return {
    brokers: line.split(','),
    async close() {
      child.stdin?.end();
      child.kill();
      await new Promise((resolve) => child.once('exit', resolve));
    },
  };
}
