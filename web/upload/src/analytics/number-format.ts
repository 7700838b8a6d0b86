// How figures read on the dashboard: thousands separators, bytes in the unit that suits them.
const whole = new Intl.NumberFormat('en');
const compact = new Intl.NumberFormat('en', { notation: 'compact', maximumFractionDigits: 1 });
const percent = new Intl.NumberFormat('en', { style: 'percent', maximumFractionDigits: 1 });
const oneDecimal = new Intl.NumberFormat('en', { maximumFractionDigits: 1 });

export const formatCount = (value: number): string => whole.format(value);

/** For axis ticks, where "12.3K" fits and "12,345" does not. */
export const formatCompact = (value: number): string => compact.format(value);

export const formatPercent = (share: number): string => percent.format(share);

const units = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'];

/** Binary units, as the gallery shows sizes: 1 KB is 1024 bytes. */
export function humanBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? whole.format(value) : oneDecimal.format(value)} ${units[unit]}`;
}

export const formatMegapixels = (value: number): string => `${oneDecimal.format(value)} MP`;

const day = new Intl.DateTimeFormat('en', { month: 'short', day: 'numeric', timeZone: 'UTC' });
const dayLong = new Intl.DateTimeFormat('en', {
  weekday: 'short',
  month: 'short',
  day: 'numeric',
  year: 'numeric',
  timeZone: 'UTC',
});
const hour = new Intl.DateTimeFormat('en', { hour: '2-digit', minute: '2-digit', hour12: false });
const dateTime = new Intl.DateTimeFormat('en', { dateStyle: 'medium', timeStyle: 'short' });
const date = new Intl.DateTimeFormat('en', { dateStyle: 'medium' });

/** A UTC day (YYYY-MM-DD) as "Mar 4". */
export const formatDay = (iso: string): string => day.format(new Date(`${iso}T00:00:00Z`));
export const formatDayLong = (iso: string): string => dayLong.format(new Date(`${iso}T00:00:00Z`));
/** The local hour an ISO timestamp falls in, "14:00". */
export const formatHour = (iso: string): string => hour.format(new Date(iso));
export const formatDateTime = (iso: string): string => dateTime.format(new Date(iso));
export const formatDate = (iso: string): string => date.format(new Date(iso));
