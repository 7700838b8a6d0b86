// Answers kept in one instance's memory for a few seconds, so that a request asking what was
// asked just before costs no database query: verified API keys in the gateway, sessions in the
// portal. Only what verification produced is kept, under a hash, never a secret; a failed lookup
// is never kept. The cache is trusted only while its instance listens for revocations
// (db/revocations.ts): a change that must take effect at once drops the entries it concerns on
// every instance as it commits; while not listening, every lookup goes to the database.
export type RevocableCache<V> = ReturnType<typeof createRevocableCache<V>>;

/** Where an answer came from: the cache, the database with the cache on, or off. */
export type CacheLookup = 'hit' | 'miss' | 'bypass';

export function createRevocableCache<V>(
  options: { ttl: number; max: number; now?: () => number },
  /** What a revocation names to drop this entry (a principal's id, a session's id). */
  tagOf: (value: V) => string,
) {
  const now = options.now ?? Date.now;
  // A Map keeps insertion order: the first entry is the least recently used.
  const entries = new Map<string, { value: V; expires: number }>();
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
    get(key: string): V | undefined {
      const entry = trusted ? entries.get(key) : undefined;
      if (!entry) return undefined;
      entries.delete(key);
      if (entry.expires <= now()) return undefined;
      entries.set(key, entry);
      return entry.value;
    },
    /** Taken before a database lookup, handed back to `set` with its result. */
    ticket(): number {
      return generation;
    },
    /** Kept for the ttl, or until `until` (ms since the epoch) if that comes first. */
    set(key: string, value: V, ticket: number, until = Number.POSITIVE_INFINITY): void {
      if (!trusted || ticket !== generation) return;
      entries.delete(key);
      entries.set(key, { value, expires: Math.min(now() + options.ttl, until) });
      if (entries.size > options.max) entries.delete(entries.keys().next().value as string);
    },
    /** Forgets every entry of the tag, or every entry ('*'). */
    drop(tag: string): void {
      generation++;
      for (const [key, entry] of entries)
        if (tag === '*' || tagOf(entry.value) === tag) entries.delete(key);
    },
    /** Trusted only while revocations are heard; forgets everything either way. */
    trust(on: boolean): void {
      generation++;
      trusted = on;
      entries.clear();
    },
  };
}
