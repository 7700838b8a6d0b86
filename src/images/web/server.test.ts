import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createLogger } from '../../platform/log.ts';
import { buildWebServer } from './server.ts';

describe('the upload web server', () => {
  let webRoot: string;
  let app: Awaited<ReturnType<typeof buildWebServer>>;
  let gatewayUrl = 'http://127.0.0.1:8082/';

  before(async () => {
    webRoot = await mkdtemp(path.join(tmpdir(), 'tessera-web-'));
    await mkdir(path.join(webRoot, 'assets'));
    await writeFile(path.join(webRoot, 'index.html'), '<!doctype html><title>app</title>');
    await writeFile(path.join(webRoot, 'assets', 'index-abc123.js'), 'console.log(1);');
    app = await buildWebServer({
      webRoot,
      gatewayUrl: () => gatewayUrl,
      log: createLogger('silent'),
    });
  });
  after(async () => {
    await app.close();
    await rm(webRoot, { recursive: true, force: true });
  });

  test('tells the app where the gateway is, as it is now', async () => {
    const first = await app.inject({ url: '/config.json' });
    assert.equal(first.statusCode, 200);
    assert.deepEqual(first.json(), { gatewayUrl: 'http://127.0.0.1:8082' });
    assert.equal(first.headers['cache-control'], 'no-store');
    gatewayUrl = 'https://gateway.example.com';
    assert.deepEqual((await app.inject({ url: '/config.json' })).json(), {
      gatewayUrl: 'https://gateway.example.com',
    });
  });

  test('serves the app with a policy that lets it reach the gateway and nothing else', async () => {
    gatewayUrl = 'http://127.0.0.1:9000';
    const page = await app.inject({ url: '/' });
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /<title>app<\/title>/);
    assert.equal(page.headers['cache-control'], 'no-cache');
    const policy = String(page.headers['content-security-policy']);
    assert.match(policy, /connect-src 'self' http:\/\/127\.0\.0\.1:9000(;|$)/);
    assert.match(policy, /img-src 'self' data: blob: http:\/\/127\.0\.0\.1:9000(;|$)/);
    assert.match(policy, /script-src 'self'(;|$)/);
    assert.match(policy, /frame-ancestors 'none'/);
    assert.equal(page.headers['x-content-type-options'], 'nosniff', 'helmet is there too');
  });

  test('built assets, named by their content, may be cached for good', async () => {
    const asset = await app.inject({ url: '/assets/index-abc123.js' });
    assert.equal(asset.statusCode, 200);
    assert.equal(asset.headers['cache-control'], 'public, max-age=31536000, immutable');
    assert.equal((await app.inject({ url: '/nothing-here' })).statusCode, 404);
  });
});
