// Every variant measured once a round, round after round, so that drift (caches, autovacuum, the
// JIT warming up) falls on every variant alike.

/**
 * same: every round in the variants' order; alternating: that order, then reversed (A B C, then
 * C B A); rotating: each round starts one variant later (A B C, B C A, C A B).
 */
export type Order = 'same' | 'alternating' | 'rotating';

export type Run<V, F> = { round: number; variant: V; figures: F };

/** Resolves with the runs in the order they ran; `round` counts from 0. */
export async function runRounds<V, F>(
  variants: V[],
  rounds: number,
  order: Order,
  measure: (variant: V) => Promise<F>,
): Promise<Run<V, F>[]> {
  const runs: Run<V, F>[] = [];
  for (let round = 0; round < rounds; round++) {
    for (const variant of ordered(variants, round, order)) {
      runs.push({ round, variant, figures: await measure(variant) });
    }
  }
  return runs;
}

/** One variant's figures, round after round. */
export function figuresOf<V, F>(runs: Run<V, F>[], variant: V): F[] {
  return runs.filter((run) => run.variant === variant).map((run) => run.figures);
}

function ordered<V>(variants: V[], round: number, order: Order): V[] {
  if (order === 'alternating') return round % 2 === 0 ? variants : [...variants].reverse();
  if (order === 'rotating') {
    return variants.map((_, i) => variants[(i + round) % variants.length] as V);
  }
  return variants;
}
