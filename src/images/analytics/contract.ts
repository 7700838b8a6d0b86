// The analytics API's answers and names, shared by the server (routes.ts, dashboard.ts) and the
// web app (web/upload/src/analytics): types and constants only, so the browser can import it.

export const formats = ['jpeg', 'png', 'webp', 'gif', 'avif', 'heif', 'tiff'] as const;
export const sources = ['upload', 'stream'] as const;

export const chartNames = [
  'uploads',
  'formats',
  'sizes',
  'dimensions',
  'cameras',
  'refusals',
  'expiring',
] as const;
export type ChartName = (typeof chartNames)[number];

export type Summary = {
  images: number;
  bytes: number;
  byFormat: Record<string, number>;
  bySource: Record<string, number>;
  storedNow: { images: number; bytes: number };
  uploadedLastDay: number;
  uploadedLastWeek: number;
  refusals: number;
  /** Refusals among all intakes in range, 0 to 1. */
  refusalRate: number;
  expiringNext24h: number;
};

export type ChartRow = Record<string, string | number>;
/** One chart's data: named columns, and rows in the order to draw them. */
export type Chart = { chart: ChartName; columns: string[]; rows: ChartRow[] };

export type ExplorerImage = {
  id: string;
  ownerId: string;
  source: string;
  format: string;
  bytes: number;
  width: number;
  height: number;
  megapixels: number;
  hasAlpha: boolean;
  colourSpace: string;
  cameraMake: string | null;
  cameraModel: string | null;
  takenAt: string | null;
  createdAt: string;
  expiresAt: string;
  dominantColour: string;
  perceptualHash: string;
  /** False for metadata without bytes (the demo history): there is nothing to show. */
  hasThumbnail: boolean;
};

export type ExplorerPage = { images: ExplorerImage[]; next: string | null };
/** A group of near-duplicates: its first (oldest) images, and how many more it has. */
export type DuplicateGroup = { maxDistance: number; images: ExplorerImage[]; more: number };
export type NearDuplicates = { distance: number; groups: DuplicateGroup[] };
