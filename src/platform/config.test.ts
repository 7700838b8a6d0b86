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

test('gateway upstreams and sign-in locks', () => {
  const config = loadConfig({
    GATEWAY_UPSTREAMS: '/api/orders=http://10.0.0.5:9000, /api/stock=https://stock.internal',
    GATEWAY_SIGNIN_LOCK_AFTER: '3',
    GATEWAY_SIGNIN_FIRST_LOCK: '30s',
    GATEWAY_SIGNIN_MAX_LOCK: '1h',
  });
  assert.deepEqual(config.gateway.upstreams, [
    { prefix: '/api/orders', url: 'http://10.0.0.5:9000', name: 'orders' },
    { prefix: '/api/stock', url: 'https://stock.internal', name: 'stock' },
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
