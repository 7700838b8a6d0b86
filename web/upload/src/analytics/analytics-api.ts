// The analytics API as the gateway serves it under /api/analytics (its answers' shapes are the
// server's own, from contract.ts), and the query strings that carry the page's filters.
import type {
  Chart,
  ChartName,
  ExplorerPage,
  NearDuplicates,
  Summary,
} from '../../../../src/images/analytics/contract.ts';
import { api, gatewayUrl } from '../api.ts';

export * from '../../../../src/images/analytics/contract.ts';

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
