// Spreads the gateway's requests over the instances of each upstream, as a load balancer does:
// round-robin over the instances that are up, an instance marked down at once when it refuses a
// connection (passively) or fails its GET /health (actively, in the background), and back in the
// rotation only once it has been down for `downFor` and then answered a health check.
// It knows nothing of HTTP servers: the gateway asks it which instance to use and tells it which
// one refused.

import { PassThrough, type Readable } from 'node:stream';

export type BalanceSettings = {
  /** How long an instance that failed stays out of the rotation at least, in ms. */
  downFor: number;
  /** How often every instance's GET /health is checked, in ms. */
  checkEvery: number;
};

/** One instance's state, shared by every upstream that lists its URL. */
type Instance = { url: string; up: boolean; downUntil: number };

/** The instances of one upstream, taken in turn. */
export type InstancePool = {
  readonly urls: readonly string[];
  /** The next instance that is up and not in `tried` (or, none being up, any not in `tried`). */
  pick(tried: ReadonlySet<string>): string | undefined;
  /** How many of its instances are up now. */
  upCount(): number;
  /** Whether each of its instances is up, in order. */
  states(): boolean[];
};

export type Balancer = {
  pool(urls: readonly string[]): InstancePool;
  /** Takes an instance out of the rotation now, e.g. when it refused a connection. */
  markDown(url: string): void;
  /** Checks every instance now. */
  checkAll(): Promise<void>;
  /** Checks every instance every `checkEvery` ms until stop(). */
  start(): void;
  stop(): void;
};

export function createBalancer(
  settings: BalanceSettings,
  onChange: (url: string, up: boolean) => void = () => {},
): Balancer {
  const instances = new Map<string, Instance>();
  let timer: NodeJS.Timeout | undefined;

  const instance = (url: string): Instance => {
    let found = instances.get(url);
    if (!found) {
      found = { url, up: true, downUntil: 0 };
      instances.set(url, found);
    }
    return found;
  };

  const markDown = (url: string) => {
    const one = instance(url);
    one.downUntil = Date.now() + settings.downFor;
    if (!one.up) return;
    one.up = false;
    onChange(url, false);
  };

  const check = async (one: Instance): Promise<boolean> => {
    const ok = await answersHealth(one.url, 2000);
    if (!ok) markDown(one.url);
    else if (!one.up && Date.now() >= one.downUntil) {
      one.up = true;
      onChange(one.url, true);
    }
    return one.up;
  };

  const checkAll = async () => {
    await Promise.all([...instances.values()].map(check));
  };

  return {
    pool(urls) {
      const members = urls.map(instance);
      let next = 0;
      return {
        urls,
        pick(tried) {
          // An instance that is up, in turn; and when none is, any not yet tried, as a load
          // balancer fails open: a health check that was only slow (a busy machine) must not
          // turn the last instances away, and one that truly refuses is passed over anyway.
          for (const wanted of [true, false]) {
            for (let i = 0; i < members.length; i++) {
              const one = members[(next + i) % members.length] as Instance;
              if ((one.up || !wanted) && !tried.has(one.url)) {
                next = (next + i + 1) % members.length;
                return one.url;
              }
            }
          }
          return undefined;
        },
        upCount: () => members.filter((one) => one.up).length,
        states: () => members.map((one) => one.up),
      };
    },
    markDown,
    checkAll,
    start() {
      if (timer) return;
      // The next round is scheduled when this one ends, so slow checks never pile up.
      const tick = () => {
        timer = setTimeout(
          () => void checkAll().finally(() => timer && tick()),
          settings.checkEvery,
        );
        timer.unref();
      };
      tick();
    },
    stop() {
      clearTimeout(timer);
      timer = undefined;
    },
  };
}

async function answersHealth(url: string, timeout: number): Promise<boolean> {
  try {
    const response = await fetch(new URL('/health', url), { signal: AbortSignal.timeout(timeout) });
    await response.body?.cancel();
    return response.ok;
  } catch {
    return false;
  }
}

/**
 * Errors that mean the connection was never made, so not one byte of the request reached the
 * instance and sending it to another cannot do anything twice.
 */
const notConnected = new Set([
  'ECONNREFUSED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

export function failedToConnect(error: unknown): boolean {
  for (let cause = error; cause instanceof Error; cause = cause.cause) {
    if (notConnected.has((cause as NodeJS.ErrnoException).code ?? '')) return true;
  }
  return false;
}

/**
 * A request body that can be sent again from its start to another instance, as long as no more
 * than `keep` bytes of it were read for the attempt that failed. A refused connection fails before
 * the proxy has read more than its buffers hold, so `keep` bounds memory, not correctness: past it
 * the body is not kept and `attempt()` says undefined.
 */
export function replayableBody(source: Readable, keep: number) {
  let kept: Buffer[] | undefined = [];
  let keptBytes = 0;
  let ended = false;
  let failed: Error | undefined;
  let current: PassThrough | undefined;
  source.on('data', (chunk: Buffer) => {
    if (kept) {
      kept.push(chunk);
      keptBytes += chunk.length;
      if (keptBytes > keep) kept = undefined;
    }
    if (!current || current.destroyed || !current.write(chunk)) source.pause();
  });
  source.on('end', () => {
    ended = true;
    current?.end();
  });
  const fail = (error: Error) => {
    failed = error;
    current?.destroy(error);
  };
  source.on('error', fail);
  // A client gone mid-body ends the attempt too, rather than leave the instance waiting for the rest.
  source.on('close', () => {
    if (!ended && !failed) fail(new Error('The request body was cut off.'));
  });
  source.pause();
  return {
    /** A fresh stream of the whole body for the next attempt, or undefined if it is lost. */
    attempt(): Readable | undefined {
      if (!kept) return undefined;
      const body = new PassThrough();
      for (const chunk of kept) body.write(chunk);
      if (ended) body.end();
      if (failed) body.destroy(failed);
      body.on('drain', () => source.resume());
      current = body;
      source.resume();
      return body;
    },
  };
}
