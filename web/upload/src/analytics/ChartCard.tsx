// One dashboard card for one chart of the API: its title, its CSV download with the current
// filters, and its state (loading skeleton, failure, nothing to show, or the chart itself).
import { useQuery } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { ApiError } from '../api.ts';
import {
  analytics,
  type ChartName,
  type ChartRow,
  type Query,
  queryString,
} from './analytics-api.ts';

export function ChartCard(props: {
  chart: ChartName;
  title: string;
  subtitle: string;
  query: Query;
  /** Grid columns out of 12 at full width. */
  span: 4 | 6 | 8 | 12;
  /** The chart area's height in pixels (a chart of many rows may ask for more). */
  height?: number | ((rows: ChartRow[]) => number);
  /** Nothing worth drawing: all zero counts draw as an empty state too. */
  empty?: (rows: ChartRow[]) => boolean;
  emptyText?: string;
  children: (rows: ChartRow[]) => ReactNode;
}) {
  const { chart, query } = props;
  const result = useQuery({
    queryKey: ['chart', chart, queryString(query)],
    queryFn: () => analytics.chart(chart, query),
  });
  const rows = result.data?.rows;
  const empty = rows && (rows.length === 0 || (props.empty ?? allZero)(rows));
  const state = result.isError ? 'error' : !rows ? 'loading' : empty ? 'empty' : 'ready';
  const height =
    typeof props.height === 'function' ? props.height(rows ?? []) : (props.height ?? 260);
  const titleId = `chart-${chart}-title`;

  return (
    <section
      className={`chart-card span-${props.span}`}
      data-testid={`chart-${chart}`}
      data-state={state}
      aria-labelledby={titleId}
      aria-busy={state === 'loading'}
    >
      <header className="chart-head">
        <div>
          <h3 id={titleId}>{props.title}</h3>
          <p className="muted small">{props.subtitle}</p>
        </div>
        <a
          className="button subtle small csv-link"
          href={analytics.csvUrl(chart, query)}
          download={`tessera-${chart}.csv`}
          aria-label={`Download ${chart} CSV`}
          title="Download the data of this chart as CSV"
        >
          <DownloadIcon />
          CSV
        </a>
      </header>
      <div
        className={result.isFetching && rows ? 'chart-body refreshing' : 'chart-body'}
        style={{ height }}
      >
        {state === 'loading' && <div className="skeleton chart-skeleton" />}
        {state === 'error' && (
          <p className="chart-message error" role="alert">
            {result.error instanceof ApiError ? result.error.message : String(result.error)}
          </p>
        )}
        {state === 'empty' && (
          <div className="chart-message">
            <EmptyIcon />
            <span>{props.emptyText ?? 'No data for these filters.'}</span>
          </div>
        )}
        {state === 'ready' && rows && props.children(rows)}
      </div>
    </section>
  );
}

/** True when every number in every row is 0 (labels are strings and do not count). */
function allZero(rows: ChartRow[]): boolean {
  return rows.every((row) =>
    Object.values(row).every((value) => typeof value !== 'number' || value === 0),
  );
}

export function DownloadIcon() {
  return (
    <svg width="14" height="14" viewBox="0 0 24 24" aria-hidden="true" fill="none">
      <path
        d="M12 4v11m0 0-4.5-4.5M12 15l4.5-4.5M5 19h14"
        stroke="currentColor"
        strokeWidth="2"
        strokeLinecap="round"
        strokeLinejoin="round"
      />
    </svg>
  );
}

function EmptyIcon() {
  return (
    <svg width="28" height="28" viewBox="0 0 24 24" aria-hidden="true" fill="none">
      <path
        d="M4 19V9m5.33 10V5m5.34 14v-7M20 19v-4"
        stroke="currentColor"
        strokeWidth="1.8"
        strokeLinecap="round"
      />
    </svg>
  );
}
