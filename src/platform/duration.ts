const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** '7d', '12h', '30m', '90s', '500ms' → milliseconds. */
export function parseDuration(value: string): number {
  const match = /^(\d+)\s*(ms|[smhd])$/.exec(value.trim());
  const unit = match?.[2] ? units[match[2]] : undefined;
  if (!match || unit === undefined || Number(match[1]) === 0) {
    throw new Error(`"${value}" is not a duration like 7d, 12h, 30m, 90s or 500ms`);
  }
  return Number(match[1]) * unit;
}

/** The largest whole unit: 604800000 → '7d', 5400000 → '90m', 1500 → '1500ms'. */
export function formatDuration(ms: number): string {
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ] as const) {
    if (ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}

/** Milliseconds as a PostgreSQL interval literal, for `$n::interval`. */
export function toInterval(ms: number): string {
  return `${ms} milliseconds`;
}
