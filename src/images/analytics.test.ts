import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createImageTestbed, type ImageTestbed } from '../../test/helpers/image-service.ts';
import { makeImage } from '../../test/helpers/images.ts';
import { sweep } from './expiry.ts';
import { intake } from './intake.ts';

describe('the analytics schema', () => {
  let bed: ImageTestbed;
  before(async () => {
    bed = await createImageTestbed({ retention: 1 });
  });
  after(() => bed.close());

  test('analytics.images has the documented columns, each with a comment, and nothing personal', async () => {
    const columns = await bed.db.query<{ name: string; comment: string | null }>(
      `select a.attname as name, col_description(a.attrelid, a.attnum) as comment
       from pg_attribute a where a.attrelid = 'analytics.images'::regclass and a.attnum > 0 order by a.attnum`,
    );
    const names = columns.rows.map((c) => c.name);
    for (const wanted of [
      'image_id',
      'owner_id',
      'source',
      'format',
      'bytes',
      'width',
      'height',
      'megapixels',
      'has_alpha',
      'colour_space',
      'camera_make',
      'camera_model',
      'taken_at',
      'created_at',
      'expires_at',
      'expired',
      'dominant_colour',
      'perceptual_hash',
    ]) {
      assert.ok(names.includes(wanted), wanted);
    }
    for (const personal of ['original_name', 'gps_latitude', 'gps_longitude', 'sha256'])
      assert.ok(!names.includes(personal), personal);
    assert.deepEqual(
      columns.rows.filter((c) => !c.comment).map((c) => c.name),
      [],
      'every column is documented',
    );
  });

  test('an expired image is gone from storage but still counted in history', async () => {
    const bytes = await makeImage('jpeg', { width: 500, height: 400, scene: 91 });
    const { imageId } = await intake(bed, { owner: 'ana', source: 'upload', bytes });
    await intake(bed, { owner: 'ana', source: 'upload', bytes: Buffer.from('no image') }).catch(
      () => {},
    );
    await new Promise((resolve) => setTimeout(resolve, 5));
    await sweep(bed);
    const row = await bed.db.query(
      'select format, megapixels, expired from analytics.images where image_id = $1',
      [imageId],
    );
    assert.deepEqual(row.rows[0], { format: 'jpeg', megapixels: '0.20', expired: true });
    const daily = await bed.db.query(
      `select sum(images) as n from analytics.daily_uploads where format = 'jpeg'`,
    );
    assert.equal(Number(daily.rows[0]?.n), 1);
    const refusals = await bed.db.query(`select reason, refusals from analytics.daily_refusals`);
    assert.deepEqual(refusals.rows, [{ reason: 'not_an_image', refusals: 1 }]);
    const objects = [];
    for await (const object of bed.store.list('images/')) objects.push(object);
    assert.deepEqual(objects, []);
  });
});
