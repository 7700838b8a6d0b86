// What a file is, from its bytes alone: never its name or the type the client declared. Only the
// formats accepted here ever reach the decoder.
import { fileTypeFromBuffer } from 'file-type';
import { acceptedFormats, ImageRefusal } from './refusal.ts';

export type ImageFormat = 'jpeg' | 'png' | 'webp' | 'gif' | 'avif' | 'heif' | 'tiff';

/** How each accepted format is named to people. */
export const formatLabel: Record<ImageFormat, string> = {
  jpeg: 'JPEG',
  png: 'PNG',
  webp: 'WebP',
  gif: 'GIF',
  avif: 'AVIF',
  heif: 'HEIF',
  tiff: 'TIFF',
};

// file-type's extension → our format. An animated PNG is a PNG whose first frame every decoder
// shows; HEIC, HEIF and their sequences share one container and decoder.
const accepted: Record<string, ImageFormat> = {
  jpg: 'jpeg',
  png: 'png',
  apng: 'png',
  webp: 'webp',
  gif: 'gif',
  avif: 'avif',
  heic: 'heif',
  tif: 'tiff',
};

// Image formats we recognise and refuse (whatever their media type), by the names people know.
const refusedImages: Record<string, string> = {
  bmp: 'BMP',
  ico: 'ICO',
  cur: 'CUR',
  icns: 'ICNS',
  jxl: 'JPEG XL',
  jxr: 'JPEG XR',
  jp2: 'JPEG 2000',
  jpx: 'JPEG 2000',
  jpm: 'JPEG 2000',
  j2c: 'JPEG 2000',
  mj2: 'JPEG 2000',
  jls: 'JPEG-LS',
  psd: 'Photoshop (PSD)',
  xcf: 'GIMP (XCF)',
  flif: 'FLIF',
  bpg: 'BPG',
  ktx: 'KTX',
  eps: 'EPS',
  dcm: 'DICOM',
  dng: 'DNG camera raw',
  cr2: 'Canon raw (CR2)',
  cr3: 'Canon raw (CR3)',
  nef: 'Nikon raw (NEF)',
  arw: 'Sony raw (ARW)',
  orf: 'Olympus raw (ORF)',
  rw2: 'Panasonic raw (RW2)',
  raf: 'Fujifilm raw (RAF)',
};

// Other files, named as people know them where the extension alone would not do.
const otherNames: Record<string, string> = { gz: 'gzip', 'tar.gz': 'gzip', Z: 'compressed' };

/** The format of an upload, from its first bytes (4100 are enough); refuses anything else. */
export async function sniff(head: Buffer): Promise<ImageFormat> {
  if (head.length === 0) throw new ImageRefusal('empty', 'The file is empty.');
  // SVG is text (file-type sees at most XML): it can carry scripts and fetch other files.
  if (looksLikeSvg(head)) throw refusedImage('SVG');
  const found = await fileTypeFromBuffer(head);
  if (!found) {
    throw new ImageRefusal(
      'not_an_image',
      `This file is not an image in any format we recognise: upload ${acceptedFormats}.`,
    );
  }
  const format = accepted[found.ext];
  if (format) return format;
  const imageName = refusedImages[found.ext];
  if (imageName) throw refusedImage(imageName);
  if (found.mime.startsWith('image/')) throw refusedImage(found.ext.toUpperCase());
  const name = otherNames[found.ext] ?? found.ext.toUpperCase();
  throw new ImageRefusal(
    'not_an_image',
    `This is ${withArticle(name)} file, not an image: upload ${acceptedFormats}.`,
  );
}

/**
 * Which codec a HEIF file's images use, from the configuration box each coded image carries
 * ('hvcC' for HEVC, 'av1C' for AV1) in the header at the start of the file.
 */
export function heifCodec(bytes: Buffer): 'hevc' | 'av1' | 'unknown' {
  const header = bytes.subarray(0, 64 * 1024);
  if (header.includes('av1C', 0, 'latin1')) return 'av1';
  if (header.includes('hvcC', 0, 'latin1')) return 'hevc';
  return 'unknown';
}

function refusedImage(name: string): ImageRefusal {
  return new ImageRefusal(
    'unsupported_format',
    `This is ${withArticle(name)} image, which is not accepted: upload ${acceptedFormats}.`,
  );
}

function looksLikeSvg(head: Buffer): boolean {
  const text = head
    .subarray(0, 4100)
    .toString('utf8')
    .replace(/^\uFEFF/, '')
    .trimStart();
  return text.startsWith('<') && /<svg[\s>]/i.test(text);
}

// "an SVG", "an ICO", "a PDF", "a ZIP": letters read out one by one take the article of their
// sound; A, E, F, H, I, L, M, N, O, R, S and X sound like a vowel.
function withArticle(name: string): string {
  const spelled = /^[A-Z]{2}/.test(name);
  const vowelSound = /^[AEIOU]/i.test(name) || (spelled && /^[FHLMNRSX]/.test(name));
  return `${vowelSound ? 'an' : 'a'} ${name}`;
}
