// The analytics API as the gateway serves it under /api/analytics: its answers' shapes, and the
// query strings that carry the page's filters.
import { api, gatewayUrl } from '../api.ts';

export const formats = ['jpeg', 'png', 'webp', 'gif', 'avif', 'heif', 'tiff'] as const;
export const sources = ['upload', 'stream'] as const;

export type Summary = {
  images: number;
  bytes: number;
  byFormat: Record<string, number>;
  bySource: Record<string, number>;
  storedNow: { images: number; bytes: number };
  uploadedLastDay: number;
  uploadedLastWeek: number;
  refusals: number;
  /** 0 … 1 */
  refusalRate: number;
  expiringNext24h: number;
};

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

export type ChartRow = Record<string, string | number>;
export type Chart = { chart: string; columns: string[]; rows: ChartRow[] };

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
  dominantColour: string | null;
  perceptualHash: string | null;
  /** False for metadata without bytes (demo history): no thumbnail to fetch. */
  hasThumbnail: boolean;
};

export type ExplorerPage = { images: ExplorerImage[]; next: string | null };
export type DuplicateGroup = { maxDistance: number; images: ExplorerImage[] };
export type NearDuplicates = { distance: number; groups: DuplicateGroup[] };

/** Query parameters by their API names; empty values are left out. */
export type Query = Record<string, string | undefined>;

export function queryString(query: Query): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) if (value) params.set(name, value);
  const text = params.toString();
  return text ? `?${text}` : '';
}

export const analytics = {
  summary: (query: Query) => api<Summary>('GET', `/api/analytics/summary${queryString(query)}`),
  chart: (chart: ChartName, query: Query) =>
    api<Chart>('GET', `/api/analytics/charts/${chart}${queryString(query)}`),
  /** For a plain link: the session cookie goes along with a same-site navigation. */
  csvUrl: (chart: ChartName, query: Query) =>
    gatewayUrl(`/api/analytics/charts/${chart}.csv${queryString(query)}`),
  images: (query: Query) => api<ExplorerPage>('GET', `/api/analytics/images${queryString(query)}`),
  nearDuplicates: (query: Query) =>
    api<NearDuplicates>('GET', `/api/analytics/near-duplicates${queryString(query)}`),
};
