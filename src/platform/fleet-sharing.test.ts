import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tessera } from '../../test/helpers/cli.ts';
import { loadConfig } from './config.ts';
import { describeFleetSharing } from './fleet-sharing.ts';

/** What every instance of a fleet needs (README.md, "Running a fleet"). */
const fleet = {
  DATABASE_URL: 'postgres://tessera:pg-s3cret@db.internal:5432/tessera',
  PORTAL_DATABASE_URL: 'postgres://commerce_portal:portal-s3cret@db.internal:5432/tessera',
  STORAGE: 's3',
  S3_BUCKET: 'tessera-images',
  S3_KMS_KEY_ID: 'arn:aws:kms:eu-west-1:111111111111:key/abc',
  GATEWAY_SECRET: 'g'.repeat(40),
  REDIS_URL: 'rediss://:redis-s3cret@cache.internal:6379',
  IMAGE_API_URL: 'http://10.0.1.5:8081',
  KAFKA_BROKERS: 'b1:9098',
  STREAM_GROUP: 'ingest',
  GATEWAY_URL: 'https://images.example.com/api',
};

test('a fleet: every service shares its state and keeps nothing but logs', () => {
  const shown = describeFleetSharing(loadConfig(fleet));
  for (const service of ['portal', 'image API', 'gateway', 'stream ingest', 'web']) {
    assert.equal(shown[`${service} keeps locally`], 'logs only', service);
  }
  assert.equal(shown.fleet, 'ready: every instance keeps nothing but its logs');
  assert.match(shown['image API shares'] ?? '', /the object store: S3 bucket tessera-images/);
  assert.match(shown['image API shares'] ?? '', /KMS: SSE-KMS with arn:aws:kms/);
  assert.match(shown['image API shares'] ?? '', /GATEWAY_SECRET: from the environment/);
  assert.match(shown['gateway shares'] ?? '', /REDIS_URL: rate limits shared in rediss:/);
  assert.match(shown['stream ingest shares'] ?? '', /STREAM_GROUP: ingest/);
  assert.match(shown['portal shares'] ?? '', /PORTAL_DATABASE_URL: from the environment/);
  assert.doesNotMatch(JSON.stringify(shown), /s3cret|g{40}/, 'a secret is shown');
});

test('the embedded defaults keep their state on this machine and say what to set', () => {
  const shown = describeFleetSharing(loadConfig({}));
  assert.match(shown['gateway shares'] ?? '', /REDIS_URL: unset: rate limits counted per gateway/);
  assert.match(
    shown['gateway shares'] ?? '',
    /GATEWAY_SECRET: kept in the data directory: set GATEWAY_SECRET for several instances/,
  );
  assert.equal(
    shown['gateway keeps locally'],
    'logs; the embedded database; the gateway secret; rate-limit counters (in memory)',
  );
  assert.match(
    shown['image API shares'] ?? '',
    /STORAGE_MASTER_KEYS: kept in the data directory: set STORAGE_MASTER_KEYS for several instances/,
  );
  assert.match(
    shown['image API shares'] ?? '',
    /the object store: kept in the data directory: set STORAGE=s3, or STORAGE_DIR/,
  );
  assert.match(shown['portal shares'] ?? '', /PostgreSQL: embedded in .*: set DATABASE_URL/);
  assert.equal(
    shown['portal keeps locally'],
    'logs; the embedded database; the portal’s database password',
  );
  assert.equal(shown['web keeps locally'], 'logs only');
  assert.match(
    shown.fleet ?? '',
    /^one machine only: it keeps the embedded database; the portal’s database password; the images; /,
  );
});

test('a shared STORAGE_DIR with STORAGE_MASTER_KEYS is shared; one gap is named alone', () => {
  const { STORAGE: _s, S3_BUCKET: _b, S3_KMS_KEY_ID: _k, ...rest } = fleet;
  const shown = describeFleetSharing(
    loadConfig({
      ...rest,
      STORAGE_DIR: '/mnt/shared/objects',
      STORAGE_MASTER_KEYS: 'k1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=',
      REDIS_URL: '',
    }),
  );
  assert.match(shown['image API shares'] ?? '', /the object store: fs in \/mnt\/shared\/objects/);
  assert.match(shown['image API shares'] ?? '', /STORAGE_MASTER_KEYS: from the environment/);
  assert.equal(shown['image API keeps locally'], 'logs only');
  assert.equal(shown['gateway keeps locally'], 'logs; rate-limit counters (in memory)');
  assert.equal(shown.fleet, 'one machine only: it keeps rate-limit counters (in memory)');
});

test('`tessera config` prints, per service, what it shares and what it keeps locally', () => {
  const result = tessera(['config'], { env: { ...fleet, TESSERA_DATA_DIR: 'data-fleet-test' } });
  assert.equal(result.status, 0, result.stderr);
  assert.match(
    result.stdout,
    /^gateway shares: .*REDIS_URL: rate limits shared in rediss:\/\/:\*\*\*\*\*@cache\.internal:6379/m,
  );
  for (const service of ['portal', 'image API', 'gateway', 'stream ingest', 'web']) {
    assert.match(result.stdout, new RegExp(`^${service} keeps locally: logs only$`, 'm'));
  }
  assert.match(result.stdout, /^fleet: ready: every instance keeps nothing but its logs$/m);
  assert.doesNotMatch(result.stdout, /s3cret/);
});
