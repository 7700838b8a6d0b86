import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  makeBmp,
  makeHevcHeic,
  makeImage,
  makePdfLike,
  makeSvg,
  makeZipLike,
  seededBytes,
} from '../../../test/helpers/images.ts';
import { AppError } from '../../platform/errors.ts';
import { ImageRefusal, type RefusalReason } from './refusal.ts';
import { heifCodec, type ImageFormat, sniff } from './sniff.ts';

async function refusal(head: Buffer): Promise<ImageRefusal> {
  try {
    await sniff(head);
  } catch (error) {
    assert.ok(error instanceof ImageRefusal, `expected an ImageRefusal, got ${String(error)}`);
    return error;
  }
  assert.fail('sniff accepted the file');
}

async function assertRefused(head: Buffer, reason: RefusalReason, words: RegExp): Promise<void> {
  const error = await refusal(head);
  assert.equal(error.reason, reason);
  assert.match(error.message, words);
  assert.match(error.message, /upload JPEG, PNG, WebP, GIF, AVIF\/HEIF or TIFF\.$/);
}

describe('sniff', () => {
  for (const format of ['jpeg', 'png', 'webp', 'gif', 'avif', 'heif', 'tiff'] as ImageFormat[]) {
    test(`knows ${format} from its first 4100 bytes`, async () => {
      const bytes = await makeImage(format, { width: 120, height: 90 });
      assert.equal(await sniff(bytes.subarray(0, 4100)), format);
    });
  }

  test('refuses an empty file', async () => {
    const error = await refusal(Buffer.alloc(0));
    assert.equal(error.reason, 'empty');
    assert.equal(error.message, 'The file is empty.');
  });

  test('refuses bytes that are no known format, whatever the file was called', async () => {
    await assertRefused(seededBytes(4100, 42), 'not_an_image', /not an image in any format/);
  });

  test('refuses SVG, with or without an XML prolog, as an image it does not accept', async () => {
    await assertRefused(makeSvg(), 'unsupported_format', /^This is an SVG image, which is not/);
    await assertRefused(makeSvg(true), 'unsupported_format', /an SVG image/);
  });

  test('refuses BMP as an unsupported image', async () => {
    await assertRefused(makeBmp(16, 16), 'unsupported_format', /^This is a BMP image/);
  });

  test('refuses a PDF and a ZIP as files that are not images, naming them', async () => {
    await assertRefused(makePdfLike(), 'not_an_image', /^This is a PDF file, not an image/);
    await assertRefused(makeZipLike(), 'not_an_image', /^This is a ZIP file, not an image/);
  });

  test('a refusal is an AppError whose code is its reason, for the one HTTP error handler', async () => {
    const error = await refusal(makeBmp(4, 4));
    assert.ok(error instanceof AppError);
    assert.equal(error.code, 'unsupported_format');
    assert.equal(error.status, 415);
  });

  test('tells an AV1 HEIF from an HEVC one', async () => {
    assert.equal(heifCodec(await makeImage('heif')), 'av1');
    assert.equal(heifCodec(await makeHevcHeic()), 'hevc');
    assert.equal(heifCodec(await makeImage('jpeg')), 'unknown');
  });
});
