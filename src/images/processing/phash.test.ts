import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hammingDistance, perceptualHash } from './phash.ts';

const side = 32;
const draw = (shade: (x: number, y: number) => number) =>
  Uint8Array.from({ length: side * side }, (_, i) => shade(i % side, Math.floor(i / side)));

test('a flat image has no frequencies above the median', () => {
  assert.equal(perceptualHash(draw(() => 128)), '0000000000000000');
});

test('brightness and contrast barely change the hash; mirroring changes it', () => {
  const waves = (x: number, y: number) =>
    128 +
    50 * Math.sin(x * 0.3 + y * 0.2) +
    40 * Math.cos(x * 0.11 - y * 0.37) +
    30 * Math.sin((x * y) / 50);
  const hash = perceptualHash(draw(waves));
  const dimmer = perceptualHash(draw((x, y) => (waves(x, y) - 128) * 0.6 + 110));
  assert.ok(hammingDistance(dimmer, hash) <= 4, `${dimmer} vs ${hash}`);
  const mirrored = perceptualHash(draw((x, y) => waves(side - 1 - x, y)));
  assert.ok(hammingDistance(mirrored, hash) >= 20, `${mirrored} vs ${hash}`);
});

test('hammingDistance counts differing bits', () => {
  assert.equal(hammingDistance('0000000000000000', 'ffffffffffffffff'), 64);
  assert.equal(hammingDistance('00000000000000f0', '0000000000000010'), 3);
});

test('needs exactly 32 × 32 pixels', () => {
  assert.throws(() => perceptualHash(new Uint8Array(100)), RangeError);
});
