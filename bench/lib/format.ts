// Figures written as text, the same way in every bench.

/** Milliseconds: two decimals below 10, one from there. */
export function formatMs(ms: number): string {
  return ms < 10 ? ms.toFixed(2) : ms.toFixed(1);
}

/** A share (0 to 1) as a whole percentage. */
export function formatPercent(share: number): string {
  return `${Math.round(share * 100)}%`;
}

/** `top` over `bottom`, as 1.23x. */
export function formatRatio(top: number, bottom: number, digits = 2): string {
  return `${(top / bottom).toFixed(digits)}x`;
}

/** 1 round, 2 rounds. */
export function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
