import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { tessera } from '../../test/helpers/cli.ts';
import {
  ConfigError,
  configurationMarkdown,
  describeConfig,
  documentVariables,
  loadConfig,
} from './config.ts';

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
  assert.equal(loadConfig({}).imageApi.directUploads, undefined);
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
  assert.deepEqual(loadConfig(s3).imageApi.directUploads, { expiry: 15 * 60_000 });
  const config = loadConfig({ ...s3, IMAGE_DIRECT_UPLOAD_EXPIRY: '5m' });
  assert.deepEqual(config.imageApi.directUploads, { expiry: 5 * 60_000 });
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

test('every tunable is a variable of its service’s section, with a meaning, and docs/configuration.md lists them as they are', async () => {
  const sections = documentVariables();
  const names = sections.flatMap((s) => s.variables.map((v) => v.name));
  assert.equal(new Set(names).size, names.length, 'no variable is in two sections');
  for (const v of sections.flatMap((s) => s.variables))
    assert.ok(v.meaning.length > 10, `${v.name} says what it does`);
  const docs = await readFile(new URL('../../docs/configuration.md', import.meta.url), 'utf8');
  assert.equal(
    docs,
    configurationMarkdown(),
    'docs/configuration.md is current: npm run docs:config',
  );
  const printed = tessera(['config', '--variables']);
  assert.equal(printed.status, 0, printed.stderr);
  assert.equal(printed.stdout, configurationMarkdown());
});

test('the services’ tunables reach their own sections', () => {
  const config = loadConfig({
    TRUST_PROXY: '10.0.0.2/32',
    PORTAL_POOL_SIZE: '3',
    PORTAL_SESSION_LIFETIME: '8h',
    PORTAL_SESSION_IDLE: '15m',
    PORTAL_SIGNIN_LOCK_AFTER: '4',
    IMAGE_MAX_MB: '20',
    IMAGE_MAX_PIXELS: '1000000',
    IMAGE_MAX_DIMENSION: '4000',
    IMAGE_API_POOL_SIZE: '7',
    IMAGE_SWEEP_EVERY: '90s',
    NEAR_DUPLICATE_BUDGET: '2500ms',
    NEAR_DUPLICATE_JOBS: '1',
    GATEWAY_POOL_SIZE: '12',
    GATEWAY_SESSION_IDLE: '45m',
    GATEWAY_KEY_CACHE_TTL: '5s',
    GATEWAY_KEY_CACHE_SIZE: '0',
    GATEWAY_UPSTREAM_DOWN_FOR: '3s',
    GATEWAY_HEALTH_CHECK_EVERY: '500ms',
    KAFKA_BROKERS: 'k:9092',
    STREAM_HOST: '0.0.0.0',
    STREAM_POOL_SIZE: '4',
    STREAM_CONCURRENCY: '8',
  });
  assert.deepEqual(config.portal.trustProxy, ['10.0.0.2/32']);
  assert.deepEqual(config.gateway.trustProxy, ['10.0.0.2/32'], 'the gateway reads its own section');
  assert.equal(config.portal.poolSize, 3);
  assert.deepEqual(config.portal.sessions, {
    lifetime: 8 * 3_600_000,
    idle: 15 * 60_000,
    lockAfter: 4,
    firstLock: 60_000,
    maxLock: 900_000,
  });
  assert.deepEqual(config.images.limits, {
    maxBytes: 20 * 1024 * 1024,
    maxPixels: 1_000_000,
    maxDimension: 4000,
  });
  assert.equal(config.imageApi.poolSize, 7);
  assert.equal(config.imageApi.sweepEvery, 90_000);
  assert.deepEqual(config.imageApi.nearDuplicates, { budget: 2500, maxJobs: 1 });
  assert.equal(config.gateway.poolSize, 12);
  assert.deepEqual(config.gateway.session, { lifetime: 12 * 3_600_000, idle: 45 * 60_000 });
  assert.deepEqual(config.gateway.keyCache, { ttl: 5000, max: 0 });
  assert.deepEqual(config.gateway.balance, { downFor: 3000, checkEvery: 500 });
  assert.equal(config.stream?.host, '0.0.0.0');
  assert.equal(config.stream?.poolSize, 4);
  assert.equal(config.stream?.concurrency, 8);
  assert.throws(
    () =>
      loadConfig({
        PORTAL_SESSION_LIFETIME: '1h',
        PORTAL_SESSION_IDLE: '2h',
        STREAM_CONCURRENCY: '0',
      }),
    (error: ConfigError) => {
      assert.deepEqual(error.problems.sort(), [
        'PORTAL_SESSION_IDLE: must be at most PORTAL_SESSION_LIFETIME',
        'STREAM_CONCURRENCY: Too small: expected number to be >=1',
      ]);
      return true;
    },
  );
});
