// The refusals that need no pixel: the file's size, the dimensions its header declares, and the
// size asked of `resize`. Each says, in numbers, what was found and what the limit is.
import { type ImageLimits, maxResizeDimension } from './limits.ts';
import { ImageRefusal } from './refusal.ts';

export function checkBytes(bytes: number, limits: ImageLimits): void {
  if (bytes === 0) throw new ImageRefusal('empty', 'The file is empty.');
  if (bytes > limits.maxBytes) {
    throw new ImageRefusal(
      'too_large',
      `The file is ${megabytes(bytes)}; the limit is ${megabytes(limits.maxBytes)}.`,
    );
  }
}

/** One frame's width and height, as declared before anything is decoded. */
export function checkDimensions(width: number, height: number, limits: ImageLimits): void {
  if (Math.max(width, height) > limits.maxDimension) {
    throw new ImageRefusal(
      'too_many_pixels',
      `This image is ${width} × ${height} pixels; ` +
        `the limit is ${limits.maxDimension} pixels on either side.`,
    );
  }
  if (width * height > limits.maxPixels) {
    throw new ImageRefusal(
      'too_many_pixels',
      `This image is ${width} × ${height} pixels (${megapixels(width * height)} megapixels); ` +
        `the limit is ${megapixels(limits.maxPixels)} megapixels.`,
    );
  }
}

/**
 * A width or height asked of `resize`. Over the limit is refused like an oversized image; a value
 * that is not a positive whole number is the caller's bug (its request schema lets none through).
 */
export function checkResizeSide(name: string, value: number | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isInteger(value) || value < 1) {
    throw new RangeError(`resize ${name} must be a whole number of pixels, not ${value}`);
  }
  if (value > maxResizeDimension) {
    throw new ImageRefusal(
      'too_many_pixels',
      `A resized image may be at most ${maxResizeDimension} pixels wide or high; ${value} was asked.`,
    );
  }
  return value;
}

function megabytes(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

function megapixels(pixels: number): string {
  return (pixels / 1e6).toLocaleString('en', { maximumSignificantDigits: 3 });
}
