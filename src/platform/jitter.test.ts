import assert from 'node:assert/strict';
import { test } from 'node:test';
import { jittered } from './jitter.ts';

test('a jittered wait stays within ±20% and differs from one draw to the next', () => {
  assert.equal(
    jittered(600_000, 0.2, () => 0),
    480_000,
  );
  assert.equal(
    jittered(600_000, 0.2, () => 0.5),
    600_000,
  );
  assert.equal(
    jittered(600_000, 0.2, () => 0.999_999),
    720_000,
  );
  const waits = Array.from({ length: 200 }, () => jittered(600_000));
  assert.ok(waits.every((ms) => ms >= 480_000 && ms <= 720_000));
  // Instances started together draw different waits: the sweeps drift apart.
  assert.ok(new Set(waits).size > 150, 'the waits are spread, not one fixed interval');
});
