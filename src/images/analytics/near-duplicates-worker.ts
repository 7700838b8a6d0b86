// A worker thread that groups near-duplicate hashes for near-duplicates-jobs.ts, one job at a
// time, so the search never holds the image API's event loop. The hashes come as one string of
// 16-digit hashes end to end: one string crosses threads at once, where a million small ones
// would be copied one by one.
import { parentPort } from 'node:worker_threads';
import { type Group, type GroupOptions, nearDuplicateGroups } from './near-duplicates.ts';

export type GroupingJob = { hashes: string; distance: number; options: GroupOptions };
export type GroupingAnswer = { groups: Group[] } | { error: string };

parentPort?.on('message', ({ hashes, distance, options }: GroupingJob) => {
  try {
    const list = Array.from({ length: hashes.length / 16 }, (_, i) =>
      hashes.slice(i * 16, i * 16 + 16),
    );
    parentPort?.postMessage({ groups: nearDuplicateGroups(list, distance, options) });
  } catch (error) {
    parentPort?.postMessage({ error: error instanceof Error ? error.message : String(error) });
  }
});
