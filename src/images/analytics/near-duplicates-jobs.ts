// Near-duplicate grouping off the event loop, in a small pool of worker threads: at most `maxJobs`
// jobs at once (one more is refused at once rather than queued behind minutes of work), and a job
// that outlasts its time budget is stopped: its thread is terminated, and the next job starts a
// fresh one. Threads start on first use (a few hundred milliseconds) and are then kept, unref'd.
import { Worker } from 'node:worker_threads';
import type { Group, GroupOptions } from './near-duplicates.ts';
import type { GroupingAnswer, GroupingJob } from './near-duplicates-worker.ts';

export type GroupingLimits = {
  /** Milliseconds a job may take before it is stopped. */
  budget: number;
  /** Jobs running at once, each in its own thread. */
  maxJobs: number;
};

/** Well under the gateway's default timeout (60 s), so the caller hears why, not a bare 504. */
export class GroupingBusy extends Error {}
export class GroupingTimedOut extends Error {}

export type GroupingJobs = {
  /** The groups of `hashes` (16 hex digits each, end to end), as nearDuplicateGroups gives them. */
  run(hashes: string, distance: number, options: GroupOptions): Promise<Group[]>;
  /** Stops every thread, running or idle. */
  close(): Promise<void>;
};

const workerFile = new URL('./near-duplicates-worker.ts', import.meta.url);

export function groupingJobs(limits: GroupingLimits): GroupingJobs {
  const idle = new Set<Worker>();
  const busy = new Set<Worker>();
  const start = () => {
    const worker = new Worker(workerFile);
    worker.unref();
    worker.once('exit', () => {
      idle.delete(worker);
      busy.delete(worker);
    });
    return worker;
  };
  return {
    run(hashes, distance, options) {
      if (busy.size >= limits.maxJobs)
        return Promise.reject(new GroupingBusy('Other searches for near-duplicates are running.'));
      if (hashes.length % 16 !== 0)
        return Promise.reject(new RangeError('every hash must have 16 hex digits'));
      const worker = idle.values().next().value ?? start();
      idle.delete(worker);
      busy.add(worker);
      return new Promise<Group[]>((resolve, reject) => {
        const finish = (keep: boolean) => {
          clearTimeout(timer);
          worker.off('message', onAnswer).off('error', onError).off('exit', onExit);
          busy.delete(worker);
          if (keep) idle.add(worker);
          else void worker.terminate();
        };
        const onAnswer = (answer: GroupingAnswer) => {
          finish(true);
          if ('error' in answer) reject(new Error(answer.error));
          else resolve(answer.groups);
        };
        const onError = (error: Error) => {
          finish(false);
          reject(error);
        };
        const onExit = (code: number) => {
          finish(false);
          reject(new Error(`The near-duplicates worker stopped (exit code ${code}).`));
        };
        const timer = setTimeout(() => {
          finish(false);
          reject(new GroupingTimedOut(`The search took longer than ${limits.budget} ms.`));
        }, limits.budget);
        worker.on('message', onAnswer).on('error', onError).on('exit', onExit);
        worker.postMessage({ hashes, distance, options } satisfies GroupingJob);
      });
    },
    async close() {
      await Promise.all([...idle, ...busy].map((worker) => worker.terminate()));
    },
  };
}
