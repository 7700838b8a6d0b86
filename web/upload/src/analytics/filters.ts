// The dashboard's common filters as they sit in the URL, and as the API takes them. A preset
// range ("last 30 days") stays a preset in the URL, so it still means the last 30 days tomorrow.
import type { Query } from './analytics-api.ts';

export const presets = [
  { key: '7d', label: '7 days', days: 7 },
  { key: '30d', label: '30 days', days: 30 },
  { key: '90d', label: '90 days', days: 90 },
  { key: 'all', label: 'All time', days: 0 },
] as const;
export type PresetKey = (typeof presets)[number]['key'];
export const defaultPreset: PresetKey = '30d';

export type Filters = {
  /** A preset, or 'custom' when `from` / `to` were picked by hand. */
  range: PresetKey | 'custom';
  from: string;
  to: string;
  source: string;
  format: string;
  owner: string;
};

/** The URL parameters the common filters own (the explorer's own fields are separate). */
export const filterParams = ['range', 'from', 'to', 'source', 'format', 'owner'] as const;

export function filtersOf(params: URLSearchParams, today = new Date()): Filters {
  const pick = (name: string) => params.get(name)?.trim() ?? '';
  const from = pick('from');
  const to = pick('to');
  const asked = pick('range');
  const range: Filters['range'] =
    from || to ? 'custom' : (presets.find((preset) => preset.key === asked)?.key ?? defaultPreset);
  const dates = range === 'custom' ? { from, to } : presetDates(range, today);
  return { range, ...dates, source: pick('source'), format: pick('format'), owner: pick('owner') };
}

/** The days a preset covers, ending today (UTC, as the API counts days). */
export function presetDates(key: PresetKey, today = new Date()): { from: string; to: string } {
  const days = presets.find((preset) => preset.key === key)?.days ?? 0;
  if (days === 0) return { from: '', to: '' };
  return { from: isoDay(addDays(today, -(days - 1))), to: isoDay(today) };
}

/** What the API is asked: the dates a preset stands for, and whatever else is set. */
export function commonQuery(filters: Filters): Query {
  return {
    from: filters.from,
    to: filters.to,
    source: filters.source,
    format: filters.format,
    owner: filters.owner,
  };
}

export function isoDay(at: Date): string {
  return at.toISOString().slice(0, 10);
}

export function addDays(at: Date, days: number): Date {
  return new Date(at.getTime() + days * 86_400_000);
}
