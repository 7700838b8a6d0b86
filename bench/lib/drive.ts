// Driving a workload: `concurrency` loops take the next item until none are left.
import { performance } from 'node:perf_hooks';

/**
 * Runs `work` on every item, `concurrency` at a time; resolves with each item's latency (ms, in
 * the items' order) and the time for all. After a failure no item starts, and `name` failed.
 */
export async function driveAll<T>(
  name: string,
  items: T[],
  concurrency: number,
  work: (item: T) => Promise<void>,
): Promise<{ latencies: number[]; ms: number }> {
  const latencies: number[] = new Array(items.length);
  let next = 0;
  let failed = false;
  const start = performance.now();
  const loops = await Promise.allSettled(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      for (let i = next++; i < items.length && !failed; i = next++) {
        const began = performance.now();
        try {
          await work(items[i] as T);
          latencies[i] = performance.now() - began;
        } catch (error) {
          failed = true;
          throw error;
        }
      }
    }),
  );
  const ms = performance.now() - start;
  const failure = loops.find((l): l is PromiseRejectedResult => l.status === 'rejected');
  if (failure) throw new Error(`${name} failed`, { cause: failure.reason });
  return { latencies, ms };
}
