// The subset of an image's EXIF that Tessera keeps. EXIF comes from the upload, so every value is
// checked for its type and range, and EXIF that cannot be read is treated as absent: the pixels
// may still be a fine image.
import exifReader from 'exif-reader';

export type ExifFacts = {
  cameraMake: string | null;
  cameraModel: string | null;
  /** ISO 8601; with the offset when the camera recorded one, else the camera's local time. */
  takenAt: string | null;
  lens: string | null;
  iso: number | null;
  /** Exposure time as photographers write it: "1/250", "0.5", "2". */
  exposure: string | null;
  /** Millimetres. */
  focalLength: number | null;
  /** Whether the file carries a position (the position itself is in `gps`). */
  hasGps: boolean;
  orientation: number | null;
};

/** Where the picture was taken: personal data, kept apart so expiry can drop it. */
export type GpsPosition = { latitude: number; longitude: number };

export const noExif: ExifFacts = Object.freeze({
  cameraMake: null,
  cameraModel: null,
  takenAt: null,
  lens: null,
  iso: null,
  exposure: null,
  focalLength: null,
  hasGps: false,
  orientation: null,
});

type Tags = Record<string, unknown>;

/** Reads the EXIF block sharp found (`metadata().exif`); absent or unreadable EXIF gives nulls. */
export function readExif(raw: Buffer | undefined): { exif: ExifFacts; gps: GpsPosition | null } {
  if (!raw || raw.length === 0) return { exif: noExif, gps: null };
  let parsed: ReturnType<typeof exifReader>;
  try {
    parsed = exifReader(raw);
  } catch {
    // Malformed EXIF (bad offsets, wrong byte order mark): the upload's fault, not ours.
    return { exif: noExif, gps: null };
  }
  const image: Tags = parsed.Image ?? {};
  const photo: Tags = parsed.Photo ?? {};
  const gps = position(parsed.GPSInfo ?? {});
  return {
    exif: {
      cameraMake: text(image.Make),
      cameraModel: text(image.Model),
      takenAt:
        when(photo.DateTimeOriginal, photo.OffsetTimeOriginal) ??
        when(photo.DateTimeDigitized, photo.OffsetTimeDigitized) ??
        when(image.DateTime, photo.OffsetTime),
      lens: text(photo.LensModel),
      iso: positiveInteger(first(photo.ISOSpeedRatings) ?? first(photo.ISOSpeed)),
      exposure: exposure(photo.ExposureTime),
      focalLength: positive(photo.FocalLength, 2),
      hasGps: gps !== null,
      orientation: orientation(image.Orientation),
    },
    gps,
  };
}

function text(value: unknown): string | null {
  const raw = Buffer.isBuffer(value) ? value.toString('utf8') : value;
  if (typeof raw !== 'string') return null;
  const clean = raw
    .replace(/[\p{Cc}\p{Cf}]/gu, '')
    .trim()
    .slice(0, 200);
  return clean === '' ? null : clean;
}

function first(value: unknown): unknown {
  return Array.isArray(value) ? value[0] : value;
}

function isNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function positive(value: unknown, decimals: number): number | null {
  if (!isNumber(value) || value <= 0) return null;
  const scale = 10 ** decimals;
  return Math.round(value * scale) / scale;
}

function positiveInteger(value: unknown): number | null {
  return isNumber(value) && Number.isInteger(value) && value > 0 ? value : null;
}

function orientation(value: unknown): number | null {
  return isNumber(value) && Number.isInteger(value) && value >= 1 && value <= 8 ? value : null;
}

/** exif-reader reads "YYYY:MM:DD hh:mm:ss" (which has no zone) as if it were UTC. */
function when(value: unknown, offset: unknown): string | null {
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) return null;
  // Date.UTC reads years 0..99 as 1900..1999: the placeholder "0000:00:00 00:00:00" becomes
  // 1899-11-30. No camera wrote EXIF in 1900 either.
  if (value.getUTCFullYear() <= 1900) return null;
  const local = value.toISOString().slice(0, 19);
  const zone = typeof offset === 'string' && /^[+-]\d{2}:\d{2}$/.test(offset) ? offset : '';
  return local + zone;
}

function exposure(value: unknown): string | null {
  if (!isNumber(value) || value <= 0) return null;
  if (value < 0.5) return `1/${Math.round(1 / value)}`;
  return String(Math.round(value * 10) / 10);
}

function position(gps: Tags): GpsPosition | null {
  const latitude = coordinate(gps.GPSLatitude, gps.GPSLatitudeRef, 'S', 90);
  const longitude = coordinate(gps.GPSLongitude, gps.GPSLongitudeRef, 'W', 180);
  return latitude === null || longitude === null ? null : { latitude, longitude };
}

/** Degrees, minutes and seconds with their hemisphere → signed decimal degrees. */
function coordinate(value: unknown, ref: unknown, negative: string, max: number): number | null {
  if (!Array.isArray(value) || value.length === 0 || value.length > 3) return null;
  if (!value.every((part) => isNumber(part) && part >= 0)) return null;
  const [degrees = 0, minutes = 0, seconds = 0] = value as number[];
  const unsigned = degrees + minutes / 60 + seconds / 3600;
  if (unsigned > max) return null;
  return typeof ref === 'string' && ref.trim().toUpperCase() === negative ? -unsigned : unsigned;
}
