// A server (the portal, the image API, the gateway) in a worker thread running the bench's own
// script, apart from the client that drives it: the client's HTTP work does not queue behind the
// server's. The thread's side is serveInThread, the main thread's startServerThread.
import type { EventLoopUtilization } from 'node:perf_hooks';
import { parentPort, Worker } from 'node:worker_threads';
import { type Cleanup, createCleanup } from './cleanup.ts';

type Message<Listening> = { listening: Listening } | { closed: true };

/**
 * In the worker: `open` starts the servers, pushing how to close each, and resolves with what the
 * main thread needs to reach them (their URLs). They run until the main thread says close.
 */
export async function serveInThread<Listening>(
  open: (cleanup: Cleanup) => Promise<Listening>,
): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('a server thread needs its parent');
  const cleanup = createCleanup();
  try {
    const listening = await open(cleanup);
    port.once('message', () => {
      void cleanup
        .run()
        .then(() => port.postMessage({ closed: true } satisfies Message<Listening>));
    });
    port.postMessage({ listening } satisfies Message<Listening>);
  } catch (error) {
    await cleanup.run();
    throw error;
  }
}

/**
 * Closes a Fastify app; a request cut off by Ctrl-C can leave its keep-alive connection open, and
 * close() would wait for it to time out: after a second's grace, every connection is closed.
 */
export async function closeWithGrace(app: {
  close(): Promise<unknown>;
  server: { closeAllConnections(): void };
}): Promise<void> {
  const closing = app.close().catch(() => {});
  const grace = setTimeout(() => app.server.closeAllConnections(), 1_000);
  await closing;
  clearTimeout(grace);
}

export type ServerThread<Listening> = {
  name: string;
  listening: Listening;
  /** Event-loop utilisation of the thread (since an earlier reading, if given). */
  utilization(since?: EventLoopUtilization): EventLoopUtilization;
};

/**
 * Runs `script` (the bench's own, whose worker side calls serveInThread) in a worker thread given
 * `data`, until it listens; the cleanup tells it to close, and ends it if it has not after 10 s.
 */
export async function startServerThread<Listening>(
  cleanup: Cleanup,
  script: URL,
  name: string,
  data: unknown,
): Promise<ServerThread<Listening>> {
  const worker = new Worker(script, { workerData: data });
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  try {
    const listening = await new Promise<Listening>((resolve, reject) => {
      worker.once('message', (message: Message<Listening>) => {
        if ('listening' in message) resolve(message.listening);
      });
      worker.once('error', reject);
      void exited.then(() => reject(new Error(`the ${name} thread stopped before listening`)));
    });
    cleanup.push(async () => {
      worker.postMessage('close');
      const timeout = new Promise<'late'>((resolve) => setTimeout(resolve, 10_000, 'late').unref());
      if ((await Promise.race([exited, timeout])) === 'late') await worker.terminate();
    });
    return {
      name,
      listening,
      utilization: (since) => worker.performance.eventLoopUtilization(since),
    };
  } catch (error) {
    await worker.terminate();
    throw error;
  }
}
