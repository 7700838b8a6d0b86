import assert from 'node:assert/strict';
import { test } from 'node:test';
import { makeImage, readBack } from '../../../test/helpers/images.ts';
import { noExif, readExif } from './exif.ts';

async function exifOf(options: Parameters<typeof makeImage>[1]): Promise<Buffer> {
  const exif = (await readBack(await makeImage('jpeg', options))).exif;
  assert.ok(exif, 'the fixture carries EXIF');
  return exif;
}

test('no EXIF, or EXIF that cannot be read, is no facts rather than a refusal', async () => {
  assert.deepEqual(readExif(undefined), { exif: noExif, gps: null });
  assert.deepEqual(readExif(Buffer.from('Exif\0\0garbage')), { exif: noExif, gps: null });
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
