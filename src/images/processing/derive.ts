// The only module that imports sharp. An upload passes, in order: its size, its format from the
// bytes (sniff), the dimensions its header declares, then ONE decode (oriented, converted to sRGB,
// shrunk to the preview's size at most) under sharp's pixel limit. libvips decodes JPEG and WebP
// straight at 1/2, 1/4 or 1/8 of their size (shrink-on-load), so a camera photo is never held at
// full size. The preview is made from that working image; the thumbnail's pixels from the preview's;
// the colour, the thumbhash and the pHash from the thumbnail's, so no step decodes the upload again
// and none reads more pixels than it needs. Derivatives carry no metadata: no EXIF, no GPS, no XMP,
// no ICC profile.
import sharp, { type Metadata, type Sharp, type SharpOptions } from 'sharp';
import { rgbaToThumbHash } from 'thumbhash';
import { checkBytes, checkDimensions, checkResizeSide } from './checks.ts';
import { type DroppedField, type ExifFacts, type GpsPosition, readExif } from './exif.ts';
import { type ImageLimits, maxResizeDimension } from './limits.ts';
import { perceptualHash } from './phash.ts';
import { ImageRefusal } from './refusal.ts';
import { formatLabel, heifCodec, type ImageFormat, sniff } from './sniff.ts';

export { contentTypeOf } from './content-type.ts';

// Loaders: libvips may read only the six accepted formats, and only from memory. Sniffing already
// keeps everything else away; this holds even if a file fools the sniffer (SVG, PDF, raw, FITS,
// Matlab… never reach a parser). The block is process-wide, and this module owns sharp.
sharp.block({ operation: ['VipsForeignLoad'] });
sharp.unblock({
  operation: [
    'VipsForeignLoadJpegBuffer',
    'VipsForeignLoadPngBuffer',
    'VipsForeignLoadWebpBuffer',
    'VipsForeignLoadNsgifBuffer',
    'VipsForeignLoadHeifBuffer',
    'VipsForeignLoadTiffBuffer',
  ],
});

// sharp's prebuilt libvips decodes AVIF but not HEVC (patents); a system libvips may do both.
const decodesHevc = sharp.format.heif.input.fileSuffix?.includes('.heic') ?? false;

// The loader libvips picks for each format: a file that sniffs as one and loads as another is
// refused rather than guessed at.
const loaderOf: Record<ImageFormat, Metadata['format']> = {
  jpeg: 'jpeg',
  png: 'png',
  webp: 'webp',
  gif: 'gif',
  avif: 'heif',
  heif: 'heif',
  tiff: 'tiff',
};

export type Derivative = {
  name: 'thumbnail' | 'preview';
  format: 'webp' | 'avif';
  width: number;
  height: number;
  bytes: Buffer;
};

export type ImageFacts = {
  format: ImageFormat;
  /** After EXIF orientation. */
  width: number;
  height: number;
  colourSpace: string;
  hasAlpha: boolean;
  bitDepth: number | null;
  /** Frames of an animated GIF or WebP, pages of a TIFF; 1 for a still image. */
  pages: number;
  exif: ExifFacts;
  /** Personal data: kept apart so expiry can drop it. */
  gps: GpsPosition | null;
  /** EXIF fields left out because they fit no column, each with its reason. */
  exifDropped: DroppedField[];
  /** '#rrggbb' */
  dominantColour: string;
  /** base64 */
  thumbhash: string;
  /** 16 hex digits */
  perceptualHash: string;
};

/** The largest side of each derivative; neither is ever larger than the original. */
export const derivativeBoxes = { thumbnail: 256, preview: 1280 } as const;

const encoders = {
  webp: (image: Sharp) => image.webp({ quality: 80, effort: 4 }),
  avif: (image: Sharp) => image.avif({ quality: 50, effort: 4 }),
  jpeg: (image: Sharp) =>
    image.flatten({ background: '#ffffff' }).jpeg({ quality: 82, mozjpeg: true }),
  png: (image: Sharp) => image.png({ compressionLevel: 9, effort: 7 }),
} as const;

/** Checks an upload, decodes it once, and derives its facts and derivatives from that decode. */
export async function processImage(
  input: Buffer,
  limits: ImageLimits,
  options: { avif?: boolean } = {},
): Promise<{ facts: ImageFacts; derivatives: Derivative[] }> {
  const { format, header } = await open(input, limits);
  const decode = sharp(input, decodeOptions(limits))
    .autoOrient()
    .resize(derivativeBoxes.preview, derivativeBoxes.preview, {
      fit: 'inside',
      withoutEnlargement: true,
    })
    .toColourspace('srgb')
    .raw();
  const working = await unlessUnreadable(format, decode.toBuffer({ resolveWithObject: true }));
  // The thumbnail's pixels, kept raw: its encoding, the colour and both hashes read them.
  const small = await pixelsOf(working)
    .resize(derivativeBoxes.thumbnail, derivativeBoxes.thumbnail, {
      fit: 'inside',
      withoutEnlargement: true,
    })
    .raw()
    .toBuffer({ resolveWithObject: true });

  const derivativeFormats: Derivative['format'][] = options.avif ? ['webp', 'avif'] : ['webp'];
  const [derivatives, dominantColour, thumbhash, phash] = await Promise.all([
    Promise.all(
      derivativeFormats.flatMap((derivativeFormat) => [
        encode(small, 'thumbnail', derivativeFormat),
        encode(working, 'preview', derivativeFormat),
      ]),
    ),
    dominantColourOf(small),
    thumbhashOf(small),
    perceptualHashOf(small),
  ]);
  const { exif, gps, dropped } = readExif(header.exif);
  const facts: ImageFacts = {
    format,
    width: header.autoOrient.width,
    height: header.autoOrient.height,
    colourSpace: header.space,
    hasAlpha: header.hasAlpha,
    bitDepth: bitDepthOf(header),
    pages: header.pages ?? 1,
    exif,
    gps,
    exifDropped: dropped,
    dominantColour,
    thumbhash,
    perceptualHash: phash,
  };
  return { facts, derivatives };
}

export type ResizeRequest = {
  width?: number;
  height?: number;
  fit?: 'cover' | 'contain' | 'inside';
  format: 'webp' | 'avif' | 'jpeg' | 'png';
};

/**
 * One size on demand, oriented, in sRGB, without metadata and never enlarged. Without width and
 * height, the image as it is (within the largest size made on request).
 */
export async function resize(
  input: Buffer,
  request: ResizeRequest,
  limits: ImageLimits,
): Promise<{ bytes: Buffer; format: string; width: number; height: number }> {
  const width = checkResizeSide('width', request.width);
  const height = checkResizeSide('height', request.height);
  const encode = encoders[request.format];
  if (!encode) throw new RangeError(`resize cannot make ${String(request.format)}`);
  const { format } = await open(input, limits);
  const anySize = width === undefined && height === undefined;
  const pipeline = sharp(input, decodeOptions(limits))
    .autoOrient()
    .resize({
      width: anySize ? maxResizeDimension : width,
      height: anySize ? maxResizeDimension : height,
      fit: anySize ? 'inside' : (request.fit ?? 'inside'),
      withoutEnlargement: true,
      // The bands 'contain' adds: transparent, or white where the format has no alpha.
      background: { r: 255, g: 255, b: 255, alpha: request.format === 'jpeg' ? 1 : 0 },
    })
    .toColourspace('srgb');
  // One pipeline decodes and encodes, so a failure here is put down to the upload: our own
  // settings are fixed and tested.
  const { data, info } = await unlessUnreadable(
    format,
    encode(pipeline).toBuffer({ resolveWithObject: true }),
  );
  return { bytes: data, format: request.format, width: info.width, height: info.height };
}

/** Each format written again as itself, at a quality that keeps what a viewer sees. */
const sameFormat: Record<ImageFormat, (image: Sharp) => Sharp> = {
  jpeg: (image) => image.jpeg({ quality: 95 }),
  png: (image) => image.png({ compressionLevel: 9 }),
  webp: (image) => image.webp({ quality: 95 }),
  gif: (image) => image.gif(),
  avif: (image) => image.avif({ quality: 80 }),
  heif: (image) => image.heif({ compression: 'av1', quality: 80 }),
  tiff: (image) => image.tiff({ compression: 'deflate' }),
};

/**
 * The image in its own format with no metadata but its ICC profile, oriented: for originals
 * whose personal metadata cannot be taken out losslessly (see personal-metadata.ts). GIF and WebP
 * keep their frames.
 */
export async function reencodeWithoutMetadata(input: Buffer, limits: ImageLimits): Promise<Buffer> {
  const { format } = await open(input, limits);
  const animated = format === 'gif' || format === 'webp';
  let image = sharp(input, { ...decodeOptions(limits), animated }).keepIccProfile();
  // Frames are not rotated one by one; neither GIF nor WebP has an orientation.
  if (!animated) image = image.autoOrient();
  return unlessUnreadable(format, sameFormat[format](image).toBuffer());
}

function decodeOptions(limits: ImageLimits): SharpOptions {
  // 'error' refuses truncated and damaged pixel data; 'warning' would also refuse the many
  // cameras' files that only break a rule of the standard.
  return { failOn: 'error', limitInputPixels: limits.maxPixels, sequentialRead: true };
}

/** Size, format and declared dimensions: every check that needs no pixel. */
async function open(
  input: Buffer,
  limits: ImageLimits,
): Promise<{ format: ImageFormat; header: Metadata }> {
  checkBytes(input.length, limits);
  const format = await sniff(input);
  if (format === 'heif' && !decodesHevc && heifCodec(input) === 'hevc') {
    throw new ImageRefusal(
      'unsupported_format',
      'This is a HEIC image compressed with HEVC (as iPhones make by default), which cannot be ' +
        'decoded here: upload it as JPEG instead (on an iPhone, set Camera › Formats to ' +
        '"Most Compatible").',
    );
  }
  // The header only, without the pixel limit: the dimensions are checked below, with numbers a
  // person can act on. The limit is on for every decode.
  const header = await unlessUnreadable(
    format,
    sharp(input, { ...decodeOptions(limits), limitInputPixels: false }).metadata(),
  );
  if (header.format !== loaderOf[format]) {
    throw new ImageRefusal(
      'corrupt',
      `This file begins like a ${formatLabel[format]} image but is not one, so it cannot be read.`,
    );
  }
  checkDimensions(header.width, header.height, limits);
  return { format, header };
}

/** Awaits a step that reads the upload, turning the decoder's failures into refusals. */
async function unlessUnreadable<T>(format: ImageFormat, step: Promise<T>): Promise<T> {
  try {
    return await step;
  } catch (error) {
    // sharp's errors have no codes, only text. Its pixel limit trips only when the decoder finds
    // more pixels than the header declared, which has just been checked.
    if (error instanceof Error && error.message.includes('exceeds pixel limit')) {
      throw new ImageRefusal(
        'too_many_pixels',
        'This image holds more pixels than its header declares, or more than the limit.',
        { cause: error },
      );
    }
    throw new ImageRefusal(
      'corrupt',
      `This ${formatLabel[format]} file is damaged or incomplete, so it cannot be read.`,
      { cause: error },
    );
  }
}

type Pixels = { data: Buffer; info: { width: number; height: number; channels: number } };

/**
 * A new pipeline reading raw pixels in place, one per step: sharp's clone() would copy them
 * (structuredClone of its input).
 */
function pixelsOf({ data, info }: Pixels): Sharp {
  const { width, height, channels } = info;
  return sharp(data, { raw: { width, height, channels: channels as 1 | 2 | 3 | 4 } });
}

/** A derivative from pixels already within its box, so no resize is needed. */
async function encode(
  pixels: Pixels,
  name: Derivative['name'],
  format: Derivative['format'],
): Promise<Derivative> {
  // No withMetadata, keepExif or keepIccProfile: sharp writes none of the upload's metadata.
  const { data, info } = await encoders[format](pixelsOf(pixels)).toBuffer({
    resolveWithObject: true,
  });
  return { name, format, width: info.width, height: info.height, bytes: data };
}

async function dominantColourOf(pixels: Pixels): Promise<string> {
  // stats() reads its input, not the pipeline, and counts transparent pixels' colours: an image
  // with alpha is measured as it looks on white.
  const measured =
    pixels.info.channels === 4
      ? await pixelsOf(pixels)
          .flatten({ background: '#ffffff' })
          .raw()
          .toBuffer({ resolveWithObject: true })
      : pixels;
  const { dominant } = await pixelsOf(measured).stats();
  return `#${[dominant.r, dominant.g, dominant.b].map((c) => c.toString(16).padStart(2, '0')).join('')}`;
}

async function thumbhashOf(pixels: Pixels): Promise<string> {
  // 64 px a side, within thumbhash's 100: it keeps only the lowest frequencies, so the hash comes
  // out the same (or renders the same) as from 100 px, for less than half the work.
  const { data, info } = await pixelsOf(pixels)
    .resize(64, 64, { fit: 'inside', withoutEnlargement: true })
    .ensureAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return Buffer.from(rgbaToThumbHash(info.width, info.height, data)).toString('base64');
}

async function perceptualHashOf(pixels: Pixels): Promise<string> {
  const grey = await pixelsOf(pixels)
    .flatten({ background: '#ffffff' })
    .resize(32, 32, { fit: 'fill' })
    .greyscale()
    .raw()
    .toBuffer();
  return perceptualHash(grey);
}

const bitsOfDepth: Record<string, number> = {
  uchar: 8,
  char: 8,
  ushort: 16,
  short: 16,
  uint: 32,
  int: 32,
  float: 32,
  double: 64,
};

function bitDepthOf(header: Metadata): number | null {
  return header.bitsPerSample ?? bitsOfDepth[header.depth] ?? null;
}
