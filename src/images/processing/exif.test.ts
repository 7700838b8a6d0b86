import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildTiff, hostileExif, tag } from '../../../test/helpers/exif.ts';
import { makeImage, readBack } from '../../../test/helpers/images.ts';
import { noExif, readExif } from './exif.ts';

async function exifOf(options: Parameters<typeof makeImage>[1]): Promise<Buffer> {
  const exif = (await readBack(await makeImage('jpeg', options))).exif;
  assert.ok(exif, 'the fixture carries EXIF');
  return exif;
}

test('no EXIF, or EXIF that cannot be read, is no facts rather than a refusal', async () => {
  assert.deepEqual(readExif(undefined), { exif: noExif, gps: null, dropped: [] });
  assert.deepEqual(readExif(Buffer.from('Exif\0\0garbage')), {
    exif: noExif,
    gps: null,
    dropped: ['exif: unreadable'],
  });
  const real = await exifOf({ exif: { make: 'Canon' } });
  assert.deepEqual(readExif(real.subarray(0, 20)).gps, null);
});

test('southern and western coordinates are negative', async () => {
  const raw = await exifOf({ exif: { gps: { latitude: -33.8568, longitude: -151.2153 } } });
  const { exif, gps } = readExif(raw);
  assert.equal(exif.hasGps, true);
  assert.ok(
    gps && Math.abs(gps.latitude + 33.8568) < 1e-5 && Math.abs(gps.longitude + 151.2153) < 1e-5,
  );
});

test('placeholder dates and slow exposures', async () => {
  const raw = await exifOf({ exif: { takenAt: '0000:00:00 00:00:00', exposure: '2/1' } });
  const { exif } = readExif(raw);
  assert.equal(exif.takenAt, null);
  assert.equal(exif.exposure, '2');
  const half = readExif(await exifOf({ exif: { exposure: '1/2' } })).exif.exposure;
  assert.equal(half, '0.5');
});

test('each field outside its column is dropped with its reason; the rest is kept', () => {
  for (const bigEndian of [false, true]) {
    const { exif, gps, dropped } = readExif(buildTiff(hostileExif(), bigEndian));
    assert.deepEqual(
      { ...exif, cameraModel: exif.cameraModel?.length },
      {
        cameraMake: 'Can', // EXIF text ends at its first NUL
        cameraModel: 201, // 200 characters, the last an emoji whole (2 UTF-16 units)
        lens: null,
        takenAt: null,
        iso: null,
        exposure: null,
        focalLength: null,
        orientation: null,
        hasGps: true,
      },
    );
    assert.ok(exif.cameraModel?.isWellFormed());
    assert.ok(
      gps && Math.abs(gps.latitude - 51.5007) < 1e-4 && Math.abs(gps.longitude + 0.1246) < 1e-4,
    );
    assert.deepEqual(
      dropped.map((reason) => reason.split(':')[0]),
      ['takenAt', 'iso', 'exposure', 'focalLength'],
    );
  }
});

test('values at the edge of their columns are kept; just past it, dropped', () => {
  const read = (exif: Parameters<typeof buildTiff>[0]['exif']) =>
    readExif(buildTiff({ exif })).exif;
  const edge = read([
    { tag: tag.ISOSpeedRatings, type: 'LONG', value: [2_147_483_647] },
    { tag: tag.DateTimeOriginal, type: 'ASCII', value: '9999:12:31 23:59:59' },
    { tag: tag.OffsetTimeOriginal, type: 'ASCII', value: '+14:00' },
    { tag: tag.FocalLength, type: 'RATIONAL', value: [[1_000_000, 100]] },
    { tag: tag.ExposureTime, type: 'RATIONAL', value: [[86_400, 1]] },
  ]);
  assert.equal(edge.iso, 2_147_483_647);
  assert.equal(edge.takenAt, '9999-12-31T23:59:59+14:00');
  assert.equal(edge.focalLength, 10_000);
  assert.equal(edge.exposure, '86400');
  const past = read([
    { tag: tag.ISOSpeedRatings, type: 'LONG', value: [2_147_483_648] },
    { tag: tag.DateTimeOriginal, type: 'ASCII', value: '2024:05:06 07:08:09' },
    { tag: tag.OffsetTimeOriginal, type: 'ASCII', value: '+99:99' },
    { tag: tag.FocalLength, type: 'RATIONAL', value: [[1_000_000_000_000 % 4_294_967_296, 1]] },
    { tag: tag.ExposureTime, type: 'RATIONAL', value: [[1, 4_000_000_000]] },
  ]);
  assert.equal(past.iso, null);
  assert.equal(past.takenAt, '2024-05-06T07:08:09', 'a bad offset leaves the local time');
  assert.equal(past.focalLength, null);
  assert.equal(past.exposure, null);
});
