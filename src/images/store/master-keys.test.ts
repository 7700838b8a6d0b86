import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { KeyringError, keyringFromEnv, loadKeyring, saveKeyring } from './master-keys.ts';

const dir = await mkdtemp(path.join(os.tmpdir(), 'tessera-keyring-'));
after(() => rm(dir, { recursive: true, force: true }));

test('the keyring file is created on first use with one key, readable by its owner only', async () => {
  const file = path.join(dir, 'first', 'keyring.json');
  const keyring = await loadKeyring(file);
  assert.equal(keyring.keys.size, 1);
  assert.equal(keyring.keys.get(keyring.current)?.length, 32);
  assert.equal((await stat(file)).mode & 0o777, 0o600);
  const again = await loadKeyring(file);
  assert.equal(again.current, keyring.current);
  assert.ok(again.keys.get(again.current)?.equals(keyring.keys.get(keyring.current) as Buffer));
});

test('processes starting together agree on one first key', async () => {
  const file = path.join(dir, 'race', 'keyring.json');
  const keyrings = await Promise.all(Array.from({ length: 8 }, () => loadKeyring(file)));
  assert.equal(new Set(keyrings.map((keyring) => keyring.current)).size, 1);
});

test('save then load gives the same keys', async () => {
  const file = path.join(dir, 'saved.json');
  const keys = new Map([
    ['k1', randomBytes(32)],
    ['k2', randomBytes(32)],
  ]);
  await saveKeyring(file, { current: 'k2', keys });
  const loaded = await loadKeyring(file);
  assert.equal(loaded.current, 'k2');
  assert.ok(loaded.keys.get('k1')?.equals(keys.get('k1') as Buffer));
  assert.equal((await stat(file)).mode & 0o777, 0o600);
  assert.match(await readFile(file, 'utf8'), /"version": 1/);
});

test('a damaged keyring file is refused in words', async () => {
  const file = path.join(dir, 'damaged.json');
  await writeFile(file, '{"version":1,"current":"k","keys":{"k":"c2hvcnQ="}}');
  await assert.rejects(() => loadKeyring(file), /'k' is not 32 bytes/);
  await writeFile(file, 'not json');
  await assert.rejects(() => loadKeyring(file), KeyringError);
});

test('STORAGE_MASTER_KEYS: id:base64 pairs, the first current', () => {
  const [a, b] = [randomBytes(32), randomBytes(32)];
  const keyring = keyringFromEnv(` new:${a.toString('base64')}, old:${b.toString('base64')} `);
  assert.equal(keyring.current, 'new');
  assert.deepEqual([...keyring.keys.keys()], ['new', 'old']);
  assert.ok(keyring.keys.get('old')?.equals(b));
});

test('STORAGE_MASTER_KEYS mistakes are refused without echoing key material', () => {
  const short = randomBytes(16).toString('base64');
  const good = randomBytes(32).toString('base64');
  const cases: [string, RegExp][] = [
    ['', /holds no key/],
    [good, /not id:base64/],
    [`k:${short}`, /'k' is not 32 bytes/],
    [`k:not*base64`, /'k' is not base64/],
    [`k:${good},k:${good}`, /twice/],
    [`bad id:${good}`, /id is invalid/],
    [`${good}:k`, /id is invalid/],
    [`${good}:not*base64`, /id is invalid/],
  ];
  for (const [value, message] of cases) {
    assert.throws(
      () => keyringFromEnv(value),
      (error) => {
        assert.ok(error instanceof KeyringError);
        assert.match(error.message, message);
        assert.ok(!error.message.includes(good) && !error.message.includes(short));
        return true;
      },
    );
  }
});
