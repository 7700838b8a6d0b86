// The key figures over the charts: what is stored now, what came in lately, what the range holds,
// how often uploads are refused, and what is about to expire.
import type { UseQueryResult } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import type { Summary } from './analytics-api.ts';
import { formatCount, formatPercent, humanBytes } from './number-format.ts';

export function FigureCards({ summary }: { summary: UseQueryResult<Summary> }) {
  const data = summary.data;
  const figures: Array<{
    id: string;
    label: string;
    scope: 'Now' | 'Range';
    value: (s: Summary) => string;
    detail: (s: Summary) => ReactNode;
    tone: string;
  }> = [
    {
      id: 'stored',
      label: 'Images stored',
      scope: 'Now',
      value: (s) => formatCount(s.storedNow.images),
      detail: (s) => `${humanBytes(s.storedNow.bytes)} stored`,
      tone: 'indigo',
    },
    {
      id: 'last-day',
      label: 'Uploaded, last 24 h',
      scope: 'Now',
      value: (s) => formatCount(s.uploadedLastDay),
      detail: () => 'images received',
      tone: 'sky',
    },
    {
      id: 'last-week',
      label: 'Uploaded, last 7 days',
      scope: 'Now',
      value: (s) => formatCount(s.uploadedLastWeek),
      detail: (s) => `${formatCount(Math.round(s.uploadedLastWeek / 7))} a day on average`,
      tone: 'teal',
    },
    {
      id: 'in-range',
      label: 'Images in range',
      scope: 'Range',
      value: (s) => formatCount(s.images),
      detail: (s) => `${humanBytes(s.bytes)} · ${formatCount(s.bySource.stream ?? 0)} streamed`,
      tone: 'violet',
    },
    {
      id: 'refusal-rate',
      label: 'Refusal rate',
      scope: 'Range',
      value: (s) => formatPercent(s.refusalRate),
      detail: (s) =>
        `${formatCount(s.refusals)} ${s.refusals === 1 ? 'upload' : 'uploads'} refused`,
      tone: 'rose',
    },
    {
      id: 'expiring',
      label: 'Expiring, next 24 h',
      scope: 'Now',
      value: (s) => formatCount(s.expiringNext24h),
      detail: () => 'images whose bytes go',
      tone: 'amber',
    },
  ];
  return (
    <ul className="figures" aria-label="Key figures">
      {figures.map((figure) => (
        <li
          key={figure.id}
          className={`figure tone-${figure.tone}`}
          data-testid={`figure-${figure.id}`}
          aria-busy={!data}
        >
          <div className="figure-head">
            <span className="figure-label">{figure.label}</span>
            <span
              className="figure-scope"
              title={
                figure.scope === 'Now'
                  ? 'As of now: the date range does not apply'
                  : 'Within the selected date range'
              }
            >
              {figure.scope}
            </span>
          </div>
          {data ? (
            <>
              <strong className="figure-value" data-testid="figure-value">
                {figure.value(data)}
              </strong>
              <span className="figure-detail">{figure.detail(data)}</span>
            </>
          ) : (
            <>
              <span className="skeleton figure-value-skeleton" />
              <span className="skeleton figure-detail-skeleton" />
            </>
          )}
        </li>
      ))}
    </ul>
  );
}
