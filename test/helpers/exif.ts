// EXIF made byte by byte, as a camera (or an attacker) writes it: a TIFF block with chosen tags of
// chosen types, which sharp would never write (a LONG ISO of 3e9, a zero denominator, a NUL in the
// middle of a text), spliced into a JPEG as its APP1 segment.
export const tag = {
  Make: 0x010f,
  Model: 0x0110,
  Orientation: 0x0112,
  DateTime: 0x0132,
  Artist: 0x013b,
  ExifIfd: 0x8769,
  GpsIfd: 0x8825,
  ExposureTime: 0x829a,
  ISOSpeedRatings: 0x8827,
  DateTimeOriginal: 0x9003,
  OffsetTimeOriginal: 0x9011,
  ExposureBiasValue: 0x9204,
  FocalLength: 0x920a,
  MakerNote: 0x927c,
  CameraOwnerName: 0xa430,
  BodySerialNumber: 0xa431,
  LensModel: 0xa434,
  LensSerialNumber: 0xa435,
  CameraSerialNumber: 0xc62f,
  OwnerName: 0xfde8,
  GPSLatitudeRef: 0x0001,
  GPSLatitude: 0x0002,
  GPSLongitudeRef: 0x0003,
  GPSLongitude: 0x0004,
} as const;

/** A value of one TIFF type; rationals as [numerator, denominator] pairs. */
export type ExifEntry =
  | { tag: number; type: 'ASCII'; value: string }
  | { tag: number; type: 'UNDEFINED'; value: Buffer }
  | { tag: number; type: 'SHORT' | 'LONG' | 'SLONG'; value: number[] }
  | { tag: number; type: 'RATIONAL' | 'SRATIONAL'; value: [number, number][] };

export type ExifBlock = { ifd0?: ExifEntry[]; exif?: ExifEntry[]; gps?: ExifEntry[] };

const typeCode = {
  ASCII: 2,
  SHORT: 3,
  LONG: 4,
  RATIONAL: 5,
  UNDEFINED: 7,
  SLONG: 9,
  SRATIONAL: 10,
} as const;

/** The TIFF bytes of an EXIF block (little- or big-endian), IFD0 pointing at the Exif and GPS IFDs. */
export function buildTiff(block: ExifBlock, bigEndian = false): Buffer {
  const ifd0 = [...(block.ifd0 ?? [])];
  // Pointer entries are placeholders until the sub-IFDs' offsets are known.
  if (block.exif) ifd0.push({ tag: tag.ExifIfd, type: 'LONG', value: [0] });
  if (block.gps) ifd0.push({ tag: tag.GpsIfd, type: 'LONG', value: [0] });
  const ifds = [ifd0, block.exif, block.gps].filter((ifd): ifd is ExifEntry[] => !!ifd);
  const sizes = ifds.map((ifd) => ifdSize(ifd));
  const starts = sizes.map((_, i) => 8 + sizes.slice(0, i).reduce((a, b) => a + b, 0));
  const subIfds = [block.exif && tag.ExifIfd, block.gps && tag.GpsIfd].filter((t) => !!t);
  subIfds.forEach((pointerTag, i) => {
    const at = ifd0.findIndex((e) => e.tag === pointerTag);
    ifd0[at] = { tag: pointerTag, type: 'LONG', value: [starts[i + 1] as number] };
  });
  const header = Buffer.alloc(8);
  header.write(bigEndian ? 'MM' : 'II', 0, 'latin1');
  u16(header, 2, 42, bigEndian);
  u32(header, 4, 8, bigEndian);
  return Buffer.concat([
    header,
    ...ifds.map((ifd, i) => writeIfd(ifd, starts[i] as number, bigEndian)),
  ]);
}

/**
 * A whole TIFF image (uncompressed RGB, one strip after the IFDs) whose IFD0 also carries `block`'s
 * tags: sharp writes no EXIF into a TIFF, cameras' TIFFs and DNGs do.
 */
export function tiffImage(width: number, height: number, block: ExifBlock): Buffer {
  const pixels = Buffer.alloc(width * height * 3);
  for (let i = 0; i < pixels.length; i++) pixels[i] = (i * 7) % 251;
  const image = (stripAt: number): ExifBlock => ({
    ...block,
    ifd0: [
      { tag: 0x0100, type: 'LONG', value: [width] },
      { tag: 0x0101, type: 'LONG', value: [height] },
      { tag: 0x0102, type: 'SHORT', value: [8, 8, 8] },
      { tag: 0x0103, type: 'SHORT', value: [1] },
      { tag: 0x0106, type: 'SHORT', value: [2] },
      { tag: 0x0111, type: 'LONG', value: [stripAt] },
      { tag: 0x0115, type: 'SHORT', value: [3] },
      { tag: 0x0116, type: 'LONG', value: [height] },
      { tag: 0x0117, type: 'LONG', value: [pixels.length] },
      ...(block.ifd0 ?? []),
    ],
  });
  // The strip's offset is an inline LONG, so the IFDs' length does not depend on it.
  const length = buildTiff(image(0)).length;
  return Buffer.concat([buildTiff(image(length)), pixels]);
}

/** The APP1 segment holding `tiff`. */
export function exifSegment(tiff: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), tiff]);
  const head = Buffer.from([0xff, 0xe1, 0, 0]);
  head.writeUInt16BE(body.length + 2, 2);
  return Buffer.concat([head, body]);
}

/** A JPEG with the EXIF block (and any other segments) inserted right after its SOI. */
export function withExif(jpeg: Buffer, tiff: Buffer, ...segments: Buffer[]): Buffer {
  if (jpeg[0] !== 0xff || jpeg[1] !== 0xd8) throw new Error('not a JPEG');
  return Buffer.concat([jpeg.subarray(0, 2), exifSegment(tiff), ...segments, jpeg.subarray(2)]);
}

/** The JPEG from its first SOS marker to its end: the compressed pixels. */
export function scanData(jpeg: Buffer): Buffer {
  let at = 2;
  while (at + 4 <= jpeg.length) {
    const marker = jpeg[at + 1];
    if (marker === 0xda) return jpeg.subarray(at);
    at += 2 + jpeg.readUInt16BE(at + 2);
  }
  throw new Error('no scan in this JPEG');
}

/** A coordinate as EXIF writes it: degrees, minutes, hundredths of seconds. */
export function dms(value: number): [number, number][] {
  const absolute = Math.abs(value);
  const degrees = Math.floor(absolute);
  const minutes = Math.floor((absolute - degrees) * 60);
  const seconds = Math.round(((absolute - degrees) * 60 - minutes) * 60 * 100);
  return [
    [degrees, 1],
    [minutes, 1],
    [seconds, 100],
  ];
}

/** A GPS IFD for a position. */
export function gpsEntries(latitude: number, longitude: number): ExifEntry[] {
  return [
    { tag: tag.GPSLatitudeRef, type: 'ASCII', value: latitude < 0 ? 'S' : 'N' },
    { tag: tag.GPSLatitude, type: 'RATIONAL', value: dms(latitude) },
    { tag: tag.GPSLongitudeRef, type: 'ASCII', value: longitude < 0 ? 'W' : 'E' },
    { tag: tag.GPSLongitude, type: 'RATIONAL', value: dms(longitude) },
  ];
}

/**
 * What real cameras' EXIF holds at its worst: every value outside the column it would go into,
 * next to a position, serial numbers and the owner's name.
 */
export function hostileExif(): ExifBlock {
  return {
    ifd0: [
      { tag: tag.Make, type: 'ASCII', value: 'Can\0on' },
      // 199 letters and an emoji: cutting at 200 UTF-16 units would split its surrogate pair.
      { tag: tag.Model, type: 'ASCII', value: `${'M'.repeat(199)}📷` },
      { tag: tag.DateTime, type: 'ASCII', value: '2024:13:45 25:61:61' },
      { tag: tag.Artist, type: 'ASCII', value: 'Ada Lovelace' },
    ],
    exif: [
      { tag: tag.ExposureTime, type: 'RATIONAL', value: [[1, 0]] },
      { tag: tag.ISOSpeedRatings, type: 'LONG', value: [3_000_000_000] },
      { tag: tag.DateTimeOriginal, type: 'ASCII', value: '9999:99:99 99:99:99' },
      { tag: tag.OffsetTimeOriginal, type: 'ASCII', value: '+99:99' },
      { tag: tag.ExposureBiasValue, type: 'SRATIONAL', value: [[-7, 3]] },
      { tag: tag.FocalLength, type: 'SRATIONAL', value: [[-50, 1]] },
      { tag: tag.MakerNote, type: 'UNDEFINED', value: Buffer.from('SERIAL=MK-4242-SECRET\0') },
      { tag: tag.CameraOwnerName, type: 'ASCII', value: 'Ada Lovelace' },
      { tag: tag.BodySerialNumber, type: 'ASCII', value: 'BODY-0042-SECRET' },
      { tag: tag.LensSerialNumber, type: 'ASCII', value: 'LENS-0042-SECRET' },
      { tag: tag.OwnerName, type: 'ASCII', value: 'Ada L.' },
    ],
    gps: gpsEntries(51.5007, -0.1246),
  };
}

/** The secrets `personalExif` hides in a photo; none may reach anyone but its owner. */
export const personalSecrets = [
  'Ada Lovelace',
  'BODY-0042-SECRET',
  'LENS-0042-SECRET',
  'CAM-0042-SECRET',
  'MAKERNOTE-SECRET',
  'Ada L.',
];

/** A sound photo's EXIF that says where it was taken and whose camera took it. */
export function personalExif(): ExifBlock {
  return {
    ifd0: [
      { tag: tag.Make, type: 'ASCII', value: 'Canon' },
      { tag: tag.Model, type: 'ASCII', value: 'EOS R5' },
      { tag: tag.Orientation, type: 'SHORT', value: [1] },
      { tag: tag.Artist, type: 'ASCII', value: 'Ada Lovelace' },
      { tag: tag.CameraSerialNumber, type: 'ASCII', value: 'CAM-0042-SECRET' },
    ],
    exif: [
      { tag: tag.ExposureTime, type: 'RATIONAL', value: [[1, 250]] },
      { tag: tag.ISOSpeedRatings, type: 'SHORT', value: [400] },
      { tag: tag.DateTimeOriginal, type: 'ASCII', value: '2024:05:06 07:08:09' },
      { tag: tag.FocalLength, type: 'RATIONAL', value: [[50, 1]] },
      { tag: tag.MakerNote, type: 'UNDEFINED', value: Buffer.from('MAKERNOTE-SECRET\0\0\0\0') },
      { tag: tag.CameraOwnerName, type: 'ASCII', value: 'Ada Lovelace' },
      { tag: tag.BodySerialNumber, type: 'ASCII', value: 'BODY-0042-SECRET' },
      { tag: tag.LensSerialNumber, type: 'ASCII', value: 'LENS-0042-SECRET' },
      { tag: tag.OwnerName, type: 'ASCII', value: 'Ada L.' },
    ],
    gps: gpsEntries(51.5007, -0.1246),
  };
}

/** An XMP APP1 segment repeating the position and the owner, as Lightroom writes one. */
export function xmpSegment(): Buffer {
  const body = Buffer.from(
    'http://ns.adobe.com/xap/1.0/\0<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF ' +
      'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description ' +
      'xmlns:exif="http://ns.adobe.com/exif/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/" ' +
      'exif:GPSLatitude="51,30.04N" exif:GPSLongitude="0,7.48W" dc:creator="Ada Lovelace"/>' +
      '</rdf:RDF></x:xmpmeta>',
    'latin1',
  );
  const head = Buffer.from([0xff, 0xe1, 0, 0]);
  head.writeUInt16BE(body.length + 2, 2);
  return Buffer.concat([head, body]);
}

/** One hostile value each, alone: each of these made PostgreSQL refuse the whole row. */
export const singleHostileFields: Record<string, ExifBlock> = {
  'a LONG ISO of 3,000,000,000': {
    exif: [{ tag: tag.ISOSpeedRatings, type: 'LONG', value: [3_000_000_000] }],
  },
  'the date 9999:99:99 99:99:99': {
    exif: [{ tag: tag.DateTimeOriginal, type: 'ASCII', value: '9999:99:99 99:99:99' }],
  },
  'a time zone of +99:99': {
    exif: [
      { tag: tag.DateTimeOriginal, type: 'ASCII', value: '2024:05:06 07:08:09' },
      { tag: tag.OffsetTimeOriginal, type: 'ASCII', value: '+99:99' },
    ],
  },
  'a model cut inside an emoji': {
    ifd0: [{ tag: tag.Model, type: 'ASCII', value: `${'M'.repeat(199)}📷` }],
  },
};

function ifdSize(ifd: ExifEntry[]): number {
  return 2 + ifd.length * 12 + 4 + ifd.reduce((sum, e) => sum + outOfLine(valueBytes(e, false)), 0);
}

function outOfLine(bytes: Buffer): number {
  return bytes.length > 4 ? bytes.length + (bytes.length % 2) : 0;
}

function writeIfd(entries: ExifEntry[], start: number, bigEndian: boolean): Buffer {
  const sorted = [...entries].sort((a, b) => a.tag - b.tag);
  const table = Buffer.alloc(2 + sorted.length * 12 + 4);
  u16(table, 0, sorted.length, bigEndian);
  const extra: Buffer[] = [];
  let next = start + table.length;
  sorted.forEach((entry, i) => {
    const at = 2 + i * 12;
    const bytes = valueBytes(entry, bigEndian);
    u16(table, at, entry.tag, bigEndian);
    u16(table, at + 2, typeCode[entry.type], bigEndian);
    u32(table, at + 4, count(entry), bigEndian);
    if (bytes.length <= 4) {
      bytes.copy(table, at + 8);
    } else {
      u32(table, at + 8, next, bigEndian);
      const padded = Buffer.alloc(outOfLine(bytes));
      bytes.copy(padded);
      extra.push(padded);
      next += padded.length;
    }
  });
  return Buffer.concat([table, ...extra]);
}

function count(entry: ExifEntry): number {
  switch (entry.type) {
    case 'ASCII':
      return Buffer.byteLength(entry.value, 'utf8') + 1;
    case 'UNDEFINED':
      return entry.value.length;
    default:
      return entry.value.length;
  }
}

function valueBytes(entry: ExifEntry, bigEndian: boolean): Buffer {
  switch (entry.type) {
    case 'ASCII':
      return Buffer.from(`${entry.value}\0`, 'utf8');
    case 'UNDEFINED':
      return entry.value;
    case 'SHORT':
      return numbers(entry.value, 2, (b, at, v) => u16(b, at, v, bigEndian));
    case 'LONG':
      return numbers(entry.value, 4, (b, at, v) => u32(b, at, v, bigEndian));
    case 'SLONG':
      return numbers(entry.value, 4, (b, at, v) =>
        bigEndian ? b.writeInt32BE(v, at) : b.writeInt32LE(v, at),
      );
    case 'RATIONAL':
      return numbers(entry.value.flat(), 4, (b, at, v) => u32(b, at, v, bigEndian));
    case 'SRATIONAL':
      return numbers(entry.value.flat(), 4, (b, at, v) =>
        bigEndian ? b.writeInt32BE(v, at) : b.writeInt32LE(v, at),
      );
  }
}

function numbers(
  values: number[],
  size: number,
  write: (buffer: Buffer, at: number, value: number) => void,
): Buffer {
  const out = Buffer.alloc(values.length * size);
  values.forEach((value, i) => {
    write(out, i * size, value);
  });
  return out;
}

function u16(buffer: Buffer, at: number, value: number, bigEndian: boolean): void {
  if (bigEndian) buffer.writeUInt16BE(value, at);
  else buffer.writeUInt16LE(value, at);
}

function u32(buffer: Buffer, at: number, value: number, bigEndian: boolean): void {
  if (bigEndian) buffer.writeUInt32BE(value, at);
  else buffer.writeUInt32LE(value, at);
}
