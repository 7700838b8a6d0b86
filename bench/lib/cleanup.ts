// What a bench set up (connections, server threads, the database server, its directory), undone
// last first, once, whether the bench ends well, fails or is stopped by Ctrl-C.

export type Cleanup = {
  /** Adds a step, to run before every step added earlier. */
  push(step: () => Promise<unknown>): void;
  /** Runs the steps, last first, ignoring their failures; once, whoever asks first. */
  run(): Promise<void>;
};

export function createCleanup(): Cleanup {
  const steps: (() => Promise<unknown>)[] = [];
  let running: Promise<void> | undefined;
  return {
    push: (step) => {
      steps.push(step);
    },
    run: () =>
      (running ??= (async () => {
        for (let step = steps.pop(); step; step = steps.pop()) await step().catch(() => {});
      })()),
  };
}

/**
 * Runs `work`, then the cleanup, also on an error. Ctrl-C runs the cleanup at once, whatever the
 * work is waiting for (a query, a request: closing what it waits on makes it fail, and the main
 * flow's own call to the cleanup waits for the same run), then leaves with 130.
 */
export async function withCleanup(work: (cleanup: Cleanup) => Promise<void>): Promise<void> {
  const cleanup = createCleanup();
  process.once('SIGINT', () => {
    void cleanup.run().finally(() => process.exit(130));
  });
  try {
    await work(cleanup);
  } finally {
    await cleanup.run();
  }
}
