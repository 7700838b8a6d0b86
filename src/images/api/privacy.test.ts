// Where a photo was taken, whose camera took it and what its file was called belong to its owner:
// engineers and analysts, who may see every image, get none of it.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import exifReader from 'exif-reader';
import {
  buildTiff,
  personalExif,
  personalSecrets,
  scanData,
  withExif,
  xmpSegment,
} from '../../../test/helpers/exif.ts';
import { createImageTestbed, type ImageTestbed } from '../../../test/helpers/image-service.ts';
import { makeImage, readBack } from '../../../test/helpers/images.ts';
import { imageApiAudience, type Principal, signPrincipal } from '../principal.ts';
import { buildImageApi } from './app.ts';

const secret = 'a-test-secret-that-is-long-enough-to-use';
const ada: Principal = { id: 'ada', role: 'user' };
const eve: Principal = { id: 'eve', role: 'engineer' };
const ann: Principal = { id: 'ann', role: 'analyst' };

describe('personal data of photos', () => {
  let bed: ImageTestbed;
  let app: Awaited<ReturnType<typeof buildImageApi>>;
  let photo: Buffer;
  let id: string;

  const get = (url: string, principal: Principal) =>
    app.inject({
      method: 'GET',
      url,
      headers: signPrincipal(principal, secret, { method: 'GET', url, audience: imageApiAudience }),
    });

  before(async () => {
    bed = await createImageTestbed();
    app = await buildImageApi({ ...bed, gatewaySecret: secret });
    photo = withExif(
      await makeImage('jpeg', { width: 400, height: 300, scene: 141 }),
      buildTiff(personalExif()),
      xmpSegment(),
    );
    const uploaded = await app.inject({
      method: 'POST',
      url: '/images?name=ada-at-home.jpg',
      headers: {
        ...signPrincipal(ada, secret, {
          method: 'POST',
          url: '/images?name=ada-at-home.jpg',
          audience: imageApiAudience,
        }),
        'content-type': 'image/jpeg',
      },
      payload: photo,
    });
    assert.equal(uploaded.statusCode, 201, uploaded.body);
    id = uploaded.json().id;
    const own = await app.inject({
      method: 'POST',
      url: '/images?name=eve-own.png',
      headers: {
        ...signPrincipal(eve, secret, {
          method: 'POST',
          url: '/images?name=eve-own.png',
          audience: imageApiAudience,
        }),
        'content-type': 'image/png',
      },
      payload: await makeImage('png', { scene: 142 }),
    });
    assert.equal(own.statusCode, 201, own.body);
  });
  after(async () => {
    await app.close();
    await bed.close();
  });

  test('the owner gets the original byte for byte', async () => {
    for (const url of [`/images/${id}`, `/images/${id}/original`]) {
      const response = await get(url, ada);
      assert.equal(response.statusCode, 200);
      assert.deepEqual(response.rawPayload, photo);
    }
  });

  test('an engineer or analyst gets it without position, serials or owner, the scan untouched', async () => {
    for (const principal of [eve, ann]) {
      for (const url of [`/images/${id}`, `/images/${id}/original`]) {
        const response = await get(url, principal);
        assert.equal(response.statusCode, 200);
        assert.equal(response.headers['content-type'], 'image/jpeg');
        const shown = response.rawPayload;
        for (const personal of [...personalSecrets, 'GPSLatitude']) {
          assert.equal(shown.includes(personal), false, `${principal.role}: "${personal}"`);
        }
        const raw = (await readBack(shown)).exif;
        assert.ok(raw, 'the rest of the EXIF stays');
        const exif = exifReader(raw);
        assert.equal(exif.GPSInfo, undefined);
        assert.equal(exif.Image?.Artist, undefined);
        assert.equal(exif.Image?.CameraSerialNumber, undefined);
        assert.equal(exif.Photo?.BodySerialNumber, undefined);
        assert.equal(exif.Photo?.LensSerialNumber, undefined);
        assert.equal(exif.Photo?.CameraOwnerName, undefined);
        assert.equal(exif.Photo?.MakerNote, undefined);
        assert.equal(exif.Image?.Model, 'EOS R5');
        assert.deepEqual(scanData(shown), scanData(photo), 'the compressed pixels are the same');
      }
    }
  });

  test('others see no original name: not in all=true lists, not in /info', async () => {
    for (const principal of [eve, ann]) {
      const list = await get('/images?all=true', principal);
      assert.equal(list.statusCode, 200);
      const rows: { image_id: string; owner_id: string; original_name: string | null }[] =
        list.json().data;
      assert.ok(rows.some((r) => r.image_id === id));
      for (const row of rows) {
        assert.equal(
          row.original_name,
          row.owner_id === principal.id ? 'eve-own.png' : null,
          `${principal.role} sees ${row.owner_id}'s name?`,
        );
      }
      const info = await get(`/images/${id}/info`, principal);
      assert.equal(info.statusCode, 200);
      assert.equal(info.json().original_name, null);
      assert.doesNotMatch(info.body, /ada-at-home|latitude|longitude|gps/i);
    }
    assert.equal((await get(`/images/${id}/info`, ada)).json().original_name, 'ada-at-home.jpg');
    const mine = await get('/images', ada);
    assert.equal(mine.json().data[0].original_name, 'ada-at-home.jpg');
  });

  test('the analytics explorer shows neither names nor positions', async () => {
    const explorer = await get('/analytics/images', ann);
    assert.equal(explorer.statusCode, 200, explorer.body);
    assert.ok(explorer.body.includes(id));
    assert.doesNotMatch(
      explorer.body,
      /ada-at-home|eve-own|original_?name|latitude|longitude|gps/i,
    );
  });
});
