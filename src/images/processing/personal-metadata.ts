// An original as someone other than its owner may have it: without where it was taken (GPS) and
// whose it is (serial numbers, owner and artist names, MakerNote, XMP, IPTC). The owner always gets
// the original byte for byte; this is for engineers and analysts looking at other people's images.
//
// Losslessly wherever the container allows, so the pixels are exactly the owner's:
// - JPEG: the EXIF APP1 segment is scrubbed in place; XMP (APP1), Photoshop/IPTC (APP13) and MPF
//   (APP2, which points at the images after the end) are dropped, and so is anything after EOI (a
//   second image with its own EXIF). Every other segment and the scan data are copied as they are.
// - PNG: the eXIf chunk is scrubbed in place (its CRC recomputed); text chunks are dropped, as they
//   may hold XMP, a raw EXIF profile or an author.
// - WebP: the EXIF chunk is scrubbed in place; the XMP chunk is dropped (its VP8X flag cleared).
// - TIFF: the file is itself a TIFF, scrubbed in place; its strips do not move.
// - AVIF and HEIF keep EXIF and XMP as items located by offsets across the file, and a GIF may
//   carry XMP in an application extension: these are decoded and encoded again without metadata
//   (ICC profile kept, orientation applied, frames kept), at a high quality.
// An EXIF block that does not hold together is dropped whole rather than passed on, and a
// container this walk cannot follow (sharp read it nonetheless) is encoded again: never leaked.
import { crc32 } from 'node:zlib';
import { reencodeWithoutMetadata } from './derive.ts';
import type { ImageLimits } from './limits.ts';
import type { ImageFormat } from './sniff.ts';
import { scrubTiff } from './tiff-scrub.ts';

export async function withoutPersonalMetadata(
  original: Buffer,
  format: ImageFormat,
  limits: ImageLimits,
): Promise<Buffer> {
  const lossless = losslessly[format];
  try {
    if (lossless) return lossless(original);
  } catch {
    // Encoded again below.
  }
  return reencodeWithoutMetadata(original, limits);
}

const losslessly: Partial<Record<ImageFormat, (original: Buffer) => Buffer>> = {
  jpeg: jpegWithout,
  png: pngWithout,
  webp: webpWithout,
  tiff: tiffWithout,
};

/** A copy of `block` scrubbed, or null when it cannot be read (then it is dropped). */
function scrubbed(block: Buffer): Buffer | null {
  const copy = Buffer.from(block);
  try {
    scrubTiff(copy);
    return copy;
  } catch {
    return null;
  }
}

const exifHeader = Buffer.from('Exif\0\0', 'latin1');
const xmpHeaders = ['http://ns.adobe.com/xap/1.0/\0', 'http://ns.adobe.com/xmp/extension/\0'];

function jpegWithout(jpeg: Buffer): Buffer {
  const parts: Buffer[] = [jpeg.subarray(0, 2)];
  let at = 2;
  while (at + 4 <= jpeg.length && jpeg[at] === 0xff) {
    const marker = jpeg[at + 1] as number;
    if (marker === 0xff) {
      at += 1; // a fill byte
      continue;
    }
    if (marker === 0xda) return Buffer.concat([...parts, jpeg.subarray(at, endOfImage(jpeg, at))]);
    const end = at + 2 + jpeg.readUInt16BE(at + 2);
    const segment = jpeg.subarray(at, end);
    const body = segment.subarray(4);
    if (marker === 0xe1 && body.subarray(0, 6).equals(exifHeader)) {
      const tiff = scrubbed(body.subarray(6));
      if (tiff) parts.push(segment.subarray(0, 10), tiff);
    } else if (
      !(marker === 0xe1 && xmpHeaders.some((h) => body.toString('latin1', 0, h.length) === h)) &&
      marker !== 0xed &&
      !(marker === 0xe2 && body.toString('latin1', 0, 4) === 'MPF\0')
    ) {
      parts.push(segment);
    }
    at = end;
  }
  // No scan found: not a JPEG intake accepted. Nothing of it is passed on.
  throw new Error('the JPEG has no scan');
}

/** Where the image ends: after the EOI that follows the scans (or the end of a truncated file). */
function endOfImage(jpeg: Buffer, sos: number): number {
  let at = sos;
  while (at + 4 <= jpeg.length) {
    const marker = jpeg[at + 1] as number;
    if (marker === 0xd9) return at + 2;
    if (marker === 0xff) {
      at += 1; // a fill byte
      continue;
    }
    at += 2 + jpeg.readUInt16BE(at + 2);
    if (marker !== 0xda) continue;
    // Entropy-coded data runs to the next marker: 0xFF not followed by 0x00 (a stuffed byte), a
    // restart marker (0xD0–0xD7) or another 0xFF (fill).
    while (at + 1 < jpeg.length) {
      if (jpeg[at] === 0xff) {
        const next = jpeg[at + 1] as number;
        if (next !== 0x00 && !(next >= 0xd0 && next <= 0xd7) && next !== 0xff) break;
      }
      at += 1;
    }
  }
  return jpeg.length;
}

const pngTextChunks = new Set(['tEXt', 'zTXt', 'iTXt']);

function pngWithout(png: Buffer): Buffer {
  const parts: Buffer[] = [png.subarray(0, 8)];
  let at = 8;
  while (at + 12 <= png.length) {
    const length = png.readUInt32BE(at);
    const type = png.toString('latin1', at + 4, at + 8);
    const end = at + 12 + length;
    const chunk = png.subarray(at, end);
    if (type === 'eXIf') {
      const tiff = scrubbed(chunk.subarray(8, 8 + length));
      if (tiff) parts.push(pngChunk(chunk.subarray(0, 8), tiff));
    } else if (!pngTextChunks.has(type)) {
      parts.push(chunk);
    }
    if (type === 'IEND') break;
    at = end;
  }
  return Buffer.concat(parts);
}

function pngChunk(head: Buffer, data: Buffer): Buffer {
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4, 8), data])) >>> 0);
  return Buffer.concat([head, data, crc]);
}

function webpWithout(webp: Buffer): Buffer {
  const parts: Buffer[] = [];
  let at = 12;
  while (at + 8 <= webp.length) {
    const type = webp.toString('latin1', at, at + 4);
    const size = webp.readUInt32LE(at + 4);
    const end = Math.min(webp.length, at + 8 + size + (size % 2));
    const chunk = Buffer.from(webp.subarray(at, end));
    if (type === 'VP8X') clearFlag(chunk, 0x04); // no XMP
    if (type === 'EXIF') {
      // The chunk holds a TIFF, or (as some writers make it) "Exif\0\0" and a TIFF.
      const skip = chunk.subarray(8, 14).equals(exifHeader) ? 6 : 0;
      const tiff = scrubbed(chunk.subarray(8 + skip, 8 + size));
      if (tiff) parts.push(chunk.subarray(0, 8 + skip), tiff, chunk.subarray(8 + size));
      else clearFlag(parts[0], 0x08);
    } else if (type !== 'XMP ') {
      parts.push(chunk);
    }
    at = end;
  }
  const head = Buffer.from(webp.subarray(0, 12));
  const body = Buffer.concat(parts);
  head.writeUInt32LE(4 + body.length, 4);
  return Buffer.concat([head, body]);
}

function tiffWithout(tiff: Buffer): Buffer {
  const copy = Buffer.from(tiff);
  scrubTiff(copy);
  return copy;
}

/** Clears a feature flag of the VP8X chunk (which comes first when present). */
function clearFlag(vp8x: Buffer | undefined, flag: number): void {
  if (vp8x?.toString('latin1', 0, 4) === 'VP8X') vp8x[8] = (vp8x[8] ?? 0) & ~flag;
}
