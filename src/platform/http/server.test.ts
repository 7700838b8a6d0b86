// Every answer of every service carries the security headers: a route's, a refusal, a 404 and a
// failure alike, request after request (they are worked out once, at start).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AppError } from '../errors.ts';
import { createLogger } from '../log.ts';
import { createHttpApp } from './server.ts';

test('security headers on every kind of answer', async () => {
  const app = createHttpApp({ log: createLogger('silent'), trustProxy: [] });
  app.get('/ok', async () => ({ ok: true }));
  app.get('/refused', async () => {
    throw new AppError('forbidden', 403, 'No.');
  });
  app.get('/broken', async () => {
    throw new Error('boom');
  });
  try {
    for (const [url, status] of [
      ['/ok', 200],
      ['/refused', 403],
      ['/nowhere', 404],
      ['/broken', 500],
      ['/ok', 200],
    ] as const) {
      const answer = await app.inject({ method: 'GET', url });
      assert.equal(answer.statusCode, status, url);
      const csp = String(answer.headers['content-security-policy']);
      assert.match(csp, /default-src 'self'/, url);
      assert.match(csp, /img-src 'self' data:/, url);
      assert.match(csp, /style-src 'self' 'unsafe-inline'/, url);
      assert.match(csp, /frame-ancestors 'self'/, url);
      assert.equal(answer.headers['x-content-type-options'], 'nosniff', url);
      assert.equal(answer.headers['x-frame-options'], 'SAMEORIGIN', url);
      assert.match(String(answer.headers['strict-transport-security']), /max-age=\d+/, url);
      assert.equal(answer.headers['referrer-policy'], 'no-referrer', url);
      assert.ok(answer.headers['x-request-id'], url);
    }
  } finally {
    await app.close();
  }
});
