// Each instance that keeps a revocable cache (revocable-cache.ts) holds one connection that
// LISTENs on the cache's channel, which triggers NOTIFY from the transaction that makes the change
// (a CLI, a domain function or plain SQL alike), with the tag to drop. The cache is trusted only
// while listening: when the connection drops (or stops answering its heartbeat) the cache is
// emptied and bypassed, and the connection is made again with a growing delay.
import type { Logger } from '../log.ts';
import type { RevocableCache } from '../revocable-cache.ts';
import { type Connection, listenOn } from './pool.ts';

export type RevocationListenerOptions = {
  /** First delay before listening again, doubled up to `maxRetry`, in ms. */
  firstRetry?: number;
  maxRetry?: number;
  /** How often the connection is checked, and how long it may take to answer, in ms. */
  heartbeat?: number;
  heartbeatTimeout?: number;
  applicationName?: string;
};

/** Listens until closed; the cache is trusted from the first successful LISTEN on. */
export function listenForRevocations<V>(
  deps: {
    databaseUrl: string;
    /** Where the revocations are notified, and what they revoke, for the log. */
    channel: string;
    what: string;
    cache: RevocableCache<V>;
    log: Logger;
  },
  options: RevocationListenerOptions = {},
): { close(): Promise<void> } {
  const { cache, log } = deps;
  const firstRetry = options.firstRetry ?? 100;
  const maxRetry = options.maxRetry ?? 5000;
  const heartbeat = options.heartbeat ?? 5000;
  const heartbeatTimeout = options.heartbeatTimeout ?? 2000;
  let closed = false;
  let delay = firstRetry;
  let current: Connection | undefined;
  let retry: NodeJS.Timeout | undefined;
  let beat: NodeJS.Timeout | undefined;

  const retryLater = () => {
    retry = setTimeout(start, delay);
    delay = Math.min(delay * 2, maxRetry);
  };

  async function start(): Promise<void> {
    if (closed) return;
    let gone = false;
    let connection: Connection | undefined;
    const lost = (error: unknown) => {
      if (gone) return;
      gone = true;
      cache.trust(false);
      clearInterval(beat);
      connection?.end().catch(() => {});
      if (closed) return;
      log.warn(
        { err: error },
        `not listening for ${deps.what} revocations: every lookup goes to the database until listening again`,
      );
      retryLater();
    };
    try {
      connection = await listenOn(
        deps.databaseUrl,
        deps.channel,
        { notify: (tag) => cache.drop(tag), lost },
        options.applicationName ?? 'tessera-revocations',
      );
    } catch (error) {
      return lost(error);
    }
    if (closed) return void (await connection.end().catch(() => {}));
    current = connection;
    delay = firstRetry;
    cache.trust(true);
    log.info(`listening for ${deps.what} revocations: the ${deps.what} cache is on`);
    beat = setInterval(() => {
      const answered = (connection as Connection).query('select 1');
      const late = new Promise((_resolve, reject) =>
        setTimeout(
          () => reject(new Error('the revocation listener did not answer its heartbeat')),
          heartbeatTimeout,
        ).unref(),
      );
      Promise.race([answered, late]).catch(lost);
    }, heartbeat);
    beat.unref();
  }

  void start();
  return {
    async close() {
      closed = true;
      clearTimeout(retry);
      clearInterval(beat);
      cache.trust(false);
      await current?.end().catch(() => {});
    },
  };
}
