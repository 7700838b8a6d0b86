// Verified API keys, kept in each gateway's memory for a few seconds so that a request with a key
// seen just before costs no database query. Only what verification produced is kept (the Caller),
// under the SHA-256 of the key, never the key; a failed lookup is never kept. The cache is trusted
// only while its gateway listens for revocations (key-revocations.ts): a revoked key, a disabled or
// changed principal drops that principal's entries on every gateway as the change commits; while
// not listening, every lookup goes to the database.
//
// last_used_at: key-authenticate.sql touches it at most once a minute per key; a key used all the
// time is looked up again every `ttl`, so with a ttl under a minute it stays within about
// ttl + 1 minute of the truth, with no write of its own.
import { createHash } from 'node:crypto';
import type { Db } from '../../platform/db/pool.ts';
import { authenticateKey, type Caller } from './principals.ts';

export type KeyCache = ReturnType<typeof createKeyCache>;

/** Where a verified (or refused) key came from: the cache, the database with the cache on, or off. */
export type KeyLookup = 'hit' | 'miss' | 'bypass';

export function createKeyCache(
  /** GATEWAY_KEY_CACHE_TTL (ms) and GATEWAY_KEY_CACHE_SIZE. */
  options: { ttl: number; max: number; now?: () => number },
) {
  const now = options.now ?? Date.now;
  // A Map keeps insertion order: the first entry is the least recently used.
  const entries = new Map<string, { caller: Caller; expires: number }>();
  let trusted = false;
  // Bumped by every drop and change of trust: a lookup that began before one is not stored, since
  // the database may have answered it from before the change.
  let generation = 0;
  return {
    get trusted() {
      return trusted;
    },
    get size() {
      return entries.size;
    },
    get(hash: string): Caller | undefined {
      const entry = trusted ? entries.get(hash) : undefined;
      if (!entry) return undefined;
      entries.delete(hash);
      if (entry.expires <= now()) return undefined;
      entries.set(hash, entry);
      return entry.caller;
    },
    /** Taken before a database lookup, handed back to `set` with its result. */
    ticket(): number {
      return generation;
    },
    set(hash: string, caller: Caller, ticket: number): void {
      if (!trusted || ticket !== generation) return;
      entries.delete(hash);
      entries.set(hash, { caller, expires: now() + options.ttl });
      if (entries.size > options.max) entries.delete(entries.keys().next().value as string);
    },
    /** Forgets every key of the principal, or every key ('*'). */
    drop(principalId: string): void {
      generation++;
      for (const [hash, entry] of entries)
        if (principalId === '*' || entry.caller.principalId === principalId) entries.delete(hash);
    },
    /** Trusted only while revocations are heard; forgets everything either way. */
    trust(on: boolean): void {
      generation++;
      trusted = on;
      entries.clear();
    },
  };
}

/** The key's caller (null if the key is wrong, revoked or its principal disabled), through the cache. */
export async function verifyKey(
  db: Db,
  cache: KeyCache | undefined,
  key: string,
): Promise<{ caller: Caller | null; lookup: KeyLookup }> {
  if (!cache?.trusted) return { caller: await authenticateKey(db, key), lookup: 'bypass' };
  const hash = createHash('sha256').update(key).digest('base64url');
  const cached = cache.get(hash);
  if (cached) return { caller: cached, lookup: 'hit' };
  const ticket = cache.ticket();
  const caller = await authenticateKey(db, key);
  if (caller) cache.set(hash, caller, ticket);
  return { caller, lookup: 'miss' };
}
