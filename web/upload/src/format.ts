// How sizes, dimensions and times read on the page.

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${Math.max(1, Math.round(bytes / 1024))} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

export function formatDimensions(width: number, height: number): string {
  return `${width} × ${height}`;
}

const relative = new Intl.RelativeTimeFormat('en', { numeric: 'always' });
const hour = 3_600_000;
const day = 24 * hour;

/** "expires in 6 days": whole units left, so it never promises more time than there is. */
export function expiresIn(expiresAt: string, now = Date.now()): string {
  const left = new Date(expiresAt).getTime() - now;
  if (left <= 0) return 'expired';
  if (left >= day) return `expires ${relative.format(Math.floor(left / day), 'day')}`;
  if (left >= hour) return `expires ${relative.format(Math.floor(left / hour), 'hour')}`;
  return `expires ${relative.format(Math.max(1, Math.floor(left / 60_000)), 'minute')}`;
}

const dateTime = new Intl.DateTimeFormat('en', { dateStyle: 'medium', timeStyle: 'short' });

export function formatDateTime(at: string): string {
  return dateTime.format(new Date(at));
}
