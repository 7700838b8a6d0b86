const units: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** '7d', '12h', '30m', '90s' → milliseconds. */
export function parseDuration(value: string): number {
  const match = /^(\d+)\s*([smhd])$/.exec(value.trim());
  const unit = match?.[2] ? units[match[2]] : undefined;
  if (!match || unit === undefined || Number(match[1]) === 0) {
    throw new Error(`"${value}" is not a duration like 7d, 12h, 30m or 90s`);
  }
  return Number(match[1]) * unit;
}

/** The largest whole unit: 604800000 → '7d', 5400000 → '90m'. */
export function formatDuration(ms: number): string {
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
  ] as const) {
    if (ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${Math.round(ms / 1000)}s`;
}
