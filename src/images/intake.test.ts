import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  createImageTestbed,
  type ImageTestbed,
  storedKeys,
} from '../../test/helpers/image-service.ts';
import { makeImage, makeSvg, pngBomb } from '../../test/helpers/images.ts';
import { getImage } from './catalogue.ts';
import { sweep } from './expiry.ts';
import { intake } from './intake.ts';
import { ImageRefusal } from './processing/refusal.ts';
import type { ImageFormat } from './processing/sniff.ts';
import type { ObjectStore } from './store/object-store.ts';

describe('intake', () => {
  let bed: ImageTestbed;
  before(async () => {
    bed = await createImageTestbed();
  });
  after(() => bed.close());

  const formats: ImageFormat[] = ['jpeg', 'png', 'webp', 'gif', 'avif', 'heif', 'tiff'];
  for (const format of formats) {
    test(`stores a ${format} with its facts, encrypted original and derivatives`, async () => {
      const bytes = await makeImage(format, {
        width: 640,
        height: 480,
        scene: formats.indexOf(format) + 10,
      });
      const result = await intake(bed, {
        owner: 'ada',
        source: 'upload',
        bytes,
        originalName: `holiday.${format}`,
      });
      assert.equal(result.duplicate, false);
      const image = await getImage(bed.db, result.imageId);
      assert.ok(image);
      assert.equal(image.format, format === 'heif' ? image.format : format);
      assert.deepEqual([image.width, image.height], [640, 480]);
      assert.equal(image.owner_id, 'ada');
      assert.equal(image.original_name, `holiday.${format}`);
      assert.match(image.perceptual_hash, /^[0-9a-f]{16}$/);
      assert.deepEqual(
        image.objects.map((o) => o.name),
        ['original', 'preview', 'thumbnail'],
      );
      const original = image.objects.find((o) => o.name === 'original');
      assert.ok(original);
      assert.deepEqual(
        await bed.store.get(original.object_key),
        bytes,
        'the original comes back byte for byte',
      );
      const expiresIn = Date.parse(image.expires_at) - Date.parse(image.created_at);
      assert.equal(expiresIn, bed.retention);
    });
  }

  test('the same bytes from one owner are one image; from another owner, another', async () => {
    const bytes = await makeImage('png', { scene: 99 });
    const first = await intake(bed, { owner: 'ada', source: 'upload', bytes });
    const again = await intake(bed, { owner: 'ada', source: 'upload', bytes });
    assert.deepEqual(again, { imageId: first.imageId, duplicate: true });
    const other = await intake(bed, { owner: 'grace', source: 'upload', bytes });
    assert.notEqual(other.imageId, first.imageId);
    const racing = await Promise.all(
      [1, 2, 3].map(() => intake(bed, { owner: 'linus', source: 'upload', bytes })),
    );
    assert.equal(
      new Set(racing.map((r) => r.imageId)).size,
      1,
      'concurrent duplicates end as one image',
    );
  });

  const bad: [string, () => Promise<Buffer>, string][] = [
    ['an empty file', async () => Buffer.alloc(0), 'empty'],
    [
      'random bytes named .jpg',
      async () => Buffer.from('this is not an image at all, just text'),
      'not_an_image',
    ],
    [
      'a truncated JPEG',
      async () => (await makeImage('jpeg', { width: 800, height: 600 })).subarray(0, 2000),
      'corrupt',
    ],
    ['a PNG bomb', async () => pngBomb(100_000, 100_000), 'too_many_pixels'],
    ['an SVG', async () => makeSvg(true), 'unsupported_format'],
  ];
  for (const [name, make, reason] of bad) {
    test(`refuses ${name} (${reason}), leaving nothing but the refusal record`, async () => {
      const before = await storedKeys(bed.store);
      const images = await bed.db.query('select count(*) as n from images.images');
      await assert.rejects(
        intake(bed, {
          owner: 'mallory',
          source: 'upload',
          bytes: await make(),
          declaredType: 'image/jpeg',
        }),
        (error) => {
          assert.ok(error instanceof ImageRefusal);
          assert.equal(error.reason, reason);
          return true;
        },
      );
      assert.deepEqual(await storedKeys(bed.store), before);
      assert.deepEqual(
        (await bed.db.query('select count(*) as n from images.images')).rows,
        images.rows,
      );
      const refusal = await bed.db.query(
        'select reason, declared_type from images.refusals order by refusal_id desc limit 1',
      );
      assert.deepEqual(refusal.rows[0], { reason, declared_type: 'image/jpeg' });
    });
  }

  test('an upload over the byte limit is refused before it is read', async () => {
    const small = await createImageTestbed({ limits: { maxBytes: 1000 } });
    try {
      await assert.rejects(
        intake(small, {
          owner: 'ada',
          source: 'upload',
          bytes: await makeImage('png', { width: 300, height: 300 }),
        }),
        /limit/,
      );
    } finally {
      await small.close();
    }
  });

  test('a crash between storing objects and committing metadata leaves no image, and the sweep removes the objects', async () => {
    let puts = 0;
    const failing: ObjectStore = {
      ...bed.store,
      put: async (key, body) => {
        await bed.store.put(key, body);
        if (++puts === 3) throw new Error('disk gone');
      },
      list: (prefix) => bed.store.list(prefix),
      get: (key) => bed.store.get(key),
      delete: (key) => bed.store.delete(key),
      describe: () => 'failing',
    };
    const before = await storedKeys(bed.store);
    await assert.rejects(
      intake(
        { ...bed, store: failing },
        { owner: 'ada', source: 'upload', bytes: await makeImage('jpeg', { scene: 42 }) },
      ),
      /disk gone/,
    );
    const left = (await storedKeys(bed.store)).filter((k) => !before.includes(k));
    assert.ok(left.length > 0, 'objects were written before the failure');
    const report = await sweep(bed, { orphanGrace: 0 });
    assert.equal(report.orphansDeleted, left.length);
    assert.deepEqual(await storedKeys(bed.store), before);
  });
});

describe('expiry', () => {
  test('an image whose time is up, not yet swept, is no duplicate: the same bytes make a live image', async () => {
    const bed = await createImageTestbed();
    try {
      const bytes = await makeImage('png', { scene: 77 });
      const old = await intake(bed, {
        owner: 'ada',
        source: 'upload',
        bytes,
        originalName: 'a.png',
      });
      await bed.db.query(
        `update images.images set created_at = now() - interval '2 days', expires_at = now() - interval '1 second'
         where image_id = $1`,
        [old.imageId],
      );
      const racing = await Promise.all(
        [1, 2, 3].map(() => intake(bed, { owner: 'ada', source: 'upload', bytes })),
      );
      const fresh = racing.find((r) => !r.duplicate);
      assert.ok(fresh, 'one of them stored a new image');
      assert.notEqual(fresh.imageId, old.imageId);
      assert.deepEqual(
        racing.filter((r) => r.duplicate).map((r) => r.imageId),
        [fresh.imageId, fresh.imageId],
        'the others are duplicates of the new image, never of the expired one',
      );
      const image = await getImage(bed.db, fresh.imageId);
      assert.equal(image?.live, true);
      const before = await getImage(bed.db, old.imageId);
      assert.equal(before?.live, false);
      assert.ok(before?.expired_at, 'the old image is marked expired, as the sweeper would');
      assert.equal(before?.original_name, null, 'and its personal data is gone');
      assert.deepEqual(before?.objects, []);
      const keys = (image?.objects ?? []).map((o) => o.object_key).sort();
      assert.deepEqual(await storedKeys(bed.store), keys, "the old image's bytes are gone");
      const report = await sweep(bed, { orphanGrace: 0 });
      assert.deepEqual([report.expired, report.orphansDeleted], [0, 0]);
      assert.deepEqual(await storedKeys(bed.store), keys, 'the sweeper keeps the new image');
      const again = await intake(bed, { owner: 'ada', source: 'upload', bytes });
      assert.deepEqual(again, { imageId: fresh.imageId, duplicate: true });
    } finally {
      await bed.close();
    }
  });

  test('deletes the original, its derivatives and personal data together; the row stays, marked', async () => {
    const bed = await createImageTestbed({ retention: 1 });
    try {
      const bytes = await makeImage('jpeg', {
        width: 320,
        height: 240,
        exif: { make: 'Canon', model: 'EOS R5', gps: { latitude: 1.29, longitude: 103.85 } },
      });
      const { imageId } = await intake(bed, {
        owner: 'ada',
        source: 'upload',
        bytes,
        originalName: 'secret-place.jpg',
      });
      const stored = await getImage(bed.db, imageId);
      assert.equal(stored?.camera_make, 'Canon');
      const gps = await bed.db.query('select gps_latitude from images.images where image_id = $1', [
        imageId,
      ]);
      assert.ok(Math.abs(Number(gps.rows[0]?.gps_latitude) - 1.29) < 0.001);
      await new Promise((resolve) => setTimeout(resolve, 5));
      const report = await sweep(bed);
      assert.equal(report.expired, 1);
      assert.equal(report.objectsDeleted, 3);
      assert.deepEqual(await storedKeys(bed.store), []);
      const row = await bed.db.query(
        'select expired_at is not null as expired, original_name, gps_latitude, gps_longitude, camera_make, width from images.images where image_id = $1',
        [imageId],
      );
      assert.deepEqual(row.rows[0], {
        expired: true,
        original_name: null,
        gps_latitude: null,
        gps_longitude: null,
        camera_make: 'Canon',
        width: 320,
      });
      assert.equal((await sweep(bed)).expired, 0, 'a second sweep has nothing to do');
      await bed.store.put(`incoming/${'a'.repeat(64)}`, bytes);
      assert.equal((await sweep(bed)).claimsDeleted, 0, 'a fresh claim waits for its record');
      assert.equal((await sweep(bed, { claimLifetime: 0 })).claimsDeleted, 1, 'a stale claim goes');
    } finally {
      await bed.close();
    }
  });
});
