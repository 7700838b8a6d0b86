// Image fixtures made in the test, so no binary file is checked in: pictures drawn from a seed and
// encoded by sharp, and hand-made files sharp will not write (a PNG bomb, BMP, HEVC HEIC, …).
import { randomBytes } from 'node:crypto';
import { crc32, deflateSync } from 'node:zlib';
import sharp, { type Exif, type Metadata } from 'sharp';
import type { ImageFormat } from '../../src/images/processing/sniff.ts';

export type ExifOptions = {
  make?: string;
  model?: string;
  /** As EXIF writes it: 'YYYY:MM:DD hh:mm:ss'. */
  takenAt?: string;
  /** '+02:00' */
  offset?: string;
  lens?: string;
  iso?: number;
  /** As a rational: '1/250'. */
  exposure?: string;
  /** As a rational: '50/1'. */
  focalLength?: string;
  gps?: { latitude: number; longitude: number };
  orientation?: number;
};

export type ImageOptions = {
  width?: number;
  height?: number;
  alpha?: boolean;
  /** A solid colour ('#rrggbb') instead of a picture. */
  colour?: string;
  /** Which picture: the same seed draws the same picture at any size. */
  scene?: number;
  /** For the lossy encoders. */
  quality?: number;
  exif?: ExifOptions;
  /** Frames of an animated GIF or WebP, each a different picture. */
  animated?: number;
  /** A 16-bit PNG or TIFF. */
  sixteenBit?: boolean;
  /** A CMYK JPEG or TIFF, as print workflows make. */
  cmyk?: boolean;
};

/** An image in `format`, encoded by sharp; HEIF is an AV1 HEIF (sharp cannot write HEVC). */
export async function makeImage(format: ImageFormat, options: ImageOptions = {}): Promise<Buffer> {
  const { width = 64, height = 48, alpha = false, animated } = options;
  const channels = alpha ? 4 : 3;
  const frames = animated ?? 1;
  const pixels = Buffer.concat(
    Array.from({ length: frames }, (_, frame) =>
      options.colour
        ? solid(width, height, channels, options.colour)
        : picture(width, height, channels, (options.scene ?? 1) + frame),
    ),
  );
  let image = sharp(pixels, {
    raw: { width, height: height * frames, channels, ...(animated ? { pageHeight: height } : {}) },
  });
  if (options.sixteenBit) image = image.toColourspace('rgb16');
  if (options.cmyk) image = image.toColourspace('cmyk');
  // sharp writes the Orientation tag itself, from withMetadata (IFD0.Orientation is overwritten).
  const orientation = options.exif?.orientation;
  if (orientation) image = image.withMetadata({ orientation });
  if (options.exif) image = image.withExifMerge(exifOf(options.exif));
  const quality = options.quality ?? 90;
  switch (format) {
    case 'jpeg':
      return image.jpeg({ quality }).toBuffer();
    case 'png':
      return image.png().toBuffer();
    case 'webp':
      return image.webp({ quality, ...(animated ? { loop: 0 } : {}) }).toBuffer();
    case 'gif':
      return image.gif(animated ? { loop: 0 } : {}).toBuffer();
    case 'avif':
      return image.avif({ quality }).toBuffer();
    case 'heif':
      return heifBranded(await image.heif({ compression: 'av1', quality }).toBuffer());
    case 'tiff':
      // sharp's default TIFF compression is JPEG, which drops alpha.
      return image.tiff({ compression: 'deflate' }).toBuffer();
  }
}

/** What sharp reads back from an encoded image, to check what a derivative carries. */
export function readBack(bytes: Buffer): Promise<Metadata> {
  return sharp(bytes).metadata();
}

/** Average colour of an encoded image, to check it decodes to the right pixels. */
export async function meanColour(bytes: Buffer): Promise<[number, number, number]> {
  const { channels } = await sharp(bytes).stats();
  const [r, g, b] = channels.map((c) => Math.round(c.mean));
  return [r ?? 0, g ?? 0, b ?? 0];
}

/**
 * The picture as a viewer sees it (oriented, on white), squeezed to 32×32 greyscale from all of
 * its pixels: what a pHash is defined on, made without any shortcut of the intake's.
 */
export function greyscale32(bytes: Buffer): Promise<Buffer> {
  return sharp(bytes)
    .autoOrient()
    .flatten({ background: '#ffffff' })
    .resize(32, 32, { fit: 'fill' })
    .greyscale()
    .raw()
    .toBuffer();
}

/** A PNG whose header declares width × height (CRCs valid) with only a few rows of data. */
export function pngBomb(width: number, height: number): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 1; // bit depth: 1-bit greyscale, the densest a bomb can be
  const row = Buffer.alloc(1 + Math.ceil(width / 8));
  const rows = deflateSync(Buffer.concat(Array.from({ length: 16 }, () => row)));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', header),
    pngChunk('IDAT', rows),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A PNG with a sound header whose pixel data is garbage. */
export function pngWithBadData(width: number, height: number): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8;
  header[9] = 2; // 8-bit RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', header),
    pngChunk('IDAT', seededBytes(200, 7)),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A 24-bit BMP (sharp cannot write one). */
export function makeBmp(width: number, height: number): Buffer {
  const stride = Math.ceil((width * 3) / 4) * 4;
  const file = Buffer.alloc(54 + stride * height, 0x80);
  file.write('BM', 0, 'latin1');
  file.writeUInt32LE(file.length, 2);
  file.writeUInt32LE(0, 6);
  file.writeUInt32LE(54, 10);
  file.writeUInt32LE(40, 14);
  file.writeInt32LE(width, 18);
  file.writeInt32LE(height, 22);
  file.writeUInt16LE(1, 26);
  file.writeUInt16LE(24, 28);
  file.writeUInt32LE(0, 30);
  file.writeUInt32LE(stride * height, 34);
  file.fill(0, 38, 54);
  return file;
}

export function makeSvg(withProlog = false): Buffer {
  const prolog = withProlog ? '<?xml version="1.0" encoding="UTF-8"?>\n' : '';
  return Buffer.from(
    `${prolog}<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100">` +
      '<script>alert(1)</script><rect width="100" height="100" fill="red"/></svg>',
  );
}

export function makePdfLike(): Buffer {
  return Buffer.from('%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< >>\n%%EOF\n');
}

/** A ZIP holding one small text file. */
export function makeZipLike(): Buffer {
  const name = Buffer.from('hello.txt');
  const data = Buffer.from('hello\n');
  const header = Buffer.alloc(30);
  header.writeUInt32LE(0x04034b50, 0);
  header.writeUInt16LE(20, 4);
  header.writeUInt32LE(crc32(data) >>> 0, 14);
  header.writeUInt32LE(data.length, 18);
  header.writeUInt32LE(data.length, 22);
  header.writeUInt16LE(name.length, 26);
  return Buffer.concat([header, name, data]);
}

/** An HEIF that says its images are HEVC-coded, as an iPhone's HEIC does. */
export async function makeHevcHeic(): Promise<Buffer> {
  const bytes = Buffer.from(await makeImage('heif'));
  bytes.write('heic', 8, 'latin1');
  for (const [from, to] of [
    ['av01', 'hvc1'],
    ['av1C', 'hvcC'],
  ] as const) {
    for (let at = bytes.indexOf(from); at >= 0; at = bytes.indexOf(from, at + 4)) {
      bytes.write(to, at, 'latin1');
    }
  }
  return bytes;
}

/** Bytes from a fixed seed: the same "random" file every run. */
export function seededBytes(length: number, seed: number): Buffer {
  const next = generator(seed);
  return Buffer.from(Array.from({ length }, () => Math.floor(next() * 256)));
}

/** Raw pixels of a picture: a gradient under a few overlapping ellipses, all drawn from `seed`. */
export function picture(width: number, height: number, channels: 3 | 4, seed: number): Buffer {
  const next = generator(seed);
  const colour = () => [next() * 255, next() * 255, next() * 255] as const;
  const [from, to] = [colour(), colour()];
  const angle = next() * Math.PI * 2;
  const shapes = Array.from({ length: 6 }, () => ({
    x: next(),
    y: next(),
    rx: 0.1 + next() * 0.3,
    ry: 0.1 + next() * 0.3,
    colour: colour(),
  }));
  const out = Buffer.alloc(width * height * channels);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const u = x / width;
      const v = y / height;
      const t = Math.min(
        1,
        Math.max(0, 0.5 + ((u - 0.5) * Math.cos(angle) + (v - 0.5) * Math.sin(angle))),
      );
      let rgb: readonly number[] = from.map((c, i) => c + ((to[i] as number) - c) * t);
      for (const s of shapes) {
        if (((u - s.x) / s.rx) ** 2 + ((v - s.y) / s.ry) ** 2 <= 1) rgb = s.colour;
      }
      const at = (y * width + x) * channels;
      out[at] = rgb[0] as number;
      out[at + 1] = rgb[1] as number;
      out[at + 2] = rgb[2] as number;
      // With alpha: the left quarter is transparent.
      if (channels === 4) out[at + 3] = u < 0.25 ? 0 : 255;
    }
  }
  return out;
}

function solid(width: number, height: number, channels: 3 | 4, hex: string): Buffer {
  const rgb = [1, 3, 5].map((i) => Number.parseInt(hex.slice(i, i + 2), 16));
  const out = Buffer.alloc(width * height * channels, 255);
  for (let at = 0; at < out.length; at += channels) {
    out[at] = rgb[0] as number;
    out[at + 1] = rgb[1] as number;
    out[at + 2] = rgb[2] as number;
  }
  return out;
}

function exifOf(options: ExifOptions): Exif {
  const image: Record<string, string> = {};
  const photo: Record<string, string> = {};
  const gps: Record<string, string> = {};
  if (options.make) image.Make = options.make;
  if (options.model) image.Model = options.model;
  if (options.takenAt) photo.DateTimeOriginal = options.takenAt;
  if (options.offset) photo.OffsetTimeOriginal = options.offset;
  if (options.lens) photo.LensModel = options.lens;
  if (options.iso) photo.ISOSpeedRatings = String(options.iso);
  if (options.exposure) photo.ExposureTime = options.exposure;
  if (options.focalLength) photo.FocalLength = options.focalLength;
  if (options.gps) {
    const { latitude, longitude } = options.gps;
    gps.GPSLatitudeRef = latitude < 0 ? 'S' : 'N';
    gps.GPSLatitude = degreesMinutesSeconds(latitude);
    gps.GPSLongitudeRef = longitude < 0 ? 'W' : 'E';
    gps.GPSLongitude = degreesMinutesSeconds(longitude);
  }
  return { IFD0: image, IFD2: photo, IFD3: gps };
}

// EXIF writes a coordinate as three rationals: "51/1 30/1 1234/100".
function degreesMinutesSeconds(value: number): string {
  const absolute = Math.abs(value);
  const degrees = Math.floor(absolute);
  const minutes = Math.floor((absolute - degrees) * 60);
  const hundredthsOfSeconds = Math.round(((absolute - degrees) * 60 - minutes) * 60 * 100);
  return `${degrees}/1 ${minutes}/1 ${hundredthsOfSeconds}/100`;
}

// sharp brands AV1 HEIF as AVIF; with 'mif1' as its major brand it is a plain HEIF, as a camera's.
function heifBranded(avif: Buffer): Buffer {
  const bytes = Buffer.from(avif);
  bytes.write('mif1', 8, 'latin1');
  return bytes;
}

function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body) >>> 0);
  return Buffer.concat([length, body, crc]);
}

// mulberry32: a small seeded generator of numbers in [0, 1).
function generator(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A photo that hardly compresses (noise, JPEG at quality 100): megabytes at a modest size, different on every call. */
export function noisyPhoto(width = 2000, height = 1500): Promise<Buffer> {
  return sharp(randomBytes(width * height * 3), { raw: { width, height, channels: 3 } })
    .jpeg({ quality: 100, chromaSubsampling: '4:4:4' })
    .toBuffer();
}
