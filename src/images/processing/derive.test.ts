import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { thumbHashToAverageRGBA } from 'thumbhash';
import {
  greyscale32,
  makeBmp,
  makeHevcHeic,
  makeImage,
  makePdfLike,
  makeSvg,
  makeZipLike,
  meanColour,
  pngBomb,
  pngWithBadData,
  readBack,
  seededBytes,
} from '../../../test/helpers/images.ts';
import { loadConfig } from '../../platform/config.ts';
import { contentTypeOf, type Derivative, processImage, resize } from './derive.ts';
import type { ImageLimits } from './limits.ts';
import { hammingDistance, perceptualHash } from './phash.ts';
import { ImageRefusal, type RefusalReason } from './refusal.ts';
import type { ImageFormat } from './sniff.ts';

const limits = loadConfig({}).images.limits;

async function refused(
  work: Promise<unknown>,
  reason: RefusalReason,
  words: RegExp,
): Promise<ImageRefusal> {
  const error = await work.then(
    () => assert.fail('the image was accepted'),
    (thrown: unknown) => thrown,
  );
  assert.ok(error instanceof ImageRefusal, `expected an ImageRefusal, got ${String(error)}`);
  assert.equal(error.reason, reason, error.message);
  assert.match(error.message, words);
  return error;
}

/** Nothing of the upload's metadata: no EXIF (so no GPS), no XMP, no IPTC, no ICC profile. */
async function assertBare(bytes: Buffer): Promise<void> {
  const back = await readBack(bytes);
  assert.equal(back.exif, undefined, 'EXIF');
  assert.equal(back.xmp, undefined, 'XMP');
  assert.equal(back.iptc, undefined, 'IPTC');
  assert.equal(back.icc, undefined, 'ICC profile');
  assert.equal(back.orientation, undefined, 'orientation');
}

function named(derivatives: Derivative[], name: Derivative['name'], format = 'webp'): Derivative {
  const found = derivatives.find((d) => d.name === name && d.format === format);
  assert.ok(found, `no ${format} ${name}`);
  return found;
}

describe('processImage accepts every format', () => {
  const cases: [ImageFormat, { alpha: boolean; bitDepth: number }][] = [
    ['jpeg', { alpha: false, bitDepth: 8 }],
    ['png', { alpha: true, bitDepth: 8 }],
    ['webp', { alpha: true, bitDepth: 8 }],
    ['gif', { alpha: true, bitDepth: 8 }],
    ['avif', { alpha: true, bitDepth: 8 }],
    ['heif', { alpha: false, bitDepth: 8 }],
    ['tiff', { alpha: true, bitDepth: 8 }],
  ];
  for (const [format, expected] of cases) {
    test(`${format}: facts and WebP derivatives`, async () => {
      const input = await makeImage(format, { width: 300, height: 200, alpha: expected.alpha });
      const { facts, derivatives } = await processImage(input, limits);
      assert.equal(facts.format, format);
      assert.equal(facts.width, 300);
      assert.equal(facts.height, 200);
      assert.equal(facts.hasAlpha, expected.alpha);
      assert.equal(facts.bitDepth, expected.bitDepth);
      assert.equal(facts.pages, 1);
      assert.equal(facts.colourSpace, 'srgb');
      assert.match(facts.dominantColour, /^#[0-9a-f]{6}$/);
      assert.match(facts.perceptualHash, /^[0-9a-f]{16}$/);
      assert.ok(Buffer.from(facts.thumbhash, 'base64').length > 0);
      assert.deepEqual(facts.exif.hasGps, false);
      assert.equal(facts.gps, null);
      assert.deepEqual(
        derivatives.map((d) => [d.name, d.format, d.width, d.height]),
        [
          ['thumbnail', 'webp', 256, 171],
          ['preview', 'webp', 300, 200],
        ],
      );
      for (const derivative of derivatives) {
        const back = await readBack(derivative.bytes);
        assert.equal(back.format, 'webp');
        assert.equal(back.width, derivative.width);
        assert.equal(back.hasAlpha, expected.alpha);
      }
    });
  }

  for (const format of ['gif', 'webp'] as const) {
    test(`animated ${format}: counts its frames; derivatives are stills of the first`, async () => {
      const input = await makeImage(format, { width: 120, height: 80, animated: 3 });
      const { facts, derivatives } = await processImage(input, limits);
      assert.equal(facts.pages, 3);
      assert.deepEqual([facts.width, facts.height], [120, 80]);
      const preview = await readBack(named(derivatives, 'preview').bytes);
      assert.deepEqual([preview.width, preview.height, preview.pages ?? 1], [120, 80, 1]);
    });
  }

  test('a 16-bit PNG says so, and derives 8-bit sRGB', async () => {
    const input = await makeImage('png', { width: 50, height: 40, sixteenBit: true });
    const { facts, derivatives } = await processImage(input, limits);
    assert.equal(facts.bitDepth, 16);
    assert.equal(facts.colourSpace, 'rgb16');
    assert.equal((await readBack(named(derivatives, 'preview').bytes)).space, 'srgb');
  });

  test('a CMYK JPEG derives sRGB with the same colours', async () => {
    const input = await makeImage('jpeg', { colour: '#ff0000', cmyk: true });
    const { facts, derivatives } = await processImage(input, limits);
    assert.equal(facts.colourSpace, 'cmyk');
    const [r, g, b] = await meanColour(named(derivatives, 'preview').bytes);
    assert.ok(r > 200 && g < 60 && b < 60, `preview is ${[r, g, b]}`);
  });
});

describe('processImage reads EXIF and strips it', () => {
  const exif = {
    make: 'Canon',
    model: 'EOS R5',
    takenAt: '2024:05:01 12:34:56',
    offset: '+02:00',
    lens: 'RF50mm F1.8 STM',
    iso: 400,
    exposure: '1/250',
    focalLength: '50/1',
    gps: { latitude: 51.5034, longitude: -0.1276 },
  };

  test('orientation 6 swaps width and height, in the facts and the derivatives', async () => {
    const input = await makeImage('jpeg', { width: 400, height: 300, exif: { orientation: 6 } });
    assert.equal((await readBack(input)).orientation, 6);
    const { facts, derivatives } = await processImage(input, limits);
    assert.deepEqual([facts.width, facts.height, facts.exif.orientation], [300, 400, 6]);
    const thumbnail = named(derivatives, 'thumbnail');
    assert.deepEqual([thumbnail.width, thumbnail.height], [192, 256]);
    assert.deepEqual([(await readBack(thumbnail.bytes)).width, thumbnail.height], [192, 256]);
  });

  test('camera, time, lens and exposure; GPS apart, and in no derivative', async () => {
    const input = await makeImage('jpeg', { width: 300, height: 200, exif });
    assert.ok((await readBack(input)).exif, 'the fixture carries EXIF');
    const { facts, derivatives } = await processImage(input, limits, { avif: true });
    assert.deepEqual(facts.exif, {
      cameraMake: 'Canon',
      cameraModel: 'EOS R5',
      takenAt: '2024-05-01T12:34:56+02:00',
      lens: 'RF50mm F1.8 STM',
      iso: 400,
      exposure: '1/250',
      focalLength: 50,
      hasGps: true,
      orientation: 1, // sharp writes one into every EXIF block
    });
    assert.ok(facts.gps);
    assert.ok(Math.abs(facts.gps.latitude - 51.5034) < 1e-5);
    assert.ok(Math.abs(facts.gps.longitude - -0.1276) < 1e-5);
    assert.equal(derivatives.length, 4);
    for (const derivative of derivatives) await assertBare(derivative.bytes);
  });

  test('EXIF in a WebP and a PNG is read too', async () => {
    for (const format of ['webp', 'png'] as const) {
      const { facts } = await processImage(await makeImage(format, { exif }), limits);
      assert.equal(facts.exif.cameraModel, 'EOS R5', format);
      assert.equal(facts.exif.hasGps, true, format);
    }
  });

  test('a time without an offset stays the local time the camera wrote', async () => {
    const input = await makeImage('jpeg', { exif: { takenAt: '2023:12:31 23:59:58' } });
    const { facts } = await processImage(input, limits);
    assert.equal(facts.exif.takenAt, '2023-12-31T23:59:58');
  });
});

describe('processImage refuses', () => {
  test('an empty file, and one over the byte limit', async () => {
    await refused(processImage(Buffer.alloc(0), limits), 'empty', /empty/);
    const small: ImageLimits = { ...limits, maxBytes: 100 };
    await refused(processImage(await makeImage('png'), small), 'too_large', /limit is 0\.0 MB/);
  });

  test('random bytes, whatever the upload was called', async () => {
    await refused(processImage(seededBytes(20_000, 42), limits), 'not_an_image', /not an image/);
  });

  test('SVG, PDF, ZIP and BMP, before they reach the decoder', async () => {
    await refused(processImage(makeSvg(), limits), 'unsupported_format', /SVG/);
    await refused(processImage(makePdfLike(), limits), 'not_an_image', /PDF/);
    await refused(processImage(makeZipLike(), limits), 'not_an_image', /ZIP/);
    await refused(processImage(makeBmp(32, 32), limits), 'unsupported_format', /BMP/);
  });

  test('libvips itself reads none but the six formats once derive.ts is loaded', async () => {
    await assert.rejects(readBack(makeSvg()), /unsupported image format/);
  });

  test('an HEVC HEIC, which this build cannot decode, as unsupported', async () => {
    await refused(processImage(await makeHevcHeic(), limits), 'unsupported_format', /HEVC/);
  });

  test('a JPEG cut in half, and a PNG whose pixel data is garbage, as corrupt', async () => {
    const whole = await makeImage('jpeg', { width: 800, height: 600 });
    await refused(
      processImage(whole.subarray(0, whole.length >> 1), limits),
      'corrupt',
      /^This JPEG file is damaged or incomplete/,
    );
    await refused(processImage(pngWithBadData(64, 64), limits), 'corrupt', /PNG file is damaged/);
  });

  test('a PNG bomb from its header alone, without decoding it', { timeout: 5000 }, async () => {
    // 16000 × 16000: within the side limit, 256 megapixels. Decoded it would take 256 MB even at
    // one byte a pixel; the file is under a kilobyte.
    const bomb = pngBomb(16_000, 16_000);
    assert.ok(bomb.length < 1024);
    const before = process.memoryUsage().rss;
    const error = await refused(processImage(bomb, limits), 'too_many_pixels', /256 megapixels/);
    assert.match(
      error.message,
      /^This image is 16000 × 16000 pixels .* the limit is 50 megapixels\.$/,
    );
    assert.ok(process.memoryUsage().rss - before < 100 * 1024 * 1024, 'memory stayed low');
    await refused(processImage(pngBomb(50_000, 50_000), limits), 'too_many_pixels', /either side/);
  });

  test('more pixels than the limits given', async () => {
    const input = await makeImage('jpeg', { width: 400, height: 300 });
    const tight: ImageLimits = { ...limits, maxPixels: 100_000 };
    await refused(processImage(input, tight), 'too_many_pixels', /0\.12 megapixels.*limit is 0\.1/);
    const narrow: ImageLimits = { ...limits, maxDimension: 399 };
    await refused(processImage(input, narrow), 'too_many_pixels', /399 pixels on either side/);
  });
});

describe('derivatives', () => {
  test('fit their boxes, keep the aspect ratio, and AVIF decodes back when asked', async () => {
    const input = await makeImage('png', { width: 3000, height: 1000 });
    const { derivatives } = await processImage(input, limits, { avif: true });
    assert.deepEqual(
      derivatives.map((d) => [d.name, d.format, d.width, d.height]),
      [
        ['thumbnail', 'webp', 256, 85],
        ['preview', 'webp', 1280, 427],
        ['thumbnail', 'avif', 256, 85],
        ['preview', 'avif', 1280, 427],
      ],
    );
    for (const derivative of derivatives) {
      const back = await readBack(derivative.bytes);
      assert.equal(back.format, derivative.format === 'avif' ? 'heif' : 'webp');
      assert.equal(back.mediaType, `image/${derivative.format}`);
      assert.deepEqual([back.width, back.height], [derivative.width, derivative.height]);
    }
  });

  test('are never larger than the original', async () => {
    const input = await makeImage('jpeg', { width: 100, height: 80 });
    const { derivatives } = await processImage(input, limits);
    for (const d of derivatives) assert.deepEqual([d.width, d.height], [100, 80], d.name);
  });
});

describe('colour and hashes', () => {
  test('a solid red image is dominantly red, and its thumbhash averages red', async () => {
    const { facts } = await processImage(await makeImage('png', { colour: '#ff0000' }), limits);
    const [r, g, b] = [1, 3, 5].map((i) =>
      Number.parseInt(facts.dominantColour.slice(i, i + 2), 16),
    );
    // sharp reports the centre of its histogram's bin: #f80808 for pure red.
    assert.ok((r ?? 0) >= 0xf0 && (g ?? 255) <= 0x10 && (b ?? 255) <= 0x10, facts.dominantColour);
    const average = thumbHashToAverageRGBA(Buffer.from(facts.thumbhash, 'base64'));
    assert.ok(average.r > 0.9 && average.g < 0.1 && average.b < 0.1);
  });

  test('pHash: the same picture re-encoded is near; another picture is far', async () => {
    const hash = async (input: Promise<Buffer>) =>
      (await processImage(await input, limits)).facts.perceptualHash;
    const original = await hash(makeImage('png', { width: 640, height: 480, scene: 1 }));
    const lossy = await hash(makeImage('jpeg', { width: 640, height: 480, scene: 1, quality: 60 }));
    const smaller = await hash(makeImage('webp', { width: 200, height: 150, scene: 1 }));
    const other = await hash(makeImage('png', { width: 640, height: 480, scene: 2 }));
    assert.ok(hammingDistance(original, lossy) <= 6, `${original} vs ${lossy}`);
    assert.ok(hammingDistance(original, smaller) <= 6, `${original} vs ${smaller}`);
    assert.ok(hammingDistance(original, other) >= 20, `${original} vs ${other}`);
  });
});

describe('one decode at the preview size', () => {
  test('a camera photo turned by EXIF: facts of the original, derivatives upright', async () => {
    // 3000×2000 stored, held upright (orientation 6): libvips decodes it at half size, turned.
    const input = await makeImage('jpeg', {
      width: 3000,
      height: 2000,
      scene: 41,
      exif: { orientation: 6 },
    });
    const { facts, derivatives } = await processImage(input, limits);
    assert.deepEqual([facts.width, facts.height], [2000, 3000], 'the original, upright');
    assert.deepEqual(
      derivatives.map((d) => [d.name, d.width, d.height]),
      [
        ['thumbnail', 171, 256],
        ['preview', 853, 1280],
      ],
    );
    // The preview is the picture as a viewer sees it, not the stored pixels turned back.
    const upright = perceptualHash(await greyscale32(input));
    const preview = perceptualHash(await greyscale32(named(derivatives, 'preview').bytes));
    assert.ok(hammingDistance(upright, preview) <= 2, `${upright} vs ${preview}`);
    assert.ok(hammingDistance(upright, facts.perceptualHash) <= 2);
  });

  test("the pHash made from the thumbnail's pixels is the whole picture's, so stored hashes compare", async () => {
    // Images stored before were hashed from the preview's pixels; a pHash is defined on the whole
    // picture. Both are within 2 bits of it: far below the 6 that near-duplicates allow.
    for (const scene of [1, 6, 7, 19, 23]) {
      const input = await makeImage('jpeg', {
        width: 1600,
        height: 1200,
        scene,
        ...(scene % 2 ? { exif: { orientation: 6 } } : {}),
      });
      const whole = perceptualHash(await greyscale32(input));
      const { facts } = await processImage(input, limits);
      assert.ok(
        hammingDistance(whole, facts.perceptualHash) <= 2,
        `scene ${scene}: ${whole} vs ${facts.perceptualHash}`,
      );
    }
  });
});

describe('resize', () => {
  test('makes the size, fit and format asked, oriented and without metadata', async () => {
    const input = await makeImage('jpeg', {
      width: 800,
      height: 600,
      exif: { orientation: 6, make: 'Canon', gps: { latitude: 1.3, longitude: 103.8 } },
    });
    const cases = [
      [{ width: 300, format: 'webp' }, 'webp', 300, 400],
      [{ width: 200, height: 200, fit: 'cover', format: 'jpeg' }, 'jpeg', 200, 200],
      [{ width: 200, height: 100, fit: 'contain', format: 'png' }, 'png', 200, 100],
      [{ width: 200, height: 100, fit: 'inside', format: 'avif' }, 'heif', 75, 100],
      [{ format: 'webp' }, 'webp', 600, 800],
    ] as const;
    for (const [request, decoded, width, height] of cases) {
      const made = await resize(input, request, limits);
      assert.equal(made.format, request.format);
      assert.deepEqual([made.width, made.height], [width, height], JSON.stringify(request));
      const back = await readBack(made.bytes);
      assert.equal(back.format, decoded);
      assert.deepEqual([back.width, back.height], [width, height]);
      await assertBare(made.bytes);
    }
  });

  test('never enlarges', async () => {
    const input = await makeImage('png', { width: 120, height: 90 });
    const made = await resize(input, { width: 4000, format: 'webp' }, limits);
    assert.deepEqual([made.width, made.height], [120, 90]);
  });

  test('refuses sizes over 4096 and bad input as processImage does', async () => {
    const input = await makeImage('png');
    await refused(
      resize(input, { width: 5000, format: 'webp' }, limits),
      'too_many_pixels',
      /4096/,
    );
    await refused(
      resize(input, { height: 4097, format: 'webp' }, limits),
      'too_many_pixels',
      /4096/,
    );
    await assert.rejects(resize(input, { width: 0, format: 'webp' }, limits), RangeError);
    await refused(
      resize(makeSvg(), { width: 10, format: 'png' }, limits),
      'unsupported_format',
      /SVG/,
    );
    await refused(
      resize(pngBomb(16_000, 16_000), { width: 10, format: 'png' }, limits),
      'too_many_pixels',
      /megapixels/,
    );
  });
});

test('contentTypeOf', () => {
  assert.equal(contentTypeOf('jpeg'), 'image/jpeg');
  assert.equal(contentTypeOf('webp'), 'image/webp');
  assert.equal(contentTypeOf('avif'), 'image/avif');
  assert.equal(contentTypeOf('heif'), 'image/heif');
  assert.equal(contentTypeOf('tiff'), 'image/tiff');
  assert.equal(contentTypeOf('svg'), 'application/octet-stream');
});
