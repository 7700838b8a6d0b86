// Verified API keys, kept in each gateway's memory for a few seconds (platform/revocable-cache.ts)
// under the SHA-256 of the key, never the key. Migration 0009_gateway_revocations.sql's triggers
// notify revocationChannel with the principal's id from the transaction that revokes a key or
// changes a principal, and every gateway drops that principal's keys.
//
// last_used_at: key-authenticate.sql touches it at most once a minute per key; a key used all the
// time is looked up again every `ttl`, so with a ttl under a minute it stays within about
// ttl + 1 minute of the truth, with no write of its own.
import { createHash } from 'node:crypto';
import type { Db } from '../../platform/db/pool.ts';
import {
  type CacheLookup,
  createRevocableCache,
  type RevocableCache,
} from '../../platform/revocable-cache.ts';
import { authenticateKey, type Caller } from './principals.ts';

export type KeyCache = RevocableCache<Caller>;
export const revocationChannel = 'tessera_gateway_revocations';

/** GATEWAY_KEY_CACHE_TTL (ms) and GATEWAY_KEY_CACHE_SIZE. */
export function createKeyCache(options: { ttl: number; max: number }): KeyCache {
  return createRevocableCache<Caller>(options, (caller) => caller.principalId);
}

/** The key's caller (null if the key is wrong, revoked or its principal disabled), through the cache. */
export async function verifyKey(
  db: Db,
  cache: KeyCache | undefined,
  key: string,
): Promise<{ caller: Caller | null; lookup: CacheLookup }> {
  if (!cache?.trusted) return { caller: await authenticateKey(db, key), lookup: 'bypass' };
  const hash = createHash('sha256').update(key).digest('base64url');
  const cached = cache.get(hash);
  if (cached) return { caller: cached, lookup: 'hit' };
  const ticket = cache.ticket();
  const caller = await authenticateKey(db, key);
  if (caller) cache.set(hash, caller, ticket);
  return { caller, lookup: 'miss' };
}
