// Timing statistics: medians over runs, and the mean and percentiles of latencies.

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

export type LatencyFigures = { mean: number; p50: number; p95: number; p99: number };

/** The mean and nearest-rank percentiles of latencies (0 for none). */
export function latencyFigures(latencies: number[]): LatencyFigures {
  const sorted = [...latencies].sort((a, b) => a - b);
  const rank = (p: number) => sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
  return {
    mean: sorted.reduce((sum, v) => sum + v, 0) / Math.max(1, sorted.length),
    p50: rank(50),
    p95: rank(95),
    p99: rank(99),
  };
}

/**
 * Each figure's median over the runs. A figure only some runs have: over those (and left out when
 * none has it).
 */
export function medians<F extends Record<string, number | undefined>>(runs: F[]): F {
  const names = new Set(runs.flatMap((run) => Object.keys(run)));
  const result: Record<string, number> = {};
  for (const name of names) {
    const values = runs.map((run) => run[name]).filter((v): v is number => v !== undefined);
    if (values.length) result[name] = median(values);
  }
  return result as F;
}
