import assert from 'node:assert/strict';
import { test } from 'node:test';
import { crc32 } from 'node:zlib';
import exifReader from 'exif-reader';
import {
  buildTiff,
  personalExif,
  personalSecrets,
  scanData,
  tiffImage,
  withExif,
  xmpSegment,
} from '../../../test/helpers/exif.ts';
import { makeImage, readBack } from '../../../test/helpers/images.ts';
import { loadConfig } from '../../platform/config.ts';
import { withoutPersonalMetadata } from './personal-metadata.ts';

const strip = (bytes: Buffer, format: Parameters<typeof withoutPersonalMetadata>[1]) =>
  withoutPersonalMetadata(bytes, format, loadConfig({}).images.limits);

/** What is left of the EXIF in `bytes`, as exif-reader reads it. */
async function exifLeft(bytes: Buffer) {
  const raw = (await readBack(bytes)).exif;
  return raw ? exifReader(raw) : undefined;
}

/** PNG's IDAT chunk, or WebP's VP8/VP8L chunk: the compressed pixels. */
function imageData(bytes: Buffer, format: 'png' | 'webp'): Buffer {
  if (format === 'png') {
    const at = bytes.indexOf('IDAT') - 4;
    return bytes.subarray(at, at + 12 + bytes.readUInt32BE(at));
  }
  const at = Math.max(bytes.indexOf('VP8 '), bytes.indexOf('VP8L'));
  return bytes.subarray(at, at + 8 + bytes.readUInt32LE(at + 4));
}

function assertNoSecret(bytes: Buffer) {
  for (const secret of [...personalSecrets, 'GPSLatitude']) {
    assert.equal(bytes.includes(secret), false, `"${secret}" is gone from every byte`);
  }
}

test('a JPEG loses its position, serials and owner, and keeps its camera and its scan byte for byte', async () => {
  for (const bigEndian of [false, true]) {
    const original = Buffer.concat([
      withExif(
        await makeImage('jpeg', { width: 200, height: 150, scene: 11 }),
        buildTiff(personalExif(), bigEndian),
        xmpSegment(),
      ),
      // A second image after EOI, as phones append one, with its own position.
      withExif(await makeImage('jpeg', { scene: 12 }), buildTiff(personalExif(), bigEndian)),
    ]);
    assert.ok((await exifLeft(original))?.GPSInfo, 'the fixture has a position');
    const shown = await strip(original, 'jpeg');
    assertNoSecret(shown);
    const exif = await exifLeft(shown);
    assert.equal(exif?.GPSInfo, undefined);
    assert.equal(exif?.Image?.GPSTag, undefined);
    assert.equal(exif?.Image?.Artist, undefined);
    assert.equal(exif?.Image?.CameraSerialNumber, undefined);
    for (const gone of ['BodySerialNumber', 'LensSerialNumber', 'CameraOwnerName', 'MakerNote']) {
      assert.equal(exif?.Photo?.[gone], undefined, gone);
    }
    assert.equal(exif?.Photo?.['65000'], undefined, 'OwnerName');
    assert.equal(exif?.Image?.Make, 'Canon');
    assert.equal(exif?.Photo?.ISOSpeedRatings, 400);
    assert.deepEqual(exif?.Photo?.DateTimeOriginal, new Date('2024-05-06T07:08:09Z'));
    const firstImage = original.subarray(0, original.indexOf(Buffer.from([0xff, 0xd9])) + 2);
    assert.deepEqual(scanData(shown), scanData(firstImage), 'the compressed pixels are untouched');
    assert.equal(shown.length < original.length, true);
  }
});

test('EXIF that cannot be walked is dropped whole, the pixels still untouched', async () => {
  const jpeg = await makeImage('jpeg', { scene: 13 });
  const tiff = buildTiff(personalExif());
  tiff.writeUInt32LE(0xfffffff0, 4); // IFD0 points outside the block
  const shown = await strip(withExif(jpeg, tiff), 'jpeg');
  assert.equal((await readBack(shown)).exif, undefined);
  assertNoSecret(shown);
  assert.deepEqual(scanData(shown), scanData(jpeg));
});

test('PNG and WebP lose the position losslessly; their image data is the same bytes', async () => {
  for (const format of ['png', 'webp'] as const) {
    const original = await makeImage(format, {
      scene: 14,
      exif: { make: 'Canon', gps: { latitude: 51.5, longitude: -0.12 } },
    });
    assert.ok((await exifLeft(original))?.GPSInfo, `the ${format} fixture has a position`);
    const shown = await strip(original, format);
    const exif = await exifLeft(shown);
    assert.equal(exif?.GPSInfo, undefined, format);
    assert.equal(exif?.Image?.Make, 'Canon', format);
    assert.deepEqual(imageData(shown, format), imageData(original, format), `${format} data`);
  }
});

test('PNG text chunks and the WebP XMP chunk go; the files stay well-formed', async () => {
  const xmp = Buffer.from(
    'XML:com.adobe.xmp\0\0\0\0\0<x:xmpmeta dc:creator="Ada Lovelace"/>',
    'latin1',
  );
  const png = await makeImage('png', { scene: 17 });
  const iend = png.length - 12;
  const withText = Buffer.concat([
    png.subarray(0, iend),
    pngChunk('iTXt', xmp),
    png.subarray(iend),
  ]);
  assert.equal((await readBack(withText)).width, 64);
  const shownPng = await strip(withText, 'png');
  assertNoSecret(shownPng);
  assert.deepEqual(shownPng, png);

  const webp = await makeImage('webp', { scene: 18, exif: { make: 'Canon' } });
  assert.equal(webp.toString('latin1', 12, 16), 'VP8X');
  const size = Buffer.alloc(4);
  size.writeUInt32LE(xmp.length + (xmp.length % 2));
  const withXmp = Buffer.concat([
    webp,
    Buffer.from('XMP '),
    size,
    xmp,
    Buffer.alloc(xmp.length % 2),
  ]);
  withXmp.writeUInt32LE(withXmp.length - 8, 4);
  withXmp[20] = (withXmp[20] as number) | 0x04;
  const shownWebp = await strip(withXmp, 'webp');
  assertNoSecret(shownWebp);
  assert.equal(shownWebp.readUInt32LE(4), shownWebp.length - 8, 'the RIFF size is right');
  assert.equal((shownWebp[20] as number) & 0x04, 0, 'the XMP flag is cleared');
  assert.equal((await readBack(shownWebp)).exif !== undefined, true, 'the EXIF stays');
});

test('a camera TIFF loses its position and serials in place; its strip is untouched', async () => {
  const original = tiffImage(40, 30, personalExif());
  const shown = await strip(original, 'tiff');
  assertNoSecret(shown);
  assert.equal(shown.length, original.length);
  const exif = exifReader(shown);
  assert.equal(exif.GPSInfo, undefined);
  assert.equal(exif.Image?.Make, 'Canon');
  const strip0 = Number(exif.Image?.StripOffsets);
  assert.deepEqual(shown.subarray(strip0), original.subarray(strip0));
});

test('AVIF and HEIF are encoded again without metadata; GIF keeps its frames', async () => {
  for (const format of ['avif', 'heif'] as const) {
    const original = await makeImage(format, {
      scene: 15,
      exif: { make: 'Canon', gps: { latitude: 51.5, longitude: -0.12 } },
    });
    assert.ok((await exifLeft(original))?.GPSInfo, `the ${format} fixture has a position`);
    const shown = await strip(original, format);
    assert.equal((await readBack(shown)).exif, undefined, format);
    assert.equal((await readBack(shown)).width, 64);
  }
  const gif = await strip(await makeImage('gif', { animated: 3, scene: 16 }), 'gif');
  assert.equal((await readBack(gif)).pages, 3);
});

function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([Buffer.from(type, 'latin1'), data])) >>> 0);
  return Buffer.concat([length, Buffer.from(type, 'latin1'), data, crc]);
}
