import type { FsObjectStore, RewrapOutcome } from './fs-store.ts';
import { KeyringError, loadKeyring, saveKeyring, withoutKeys } from './master-keys.ts';
import { ObjectTamperedError } from './object-store.ts';

/*
 * Rotating the master key of the fs store, in three steps an operator can run apart:
 * rotateMasterKey (master-keys.ts) makes a new key current; rewrapAll moves every object's
 * data key under it, one header at a time; retireOldKeys drops the keys nothing uses now.
 */

export type RewrapCounts = Record<RewrapOutcome | 'failed', number>;
export type RewrapReport = RewrapCounts & { failures: { key: string; reason: string }[] };

/** Re-wraps every object under the current master key; an object that fails is reported, not fatal. */
export async function rewrapAll(
  store: FsObjectStore,
  onProgress: (counts: Readonly<RewrapCounts>, key: string) => void = () => {},
): Promise<RewrapReport> {
  const report: RewrapReport = {
    rewrapped: 0,
    current: 0,
    changed: 0,
    missing: 0,
    failed: 0,
    failures: [],
  };
  for await (const { key } of store.list('')) {
    try {
      report[await store.rewrap(key)] += 1;
    } catch (error) {
      if (!(error instanceof ObjectTamperedError)) throw error;
      report.failed += 1;
      report.failures.push({ key, reason: error.message });
    }
    onProgress(report, key);
  }
  return report;
}

export type KeyUsage = { objects: Map<string, number>; unreadable: string[] };

/** How many objects each master key wraps, from the headers alone. */
export async function masterKeyUsage(store: FsObjectStore): Promise<KeyUsage> {
  const usage: KeyUsage = { objects: new Map(), unreadable: [] };
  for await (const { key } of store.list('')) {
    try {
      const id = await store.masterKeyOf(key);
      usage.objects.set(id, (usage.objects.get(id) ?? 0) + 1);
    } catch (error) {
      if (!(error instanceof ObjectTamperedError)) throw error;
      usage.unreadable.push(key);
    }
  }
  return usage;
}

export type RetireReport = { retired: string[]; kept: string[]; usage: KeyUsage };

/**
 * Removes master keys from the keyring file: the given ids, or else every old key no object
 * uses. Refuses, changing nothing, if a given key is current, unknown or still in use.
 */
export async function retireOldKeys(
  store: FsObjectStore,
  keyringFile: string,
  ids?: string[],
): Promise<RetireReport> {
  const keyring = await loadKeyring(keyringFile);
  const usage = await masterKeyUsage(store);
  const retire =
    ids ??
    [...keyring.keys.keys()].filter((id) => id !== keyring.current && !usage.objects.has(id));
  for (const id of retire) {
    if (!keyring.keys.has(id)) throw new KeyringError(`There is no master key '${id}'.`);
    if (id === keyring.current) {
      throw new KeyringError(`The current master key '${id}' cannot be retired.`);
    }
    const count = usage.objects.get(id);
    if (count) {
      throw new KeyringError(
        `The master key '${id}' still wraps ${count} object(s): run the re-wrap first.`,
      );
    }
  }
  const kept = withoutKeys(keyring, retire);
  if (retire.length > 0) await saveKeyring(keyringFile, kept);
  return { retired: retire, kept: [...kept.keys.keys()], usage };
}
