// Tables of figures, as the benches print them.
import { formatRatio } from './format.ts';
import type { Run } from './rounds.ts';
import type { LatencyFigures } from './stats.ts';

/**
 * Rows (the first one the headings) in columns two spaces apart, each as wide as its widest cell:
 * the first `textColumns` aligned left, the others (figures) right.
 */
export function table(rows: string[][], textColumns = 1): string {
  const widths = rows[0]?.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length))) ?? [];
  return rows
    .map((r) =>
      r
        .map((cell, c) =>
          c >= textColumns ? cell.padStart(widths[c] ?? 0) : cell.padEnd(widths[c] ?? 0),
        )
        .join('  '),
    )
    .join('\n');
}

/** A row for each variant: `A  its label`, then the `cells` of its figures. */
export function variantsTable<K extends string, F>(
  variants: { key: K; label: string }[],
  figuresOf: (key: K) => F,
  headings: string[],
  cells: (figures: F) => string[],
): string {
  return table([
    ['variant', ...headings],
    ...variants.map((v) => [`${v.key}  ${v.label}`, ...cells(figuresOf(v.key))]),
  ]);
}

/** A row for each run, in the order they ran: its round (from 1), its variant, its `cells`. */
export function roundsTable<F>(
  runs: Run<{ key: string }, F>[],
  headings: string[],
  cells: (figures: F) => string[],
): string {
  return table([
    ['round', 'variant', ...headings],
    ...runs.map(({ round, variant, figures }) => [
      String(round + 1),
      variant.key,
      ...cells(figures),
    ]),
  ]);
}

export type RatioColumn<F> = {
  heading: string;
  figure: (figures: F) => number;
  /** The second's over the first's: a time per item, from throughputs. */
  inverse?: boolean;
};

/**
 * A table of ratios between variants: a row for each pair (`A / B`), a column for each figure, the
 * first variant's over the second's.
 */
export function ratioTable<K extends string, F>(
  figuresOf: (key: K) => F,
  pairs: [K, K][],
  columns: RatioColumn<F>[],
): string {
  return table([
    ['ratio', ...columns.map((column) => column.heading)],
    ...pairs.map(([top, bottom]) => {
      const t = figuresOf(top);
      const b = figuresOf(bottom);
      return [
        `${top} / ${bottom}`,
        ...columns.map(({ figure, inverse }) =>
          inverse ? formatRatio(figure(b), figure(t)) : formatRatio(figure(t), figure(b)),
        ),
      ];
    }),
  ]);
}

/** The columns mean, p50, p95 and p99, for a ratioTable of figures with latencies. */
export const latencyRatios: RatioColumn<LatencyFigures>[] = [
  { heading: 'mean', figure: (f) => f.mean },
  { heading: 'p50', figure: (f) => f.p50 },
  { heading: 'p95', figure: (f) => f.p95 },
  { heading: 'p99', figure: (f) => f.p99 },
];
