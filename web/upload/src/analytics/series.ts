// Chart rows made whole: a bar for every day of the range and every hour of the next 24, so a
// quiet day or hour reads as 0 rather than as missing.
import type { ChartRow } from './analytics-api.ts';
import { addDays, isoDay } from './filters.ts';

/** One row per day from `from` to `to` (or the data's own span), a column per series. */
export function dailySeries(
  rows: ChartRow[],
  from: string,
  to: string,
  series: string[],
): Array<Record<string, string | number>> {
  const days = rows.map((row) => String(row.day)).sort();
  const first = from || days[0] || isoDay(new Date());
  const last = to || [days.at(-1) ?? '', isoDay(new Date())].sort()[1] || first;
  const byDay = new Map<string, Record<string, string | number>>();
  const empty = (day: string) => Object.fromEntries([['day', day], ...series.map((s) => [s, 0])]);
  // A cap keeps "all time" over years from drawing thousands of bars.
  for (let at = new Date(`${first}T00:00:00Z`), n = 0; isoDay(at) <= last && n < 1500; n++) {
    byDay.set(isoDay(at), empty(isoDay(at)));
    at = addDays(at, 1);
  }
  for (const row of rows) {
    const day = String(row.day);
    const entry = byDay.get(day) ?? empty(day);
    entry[String(row.source)] = Number(entry[String(row.source)] ?? 0) + Number(row.images);
    byDay.set(day, entry);
  }
  return [...byDay.values()].sort((a, b) => String(a.day).localeCompare(String(b.day)));
}

/**
 * The next 24 hours, one bar each. The API sends all 24 windows (each starting now + k hours);
 * should it send only the hours that have images, the missing ones are drawn as 0.
 */
export function hourlySeries(rows: ChartRow[], now = Date.now()): ChartRow[] {
  const hour = 3_600_000;
  const byHour = new Map<number, number>();
  if (rows.length < 24) {
    const start = Math.floor(now / hour) * hour;
    for (let n = 0; n < 24; n++) byHour.set(start + n * hour, 0);
  }
  for (const row of rows) {
    const at = new Date(String(row.hour)).getTime();
    if (!Number.isFinite(at)) continue;
    // Rows fill the hour they fall in when the series was made up here.
    const key = rows.length < 24 ? Math.floor(at / hour) * hour : at;
    byHour.set(key, (byHour.get(key) ?? 0) + Number(row.images));
  }
  return [...byHour.entries()]
    .sort(([a], [b]) => a - b)
    .map(([at, images]) => ({ hour: new Date(at).toISOString(), images }));
}
