import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  createImageTestbed,
  type ImageTestbed,
  storedKeys,
} from '../../test/helpers/image-service.ts';
import { makeImage } from '../../test/helpers/images.ts';
import type { Db } from '../platform/db/pool.ts';
import { withTransaction } from '../platform/db/pool.ts';
import { sql } from '../platform/db/sql.ts';
import { getImage, type ImageRecord } from './catalogue.ts';
import { endLocked } from './expire-one.ts';
import { deleteImage, sweep } from './expiry.ts';
import { intake, objectKey } from './intake.ts';
import { parseResizePresets } from './resize-presets.ts';
import { keepResize, makeResize, presetImage, presetNamed } from './resizes.ts';

describe('sizes on request', () => {
  let bed: ImageTestbed;
  before(async () => {
    bed = await createImageTestbed();
  });
  after(() => bed.close());

  const presets = parseResizePresets('w320,w640,w2048');
  const deps = () => ({ ...bed, presets });
  const stored = async (scene: number, owner = 'ada'): Promise<ImageRecord> => {
    const bytes = await makeImage('jpeg', { width: 1200, height: 900, scene });
    const { imageId } = await intake(bed, { owner, source: 'upload', bytes });
    const image = await getImage(bed.db, imageId);
    assert.ok(image);
    return image;
  };
  const resizeRows = async (imageId: string) =>
    (
      await bed.db.query(
        `select name from images.objects where image_id = $1 and name like 'resize-%' order by name`,
        [imageId],
      )
    ).rows.map((r) => r.name);
  /** Resolves once some statement of this database waits for a row lock. */
  const someoneWaitsForALock = async () => {
    for (let i = 0; i < 500; i += 1) {
      const waiting = await bed.db.query(
        `select 1 from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`,
      );
      if (waiting.rows.length > 0) return;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error('nobody waited for the lock');
  };

  test('only named presets; none is ever larger than the original, and those past it share one object', async () => {
    assert.throws(() => presetNamed(presets, 'w300'), /no resize preset 'w300'.*w320, w640, w2048/);
    assert.throws(() => presetNamed(presets, undefined), /Name a resize preset.*w320/);
    const image = await stored(1);
    const small = await presetImage(deps(), image, presetNamed(presets, 'w320'), 'avif');
    assert.equal(small.format, 'avif');
    const large = await presetImage(deps(), image, presetNamed(presets, 'w2048'), 'jpeg');
    const again = await presetImage(
      deps(),
      (await getImage(bed.db, image.image_id)) as ImageRecord,
      presetNamed(presets, 'w2048'),
      'jpeg',
    );
    assert.deepEqual(again.bytes, large.bytes, 'the second request is served from the store');
    const rows = await bed.db.query(
      `select name, width, height from images.objects where image_id = $1 and name like 'resize-%' order by name`,
      [image.image_id],
    );
    assert.deepEqual(rows.rows, [
      { name: 'resize-w1200-jpeg', width: 1200, height: 900 },
      { name: 'resize-w320-avif', width: 320, height: 240 },
    ]);
  });

  test('a resize that finishes after its image was deleted, or its time was up, leaves nothing behind', async () => {
    const deleted = await stored(2);
    const made = await makeResize(deps(), deleted, presetNamed(presets, 'w640'), 'webp');
    await deleteImage(
      bed,
      deleted.image_id,
      deleted.objects.map((o) => o.object_key),
    );
    assert.equal(await keepResize(bed, deleted.image_id, made), false);
    assert.deepEqual(await resizeRows(deleted.image_id), []);
    assert.deepEqual(
      (await storedKeys(bed.store)).filter((k) => k.startsWith(`images/${deleted.image_id}/`)),
      [],
    );

    const due = await stored(5);
    const late = await makeResize(deps(), due, presetNamed(presets, 'w320'), 'webp');
    await bed.db.query(
      `update images.images set created_at = now() - interval '2 days', expires_at = now() - interval '1 second' where image_id = $1`,
      [due.image_id],
    );
    assert.equal(await keepResize(bed, due.image_id, late), false, 'not yet swept, but expired');
    assert.deepEqual(await resizeRows(due.image_id), []);
    await sweep(bed);
    assert.deepEqual(
      (await storedKeys(bed.store)).filter((k) => k.startsWith(`images/${due.image_id}/`)),
      [],
    );
  });

  test('a resize recorded while its image is being deleted waits, and finds it gone', async () => {
    const image = await stored(3);
    const made = await makeResize(deps(), image, presetNamed(presets, 'w640'), 'webp');
    let kept: Promise<boolean> | undefined;
    // The deletion held open: the image's row is locked and marked, not yet committed.
    const ended = await withTransaction(bed.db, async (tx) => {
      await tx.query(sql(import.meta.url, 'db/queries/lock-image.sql'), [image.image_id]);
      const keys = await endLocked(tx, image.image_id, 'deleted');
      kept = keepResize(bed, image.image_id, made);
      await someoneWaitsForALock();
      return keys;
    });
    await Promise.all(ended.map((key) => bed.store.delete(key)));
    assert.equal(await kept, false);
    assert.deepEqual(await resizeRows(image.image_id), []);
    assert.equal(
      (await storedKeys(bed.store)).includes(objectKey(image.image_id, made.name)),
      false,
    );
  });

  test('an image deleted while a resize is being recorded takes the resize with it', async () => {
    const image = await stored(4);
    const made = await makeResize(deps(), image, presetNamed(presets, 'w320'), 'jpeg');
    let deleting: Promise<void> | undefined;
    // The resize's record, held open: it has seen the image live and holds its row.
    await withTransaction(bed.db, async (tx: Db) => {
      assert.equal(await keepResize({ db: tx, store: bed.store }, image.image_id, made), true);
      deleting = deleteImage(
        bed,
        image.image_id,
        image.objects.map((o) => o.object_key),
      );
      await someoneWaitsForALock();
    });
    await deleting;
    assert.deepEqual(await resizeRows(image.image_id), []);
    assert.deepEqual(
      (await storedKeys(bed.store)).filter((k) => k.startsWith(`images/${image.image_id}/`)),
      [],
      'no object of the image outlives it',
    );
    const report = await sweep(bed, { orphanGrace: 0 });
    assert.equal(report.orphansDeleted, 0, 'nothing was left for the sweeper either');
  });
});
