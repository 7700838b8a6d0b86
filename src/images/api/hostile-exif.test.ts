// A photo whose EXIF holds values no column can take is still a photo: uploaded over HTTP, it is
// stored with those fields absent, never answered with a 500.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  buildTiff,
  hostileExif,
  singleHostileFields,
  withExif,
} from '../../../test/helpers/exif.ts';
import { createImageTestbed, type ImageTestbed } from '../../../test/helpers/image-service.ts';
import { makeImage, readBack } from '../../../test/helpers/images.ts';
import { imageApiAudience, type Principal, signPrincipal } from '../principal.ts';
import { buildImageApi } from './app.ts';

const secret = 'a-test-secret-that-is-long-enough-to-use';
const ada: Principal = { id: 'ada', role: 'user' };

describe('uploads with hostile EXIF', () => {
  let bed: ImageTestbed;
  let app: Awaited<ReturnType<typeof buildImageApi>>;

  before(async () => {
    bed = await createImageTestbed();
    app = await buildImageApi({ ...bed, gatewaySecret: secret });
  });
  after(async () => {
    await app.close();
    await bed.close();
  });

  const upload = (photo: Buffer) =>
    app.inject({
      method: 'POST',
      url: '/images?name=hostile.jpg',
      headers: {
        ...signPrincipal(ada, secret, {
          method: 'POST',
          url: '/images?name=hostile.jpg',
          audience: imageApiAudience,
        }),
        'content-type': 'image/jpeg',
      },
      payload: photo,
    });

  test('a JPEG whose EXIF fits no column is stored (201) with those fields null', async () => {
    for (const bigEndian of [false, true]) {
      const photo = withExif(
        await makeImage('jpeg', { width: 320, height: 240, scene: bigEndian ? 92 : 91 }),
        buildTiff(hostileExif(), bigEndian),
      );
      assert.ok((await readBack(photo)).exif, 'sharp finds the EXIF block');
      const response = await upload(photo);
      assert.equal(response.statusCode, 201, response.body);
      const image = response.json().image;
      assert.equal(image.camera_make, 'Can');
      assert.equal([...image.camera_model].length, 200);
      assert.equal(image.iso, null);
      assert.equal(image.taken_at, null);
      assert.equal(image.exposure, null);
      assert.equal(image.focal_length, null);
      const stored = await bed.db.query<{ gps_latitude: number }>(
        'select gps_latitude from images.images where image_id = $1',
        [image.image_id],
      );
      assert.ok(
        Math.abs((stored.rows[0]?.gps_latitude ?? 0) - 51.5007) < 1e-4,
        'the sound GPS is kept',
      );
    }
  });

  test('each hostile value alone still gives a stored photo', async () => {
    let scene = 100;
    for (const [what, block] of Object.entries(singleHostileFields)) {
      const jpeg = await makeImage('jpeg', { width: 64, height: 48, scene: scene++ });
      const response = await upload(withExif(jpeg, buildTiff(block)));
      assert.equal(response.statusCode, 201, `${what}: ${response.body}`);
    }
  });

  test('a file name cut at its limit keeps its last character whole', async () => {
    const name = `${'a'.repeat(254)}📷.jpg`;
    const boundary = 'tessera-boundary';
    const response = await app.inject({
      method: 'POST',
      url: '/images',
      headers: {
        ...signPrincipal(ada, secret, {
          method: 'POST',
          url: '/images',
          audience: imageApiAudience,
        }),
        'content-type': `multipart/form-data; boundary=${boundary}`,
      },
      payload: Buffer.concat([
        Buffer.from(
          `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${name}"\r\nContent-Type: image/jpeg\r\n\r\n`,
        ),
        await makeImage('jpeg', { scene: 120 }),
        Buffer.from(`\r\n--${boundary}--\r\n`),
      ]),
    });
    assert.equal(response.statusCode, 201, response.body);
    assert.equal(response.json().image.original_name, `${'a'.repeat(254)}📷`);
  });
});
