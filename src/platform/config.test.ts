import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { tessera } from '../../test/helpers/cli.ts';
import { ConfigError, describeConfig, loadConfig } from './config.ts';

test('defaults run everything embedded', () => {
  const config = loadConfig({});
  assert.equal(config.database.url, undefined);
  assert.equal(config.database.embedded.dataDir, path.resolve('data', 'postgres'));
  assert.equal(config.database.embedded.port, 54329);
  assert.ok(Object.isFrozen(config.database.embedded));
});

test('every bad variable is reported at once', () => {
  assert.throws(
    () => loadConfig({ DATABASE_URL: 'mysql://x', EMBEDDED_PG_PORT: 'eighty', LOG_LEVEL: 'loud' }),
    (error) => {
      assert.ok(error instanceof ConfigError);
      assert.equal(error.problems.length, 3);
      assert.match(error.message, /DATABASE_URL: .*postgres:\/\//);
      assert.match(error.message, /EMBEDDED_PG_PORT/);
      assert.match(error.message, /LOG_LEVEL/);
      return true;
    },
  );
});

test('the printed settings hide the password', () => {
  const shown = describeConfig(
    loadConfig({ DATABASE_URL: 'postgres://admin:s3cret@db.internal:5432/tessera' }),
  );
  assert.equal(shown.database, 'postgres://admin:*****@db.internal:5432/tessera');
  assert.doesNotMatch(JSON.stringify(shown), /s3cret/);
});

test('the CLI exits 2 with the list of problems on bad configuration', () => {
  const result = tessera(['config'], { env: { EMBEDDED_PG_PORT: '80' } });
  assert.equal(result.status, 2);
  assert.match(result.stderr, /Invalid configuration:\n {2}- EMBEDDED_PG_PORT/);
});

test('direct uploads are off by default and need STORAGE=s3', () => {
  assert.equal(loadConfig({}).images.directUploads, undefined);
  assert.throws(
    () => loadConfig({ IMAGE_DIRECT_UPLOADS: 'true' }),
    (error) => {
      assert.ok(error instanceof ConfigError);
      assert.deepEqual(error.problems, [
        'IMAGE_DIRECT_UPLOADS: needs STORAGE=s3 (clients post straight to the bucket); STORAGE is fs',
      ]);
      return true;
    },
  );
  const s3 = { STORAGE: 's3', S3_BUCKET: 'tessera-images', IMAGE_DIRECT_UPLOADS: 'true' };
  assert.deepEqual(loadConfig(s3).images.directUploads, { expiry: 15 * 60_000 });
  const config = loadConfig({ ...s3, IMAGE_DIRECT_UPLOAD_EXPIRY: '5m' });
  assert.deepEqual(config.images.directUploads, { expiry: 5 * 60_000 });
  assert.match(describeConfig(config)['image direct uploads'] ?? '', /^on: .*valid 5m/);
  assert.throws(
    () => loadConfig({ ...s3, IMAGE_DIRECT_UPLOAD_EXPIRY: 'soon' }),
    /IMAGE_DIRECT_UPLOAD_EXPIRY/,
  );
});

test('sizes on request are named presets: w320,w640,w1280,w2048 unless IMAGE_RESIZE_PRESETS says otherwise', () => {
  assert.deepEqual(
    loadConfig({}).images.resizePresets.map((p) => p.name),
    ['w320', 'w640', 'w1280', 'w2048'],
  );
  assert.deepEqual(loadConfig({ IMAGE_RESIZE_PRESETS: ' w100, w4096 ' }).images.resizePresets, [
    { name: 'w100', width: 100 },
    { name: 'w4096', width: 4096 },
  ]);
  for (const bad of ['w0', 'w5000', '640', 'w640,w640', 'h480', ',']) {
    assert.throws(
      () => loadConfig({ IMAGE_RESIZE_PRESETS: bad }),
      /IMAGE_RESIZE_PRESETS/,
      `'${bad}' is refused`,
    );
  }
});

test('the gateway takes several instances of an upstream: IMAGE_API_URL a,b and GATEWAY_UPSTREAMS a|b', () => {
  const config = loadConfig({
    IMAGE_API_URL: 'http://a:8081, http://b:8081',
    GATEWAY_UPSTREAMS: '/api/orders=http://a:9000|http://b:9000,/api/stock=https://stock.internal',
  });
  assert.deepEqual(config.gateway.imageApiUrls, ['http://a:8081', 'http://b:8081']);
  assert.deepEqual(config.gateway.upstreams, [
    { prefix: '/api/orders', urls: ['http://a:9000', 'http://b:9000'], name: 'orders' },
    { prefix: '/api/stock', urls: ['https://stock.internal'], name: 'stock' },
  ]);
  assert.deepEqual(loadConfig({}).gateway.imageApiUrls, [], 'unset: the image API of this process');
  assert.throws(
    () => loadConfig({ IMAGE_API_URL: 'http://a:8081,b:8081,ftp://c', GATEWAY_PORT: 'x' }),
    (error: ConfigError) => {
      assert.deepEqual(error.problems.sort(), [
        'GATEWAY_PORT: Invalid input: expected number, received NaN',
        'IMAGE_API_URL: "b:8081" is not an http:// or https:// URL',
        'IMAGE_API_URL: "ftp://c" is not an http:// or https:// URL',
      ]);
      return true;
    },
  );
  assert.throws(
    () => loadConfig({ IMAGE_API_URL: 'http://a:8081,http://a:8081' }),
    /IMAGE_API_URL: an instance is listed twice/,
  );
  assert.throws(
    () => loadConfig({ GATEWAY_UPSTREAMS: '/api/orders=http://a:9000|not a url' }),
    /GATEWAY_UPSTREAMS \/api\/orders: "not a url" is not an http:\/\/ or https:\/\/ URL/,
  );
  assert.throws(
    () => loadConfig({ GATEWAY_UPSTREAMS: '/api/orders=' }),
    /"\/api\/orders=" is not \/api\/<name>=<url>, or \/api\/<name>=<url>\|<url>… for several instances/,
  );
});

test('gateway upstreams and sign-in locks', () => {
  const config = loadConfig({
    GATEWAY_UPSTREAMS: '/api/orders=http://10.0.0.5:9000, /api/stock=https://stock.internal',
    GATEWAY_SIGNIN_LOCK_AFTER: '3',
    GATEWAY_SIGNIN_FIRST_LOCK: '30s',
    GATEWAY_SIGNIN_MAX_LOCK: '1h',
  });
  assert.deepEqual(config.gateway.upstreams, [
    { prefix: '/api/orders', urls: ['http://10.0.0.5:9000'], name: 'orders' },
    { prefix: '/api/stock', urls: ['https://stock.internal'], name: 'stock' },
  ]);
  assert.deepEqual(config.gateway.signIn, { lockAfter: 3, firstLock: 30_000, maxLock: 3_600_000 });
  assert.deepEqual(loadConfig({}).gateway.signIn, {
    lockAfter: 5,
    firstLock: 60_000,
    maxLock: 900_000,
  });
  assert.throws(
    () => loadConfig({ GATEWAY_UPSTREAMS: '/api/images=http://elsewhere:9000' }),
    /\/api\/images is the gateway's own/,
    'an upstream named images would share the image API’s key',
  );
  assert.throws(
    () => loadConfig({ GATEWAY_SIGNIN_FIRST_LOCK: '10m', GATEWAY_SIGNIN_MAX_LOCK: '1m' }),
    /GATEWAY_SIGNIN_MAX_LOCK: must be at least GATEWAY_SIGNIN_FIRST_LOCK/,
  );
});
