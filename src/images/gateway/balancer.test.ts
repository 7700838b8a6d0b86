import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createBalancer } from './balancer.ts';

const a = 'http://127.0.0.1:1';
const b = 'http://127.0.0.1:2';

test('instances that are up are taken in turn; one marked down is passed over', () => {
  const balancer = createBalancer({ downFor: 60_000, checkEvery: 60_000 });
  const pool = balancer.pool([a, b]);
  assert.deepEqual([pool.pick(new Set()), pool.pick(new Set()), pool.pick(new Set())], [a, b, a]);
  balancer.markDown(a);
  assert.deepEqual([pool.pick(new Set()), pool.pick(new Set())], [b, b]);
  assert.equal(pool.pick(new Set([b])), a, 'the down one only once the one up was tried');
});

test('with every instance down it fails open, as a load balancer does, until each was tried', () => {
  // A health check that was only slow on a busy machine must not turn every request away.
  const balancer = createBalancer({ downFor: 60_000, checkEvery: 60_000 });
  const pool = balancer.pool([a, b]);
  balancer.markDown(a);
  balancer.markDown(b);
  assert.equal(pool.upCount(), 0);
  const first = pool.pick(new Set());
  assert.ok(first === a || first === b);
  const second = pool.pick(new Set([first]));
  assert.equal(second, first === a ? b : a);
  assert.equal(pool.pick(new Set([a, b])), undefined, 'then the gateway answers 503');
});
