// The analysts' dashboard: key figures, charts, an explorer of stored images and groups of
// near-duplicates, each within the same filters. Figures over history come from the daily rollups
// (images.facts), which the sweeper keeps rolled up; figures about now and the explorer read the
// images themselves.
import type { Db } from '../../platform/db/pool.ts';
import { sql } from '../../platform/db/sql.ts';
import type {
  Chart,
  ChartName,
  ChartRow,
  ExplorerImage,
  ExplorerPage,
  NearDuplicates,
  Summary,
  sources,
} from './contract.ts';
import type { GroupingJobs } from './near-duplicates-jobs.ts';

export type Filters = {
  /** First and last day (UTC, YYYY-MM-DD, inclusive); absent: all time. */
  from?: string | undefined;
  to?: string | undefined;
  source?: (typeof sources)[number] | undefined;
  format?: string | undefined;
  owner?: string | undefined;
};

const q = (name: string) => sql(import.meta.url, `../db/queries/analytics-${name}.sql`);

const rangeParams = (f: Filters) => [
  f.from ?? null,
  f.to ?? null,
  f.source ?? null,
  f.format ?? null,
  f.owner ?? null,
];
const nowParams = (f: Filters) => [f.source ?? null, f.format ?? null, f.owner ?? null];
const refusalParams = (f: Filters) => [
  f.from ?? null,
  f.to ?? null,
  f.source ?? null,
  f.owner ?? null,
];

export async function summary(db: Db, filters: Filters): Promise<Summary> {
  const [totals, now, refused] = await Promise.all([
    db.query<{ format: string; source: string; images: number; bytes: number }>(
      q('by-format-source'),
      rangeParams(filters),
    ),
    db.query<{
      stored_images: number;
      stored_bytes: number;
      expiring: number;
      last_day: number;
      last_week: number;
    }>(q('now'), nowParams(filters)),
    db.query<{ reason: string; refusals: number }>(q('refusals'), refusalParams(filters)),
  ]);
  const byFormat: Record<string, number> = {};
  const bySource: Record<string, number> = {};
  let images = 0;
  let bytes = 0;
  for (const row of totals.rows) {
    byFormat[row.format] = (byFormat[row.format] ?? 0) + row.images;
    bySource[row.source] = (bySource[row.source] ?? 0) + row.images;
    images += row.images;
    bytes += row.bytes;
  }
  const refusals = refused.rows.reduce((sum, row) => sum + row.refusals, 0);
  const current = now.rows[0];
  return {
    images,
    bytes,
    byFormat,
    bySource,
    storedNow: { images: current?.stored_images ?? 0, bytes: current?.stored_bytes ?? 0 },
    uploadedLastDay: current?.last_day ?? 0,
    uploadedLastWeek: current?.last_week ?? 0,
    refusals,
    refusalRate: refusals + images === 0 ? 0 : refusals / (refusals + images),
    expiringNext24h: current?.expiring ?? 0,
  };
}

/** One chart's data: named columns, and rows in the order to draw them. */
export async function chart(db: Db, name: ChartName, filters: Filters): Promise<Chart> {
  const { text, params, columns } = chartQuery(name, filters);
  const result = await db.query<ChartRow>(text, params);
  return { chart: name, columns, rows: result.rows };
}

function chartQuery(name: ChartName, f: Filters) {
  switch (name) {
    case 'uploads':
      return {
        text: q('uploads'),
        params: rangeParams(f),
        columns: ['day', 'source', 'images', 'bytes'],
      };
    case 'formats':
      return { text: q('formats'), params: rangeParams(f), columns: ['format', 'images', 'bytes'] };
    case 'sizes':
      return {
        text: q('histogram'),
        params: [...rangeParams(f), 'size'],
        columns: ['bucket', 'images'],
      };
    case 'dimensions':
      return {
        text: q('histogram'),
        params: [...rangeParams(f), 'pixels'],
        columns: ['bucket', 'images'],
      };
    case 'cameras':
      return { text: q('cameras'), params: rangeParams(f), columns: ['camera', 'images'] };
    case 'refusals':
      return { text: q('refusals'), params: refusalParams(f), columns: ['reason', 'refusals'] };
    case 'expiring':
      return { text: q('expiring'), params: nowParams(f), columns: ['hour', 'images'] };
  }
}

export type ExplorerFilters = Filters & {
  cameraMake?: string | undefined;
  cameraModel?: string | undefined;
  colourSpace?: string | undefined;
  hasAlpha?: boolean | undefined;
  minWidth?: number | undefined;
  maxWidth?: number | undefined;
  minHeight?: number | undefined;
  maxHeight?: number | undefined;
  minBytes?: number | undefined;
  maxBytes?: number | undefined;
  minMegapixels?: number | undefined;
  maxMegapixels?: number | undefined;
  takenFrom?: string | undefined;
  takenTo?: string | undefined;
};

type ImageRow = {
  image_id: string;
  owner_id: string;
  source: string;
  format: string;
  bytes: number;
  width: number;
  height: number;
  megapixels: string;
  has_alpha: boolean;
  colour_space: string;
  camera_make: string | null;
  camera_model: string | null;
  taken_at: string | null;
  created_at: string;
  expires_at: string;
  dominant_colour: string;
  perceptual_hash: string;
  has_thumbnail: boolean;
};

/** A page of stored images, newest first, and the cursor of the next page (null at the end). */
export async function explore(
  db: Db,
  f: ExplorerFilters,
  page: { limit: number; cursor?: string | undefined },
): Promise<ExplorerPage> {
  const after = page.cursor ? parseCursor(page.cursor) : null;
  const result = await db.query<ImageRow>(q('explore'), [
    ...rangeParams(f),
    f.cameraMake ?? null,
    f.cameraModel ?? null,
    f.colourSpace ?? null,
    f.hasAlpha ?? null,
    f.minWidth ?? null,
    f.maxWidth ?? null,
    f.minHeight ?? null,
    f.maxHeight ?? null,
    f.minBytes ?? null,
    f.maxBytes ?? null,
    f.minMegapixels ?? null,
    f.maxMegapixels ?? null,
    f.takenFrom ?? null,
    f.takenTo ?? null,
    after?.createdAt ?? null,
    after?.id ?? null,
    page.limit + 1,
  ]);
  const rows = result.rows.slice(0, page.limit);
  const last = rows.at(-1);
  return {
    images: rows.map(present),
    next: result.rows.length > page.limit && last ? makeCursor(last) : null,
  };
}

export class BadCursor extends Error {}

function makeCursor(row: ImageRow): string {
  return Buffer.from(JSON.stringify([row.created_at, row.image_id])).toString('base64url');
}

function parseCursor(cursor: string): { createdAt: string; id: string } {
  try {
    const [createdAt, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      typeof createdAt === 'string' &&
      typeof id === 'string' &&
      !Number.isNaN(Date.parse(createdAt))
    )
      return { createdAt, id };
  } catch {}
  throw new BadCursor('This cursor is not one the explorer gave.');
}

/** How many groups of near-duplicates an answer lists, the largest, and how many images of each. */
export const nearDuplicateLimits = { groups: 50, imagesPerGroup: 24 };

const uuidLength = 36;

/**
 * Groups of stored images whose perceptual hashes differ in at most `distance` bits, largest first,
 * each with its oldest images and the count of the others. The grouping runs off the event loop.
 */
export async function nearDuplicates(
  deps: { db: Db; grouping: GroupingJobs },
  filters: Filters,
  distance: number,
): Promise<NearDuplicates> {
  const result = await deps.db.query<{ hashes: string; ids: string }>(
    q('hashes'),
    rangeParams(filters),
  );
  const { hashes, ids } = result.rows[0] ?? { hashes: '', ids: '' };
  const groups = await deps.grouping.run(hashes, distance, {
    groups: nearDuplicateLimits.groups,
    membersPerGroup: nearDuplicateLimits.imagesPerGroup,
  });
  const idAt = (at: number) => ids.slice(at * uuidLength, (at + 1) * uuidLength);
  const found = await deps.db.query<ImageRow>(q('images-by-id'), [
    groups.flatMap((group) => group.members.map(idAt)),
  ]);
  const byId = new Map(found.rows.map((row) => [row.image_id, present(row)]));
  return {
    distance,
    groups: groups.map((group) => ({
      maxDistance: group.maxDistance,
      images: group.members.flatMap((at) => byId.get(idAt(at)) ?? []),
      more: group.size - group.members.length,
    })),
  };
}

function present(row: ImageRow): ExplorerImage {
  return {
    id: row.image_id,
    ownerId: row.owner_id,
    source: row.source,
    format: row.format,
    bytes: row.bytes,
    width: row.width,
    height: row.height,
    megapixels: Number(row.megapixels),
    hasAlpha: row.has_alpha,
    colourSpace: row.colour_space,
    cameraMake: row.camera_make,
    cameraModel: row.camera_model,
    takenAt: row.taken_at,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    dominantColour: row.dominant_colour,
    perceptualHash: row.perceptual_hash,
    hasThumbnail: row.has_thumbnail,
  };
}
