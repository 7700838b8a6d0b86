// The analysts' view: the dashboard, the image explorer and the near-duplicates, one tab each,
// under the same filters. Where it is and what is filtered live in the URL hash.
import {
  keepPreviousData,
  QueryClient,
  QueryClientProvider,
  useQuery,
} from '@tanstack/react-query';
import { useCallback, useState } from 'react';
import { ApiError } from '../api.ts';
import { analytics, queryString } from './analytics-api.ts';
import { Explorer } from './Explorer.tsx';
import type { ParamChanges } from './FilterBar.tsx';
import { FilterBar } from './FilterBar.tsx';
import { commonQuery, filterParams, filtersOf } from './filters.ts';
import { analyticsPath, hrefOf, navigate, type Route } from './hash-route.ts';
import { defaultDistance, NearDuplicates } from './NearDuplicates.tsx';
import { Overview } from './Overview.tsx';
import { SqlWorkspace } from './SqlWorkspace.tsx';
import './analytics.css';

const tabs = [
  { path: analyticsPath, label: 'Overview' },
  { path: `${analyticsPath}/explorer`, label: 'Explorer' },
  { path: `${analyticsPath}/near-duplicates`, label: 'Near-duplicates' },
  { path: `${analyticsPath}/sql`, label: 'SQL' },
] as const;

/** `analyst`: the role says the API will answer, so the charts need not wait for the figures. */
export function AnalyticsPage({ route, analyst }: { route: Route; analyst: boolean }) {
  const [client] = useState(
    () =>
      new QueryClient({
        defaultOptions: {
          queries: {
            staleTime: 30_000,
            refetchOnWindowFocus: false,
            // While new filters load, the old figures stay (dimmed) instead of blinking away.
            placeholderData: keepPreviousData,
            // A refusal or a bad filter will not change by asking again.
            retry: (count, error) =>
              !(error instanceof ApiError && error.status >= 400 && error.status < 500) &&
              count < 2,
          },
        },
      }),
  );
  return (
    <QueryClientProvider client={client}>
      <Analytics route={route} analyst={analyst} />
    </QueryClientProvider>
  );
}

function Analytics({ route, analyst }: { route: Route; analyst: boolean }) {
  const { path, params } = route;
  const filters = filtersOf(params);
  const common = commonQuery(filters);
  const summary = useQuery({
    queryKey: ['summary', queryString(common)],
    queryFn: () => analytics.summary(common),
  });

  const change = useCallback(
    (changes: ParamChanges, replace = false) => {
      const next = new URLSearchParams(params);
      for (const [name, value] of Object.entries(changes)) {
        if (value === null || value === '') next.delete(name);
        else next.set(name, value);
      }
      navigate(path, next, replace);
    },
    [path, params],
  );
  const clear = useCallback(
    () => change(Object.fromEntries(filterParams.map((name) => [name, null]))),
    [change],
  );
  const distance = clampDistance(params.get('distance'));
  const setDistance = useCallback(
    (value: number) => change({ distance: value === defaultDistance ? null : String(value) }, true),
    [change],
  );

  if (summary.error instanceof ApiError && summary.error.status === 403)
    return <Forbidden message={summary.error.message} />;

  // Anyone else asks once (the figures) and hears why not, rather than once per chart.
  if (!analyst && !summary.isSuccess)
    return summary.isError ? (
      <p className="form-error" role="alert">
        {summary.error instanceof ApiError ? summary.error.message : String(summary.error)}
      </p>
    ) : (
      <div className="loading" aria-busy="true" />
    );
  const tab = tabs.find((candidate) => candidate.path === path) ?? tabs[0];
  return (
    <div className="analytics" data-testid="analytics">
      <div className="page-head">
        <div>
          <h1>Analytics</h1>
          <p className="muted">
            The images Tessera holds and has held, where they came from, and the uploads it refused.
          </p>
        </div>
        <nav className="tabs" aria-label="Analytics views">
          {tabs.map((candidate) => (
            <a
              key={candidate.path}
              href={hrefOf(candidate.path, params)}
              aria-current={candidate === tab ? 'page' : undefined}
            >
              {candidate.label}
            </a>
          ))}
        </nav>
      </div>
      {/* The SQL tab filters with its own WHERE. */}
      {tab.label !== 'SQL' && <FilterBar filters={filters} onChange={change} onClear={clear} />}
      {summary.isError && !(summary.error instanceof ApiError && summary.error.status === 403) && (
        <p className="form-error" role="alert">
          {summary.error instanceof ApiError ? summary.error.message : String(summary.error)}
        </p>
      )}
      {tab.label === 'Overview' && <Overview filters={filters} query={common} summary={summary} />}
      {tab.label === 'Explorer' && <Explorer params={params} common={common} onChange={change} />}
      {tab.label === 'Near-duplicates' && (
        <NearDuplicates distance={distance} common={common} onDistance={setDistance} />
      )}
      {tab.label === 'SQL' && <SqlWorkspace />}
    </div>
  );
}

function clampDistance(value: string | null): number {
  const n = Number(value ?? defaultDistance);
  return Number.isInteger(n) && n >= 0 && n <= 16 ? n : defaultDistance;
}

function Forbidden({ message }: { message: string }) {
  return (
    <section className="panel forbidden" role="alert" data-testid="analytics-forbidden">
      <h1>Analytics is for analysts</h1>
      <p className="muted">{message}</p>
      <p className="muted small">
        Ask an administrator for the analyst role if you need these figures.
      </p>
      <a className="button subtle" href="#/images">
        Back to my images
      </a>
    </section>
  );
}
