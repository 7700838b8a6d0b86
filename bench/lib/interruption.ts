// Ctrl-C as a request to stop: no new work starts (stopIfInterrupted), work in flight that listens
// to `interruption` is cut off, and the main flow unwinds through the same cleanup as on an error.
// A second Ctrl-C leaves at once.
import { type Cleanup, createCleanup } from './cleanup.ts';

const controller = new AbortController();

/** Aborted by the first Ctrl-C (in the main thread, once runInterruptibly has begun). */
export const interruption: AbortSignal = controller.signal;

/** Throws once Ctrl-C has been pressed, so the main flow unwinds to its cleanup. */
export function stopIfInterrupted(): void {
  if (controller.signal.aborted) throw new Error('interrupted');
}

/**
 * Runs `work`, then the cleanup, also on an error. After a Ctrl-C, the error the interruption
 * caused is not reported, and the process leaves with 130 once the cleanup is done.
 */
export async function runInterruptibly(work: (cleanup: Cleanup) => Promise<void>): Promise<void> {
  const cleanup = createCleanup();
  process.on('SIGINT', () => {
    if (controller.signal.aborted) process.exit(130);
    controller.abort();
    console.error('\ninterrupted: cleaning up (Ctrl-C again to leave at once)');
  });
  try {
    await work(cleanup);
  } catch (error) {
    if (!controller.signal.aborted) throw error;
  } finally {
    await cleanup.run();
  }
  if (controller.signal.aborted) process.exit(130);
}
