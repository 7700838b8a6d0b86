// The subset of an image's EXIF that Tessera keeps. EXIF comes from the upload and cameras write
// garbage (an ISO of 3,000,000,000, the date 9999:99:99, NULs in text, zero denominators), so each
// field passes ONE schema, `exifFields`, that mirrors the column it goes into (images.images in
// db/migrations/0001_images.sql). A field outside its column's domain is dropped with its reason and
// the photo is still stored: PostgreSQL never sees, so never refuses, a value it cannot hold. EXIF
// that cannot be read at all is treated as absent: the pixels may still be a fine image.
import exifReader from 'exif-reader';
import { z } from 'zod';

/** The largest value of an `integer` (int4) column. */
const int4Max = 2_147_483_647;

/** What a text column holds: whole characters (no split surrogate pair), no NUL, no control. */
const exifText = z
  .string()
  .transform((value) =>
    // EXIF ASCII ends at its first NUL; what follows is padding or garbage.
    Array.from((value.split('\0')[0] ?? '').replace(/[\p{Cc}\p{Cf}]/gu, '').trim())
      .slice(0, 200)
      .join('')
      .toWellFormed(),
  )
  .pipe(z.string().min(1, 'is empty'));

/** '+hh:mm' as PostgreSQL takes a zone: within ±15:59 (real zones are within -12:00..+14:00). */
const zoneOffset = z.string().regex(/^[+-](0\d|1[0-4]):[0-5]\d$/, 'is not a time zone offset');

/**
 * A timestamptz. exif-reader reads "YYYY:MM:DD hh:mm:ss" (which has no zone) as if it were UTC and
 * rolls impossible fields over (month 99 of 9999 is in 10007), so the year must stay within the four
 * digits EXIF writes. Date.UTC reads years 0..99 as 1900..1999: the placeholder "0000:00:00
 * 00:00:00" becomes 1899-11-30, and no camera wrote EXIF in 1900 either.
 */
const takenAt = z
  .object({
    date: z
      .date({ error: 'is not a date' })
      .min(new Date('1901-01-01T00:00:00Z'), 'is before 1901')
      .max(new Date('9999-12-31T23:59:59Z'), 'is after 9999'),
    // A bad offset is dropped alone: the camera's local time is still right.
    offset: zoneOffset.optional().catch(undefined),
  })
  .transform(({ date, offset }) => date.toISOString().slice(0, 19) + (offset ?? ''));

/** Each kept field, as the column it is stored in accepts it. */
export const exifFields = {
  cameraMake: exifText, // camera_make text
  cameraModel: exifText, // camera_model text
  lens: exifText, // lens text
  /** ISO 8601; with the offset when the camera recorded one, else the camera's local time. */
  takenAt, // taken_at timestamptz
  iso: z.number().int().min(1).max(int4Max), // iso integer
  /** Exposure time as photographers write it: "1/250", "0.5", "2"; a microsecond to a day. */
  exposure: z
    .number()
    .min(1e-6)
    .max(86_400)
    .transform((seconds) =>
      seconds < 0.5 ? `1/${Math.round(1 / seconds)}` : String(Math.round(seconds * 10) / 10),
    ), // exposure text
  /** Millimetres, two decimals; no lens, nor telescope, reaches 10 m. */
  focalLength: z
    .number()
    .gt(0)
    .max(10_000)
    .transform((mm) => Math.round(mm * 100) / 100), // focal_length numeric
  orientation: z.number().int().min(1).max(8), // not stored: sharp applies it
  /** Where the picture was taken: personal data, kept apart so expiry can drop it. */
  gps: z.object({
    latitude: z.number().min(-90).max(90), // gps_latitude double precision
    longitude: z.number().min(-180).max(180), // gps_longitude double precision
  }),
} as const;

type Fields = typeof exifFields;
type Field = keyof Fields;

export type GpsPosition = z.output<Fields['gps']>;

export type ExifFacts = { [K in Exclude<Field, 'gps'>]: z.output<Fields[K]> | null } & {
  /** Whether the file carries a position (the position itself is in `gps`). */
  hasGps: boolean;
};

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

/** A field left out, and why: "iso: Too big: expected number to be <=2147483647". */
export type DroppedField = string;

export type ExifReading = { exif: ExifFacts; gps: GpsPosition | null; dropped: DroppedField[] };

type Tags = Record<string, unknown>;

/** Reads the EXIF block sharp found (`metadata().exif`); absent or unreadable EXIF gives nulls. */
export function readExif(raw: Buffer | undefined): ExifReading {
  if (!raw || raw.length === 0) return { exif: noExif, gps: null, dropped: [] };
  let parsed: ReturnType<typeof exifReader>;
  try {
    parsed = exifReader(raw);
  } catch {
    // Malformed EXIF (bad offsets, wrong byte order mark): the upload's fault, not ours.
    return { exif: noExif, gps: null, dropped: ['exif: unreadable'] };
  }
  const image: Tags = parsed.Image ?? {};
  const photo: Tags = parsed.Photo ?? {};
  const { values, dropped } = checkFields({
    cameraMake: ascii(image.Make),
    cameraModel: ascii(image.Model),
    lens: ascii(photo.LensModel),
    takenAt:
      dated(photo.DateTimeOriginal, photo.OffsetTimeOriginal) ??
      dated(photo.DateTimeDigitized, photo.OffsetTimeDigitized) ??
      dated(image.DateTime, photo.OffsetTime),
    iso: first(photo.ISOSpeedRatings) ?? first(photo.ISOSpeed),
    exposure: photo.ExposureTime,
    focalLength: photo.FocalLength,
    orientation: image.Orientation,
    gps: position(parsed.GPSInfo ?? {}),
  });
  const { gps, ...exif } = values;
  return { exif: { ...exif, hasGps: gps !== null }, gps, dropped };
}

/** Each present field through its schema: kept if it fits its column, else null and the reason. */
function checkFields(candidates: Record<Field, unknown>) {
  const values = {} as Record<Field, unknown>;
  const dropped: DroppedField[] = [];
  for (const field of Object.keys(exifFields) as Field[]) {
    const candidate = candidates[field];
    values[field] = null;
    if (candidate === undefined || candidate === null) continue;
    const checked = exifFields[field].safeParse(candidate);
    if (checked.success) values[field] = checked.data;
    else dropped.push(`${field}: ${checked.error.issues.map((i) => i.message).join('; ')}`);
  }
  return { values: values as { [K in Field]: z.output<Fields[K]> | null }, dropped };
}

/** exif-reader gives ASCII with any byte above 127 as bytes: read them as UTF-8, as cameras mean. */
function ascii(value: unknown): unknown {
  return Buffer.isBuffer(value) ? value.toString('utf8') : value;
}

function first(value: unknown): unknown {
  return Array.isArray(value) ? value[0] : value;
}

function dated(date: unknown, offset: unknown) {
  return date === undefined || date === null ? undefined : { date, offset };
}

function position(gps: Tags) {
  const latitude = coordinate(gps.GPSLatitude, gps.GPSLatitudeRef, 'S');
  const longitude = coordinate(gps.GPSLongitude, gps.GPSLongitudeRef, 'W');
  return latitude === undefined && longitude === undefined ? undefined : { latitude, longitude };
}

/** Degrees, minutes and seconds with their hemisphere → signed decimal degrees (NaN if broken). */
function coordinate(value: unknown, ref: unknown, negative: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || value.length === 0 || value.length > 3) return Number.NaN;
  if (!value.every((part) => typeof part === 'number' && part >= 0)) return Number.NaN;
  const [degrees = 0, minutes = 0, seconds = 0] = value as number[];
  const unsigned = degrees + minutes / 60 + seconds / 3600;
  return typeof ref === 'string' && ref.trim().toUpperCase() === negative ? -unsigned : unsigned;
}
