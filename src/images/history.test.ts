import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { tessera } from '../../test/helpers/cli.ts';
import {
  createImageTestbed,
  type ImageTestbed,
  storedKeys,
} from '../../test/helpers/image-service.ts';
import { makeImage } from '../../test/helpers/images.ts';
import { ConfigError, loadConfig } from '../platform/config.ts';
import { sweep } from './expiry.ts';
import { intake } from './intake.ts';

const day = 86_400_000;
const historyRetention = 400 * day;

describe('history retention (ANALYTICS_RETENTION)', () => {
  let bed: ImageTestbed;
  before(async () => {
    bed = await createImageTestbed({ retention: 1 });
  });
  after(() => bed.close());

  const store = async (scene: number) => {
    const bytes = await makeImage('jpeg', {
      width: 320,
      height: 240,
      scene,
      exif: { gps: { latitude: 48.85, longitude: 2.35 } },
    });
    const { imageId } = await intake(bed, {
      owner: 'ana',
      source: 'upload',
      bytes,
      originalName: `holiday-${scene}.jpg`,
    });
    return imageId;
  };
  const keysOf = async (imageId: string) =>
    (
      await bed.db.query<{ object_key: string }>(
        'select object_key from images.objects where image_id = $1 order by 1',
        [imageId],
      )
    ).rows.map((r) => r.object_key);
  const backdate = (imageId: string, days: number) =>
    bed.db.query(
      `update images.images set created_at = now() - $2 * interval '1 day' where image_id = $1`,
      [imageId, days],
    );

  test('an expired image is gone from storage but still counted in history, until the retention', async () => {
    const old = await store(11);
    const young = await store(12);
    const live = await store(13);
    await backdate(old, 401);
    await backdate(live, 401);
    await bed.db.query(
      `update images.images set expires_at = now() + interval '1 day' where image_id = $1`,
      [live],
    );
    const liveKeys = await keysOf(live);
    assert.ok((await keysOf(young)).length >= 3, 'original and derivatives stored');
    await bed.db.query(
      `insert into images.refusals (owner_id, source, reason, message, refused_at) values
         ('ana', 'upload', 'empty', 'Empty.', now() - interval '401 days'),
         ('ana', 'upload', 'corrupt', 'Corrupt.', now() - interval '2 days')`,
    );
    await backdate(young, 2);
    // The days that ended are rolled up before the sweep, as the dashboard would have done.
    await bed.db.query('select images.refresh_rollups()');

    const report = await sweep(bed, { historyRetention });
    assert.equal(report.expired, 2, 'the old and the young image expire; the live one is not due');
    assert.equal(report.historyPurged, 1);
    assert.equal(report.refusalsPurged, 1);

    const history = await bed.db.query<{ image_id: string; expired: boolean }>(
      'select image_id, expired from analytics.images order by created_at',
    );
    assert.deepEqual(history.rows, [
      { image_id: live, expired: false },
      { image_id: young, expired: true },
    ]);
    const young_ = await bed.db.query(
      'select original_name, gps_latitude, gps_longitude from images.images where image_id = $1',
      [young],
    );
    assert.deepEqual(
      young_.rows[0],
      { original_name: null, gps_latitude: null, gps_longitude: null },
      'personal metadata goes with the bytes',
    );
    assert.deepEqual(await storedKeys(bed.store), liveKeys, 'only the live image has bytes');
    const objects = await bed.db.query('select 1 from images.objects where image_id <> $1', [live]);
    assert.equal(objects.rowCount, 0);
    const daily = await bed.db.query(
      `select sum(images) as n from analytics.daily_uploads where day > current_date - 400`,
    );
    assert.equal(Number(daily.rows[0]?.n), 1, 'the young expired image still counts');
    const refusals = await bed.db.query('select reason from analytics.daily_refusals');
    assert.deepEqual(refusals.rows, [{ reason: 'corrupt' }]);
    const facts = await bed.db.query<{ age: number }>(
      'select distinct current_date - day as age from images.daily_facts',
    );
    assert.deepEqual(facts.rows, [{ age: 2 }]);

    const again = await sweep(bed, { historyRetention });
    assert.equal(again.historyPurged + again.refusalsPurged, 0, 'nothing left to purge');
  });

  test('`tessera images sweep` purges with ANALYTICS_RETENTION and says how much', async () => {
    const gone = await bed.db.query<{ image_id: string }>(
      'select image_id from images.images where expired_at is not null',
    );
    await backdate(gone.rows[0]?.image_id ?? '', 31);
    const dataDir = await mkdtemp(path.join(tmpdir(), 'tessera-history-'));
    try {
      const result = tessera(['images', 'sweep'], {
        databaseUrl: bed.database.url,
        env: { TESSERA_DATA_DIR: dataDir, ANALYTICS_RETENTION: '30d' },
      });
      assert.equal(result.status, 0, result.stderr);
      assert.match(
        result.stdout,
        /Purged 1 image row\(s\) and 0 refusal\(s\) older than ANALYTICS_RETENTION \(30d\)/,
      );
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  test('ANALYTICS_RETENTION is a duration, 400 days unless set, never shorter than IMAGE_RETENTION', () => {
    assert.equal(loadConfig({}).images.analyticsRetention, historyRetention);
    assert.equal(loadConfig({ ANALYTICS_RETENTION: '90d' }).images.analyticsRetention, 90 * day);
    assert.throws(() => loadConfig({ ANALYTICS_RETENTION: 'a year' }), ConfigError);
    assert.throws(
      () => loadConfig({ ANALYTICS_RETENTION: '3d', IMAGE_RETENTION: '7d' }),
      /ANALYTICS_RETENTION: must be at least IMAGE_RETENTION/,
    );
  });
});
