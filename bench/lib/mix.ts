/**
 * `count` picks from `kinds` in proportion to their shares: each next pick is the kind furthest
 * behind its share, so any prefix of the sequence is a fair mix too.
 */
export function fairMix<K extends { share: number }>(kinds: readonly K[], count: number): K[] {
  const used = kinds.map(() => 0);
  const total = kinds.reduce((sum, k) => sum + k.share, 0);
  const picks: K[] = [];
  for (let index = 0; index < count; index++) {
    let pick = 0;
    let behind = Number.NEGATIVE_INFINITY;
    for (const [k, kind] of kinds.entries()) {
      const deficit = ((index + 1) * kind.share) / total - (used[k] ?? 0);
      if (deficit > behind) [pick, behind] = [k, deficit];
    }
    used[pick] = (used[pick] ?? 0) + 1;
    picks.push(kinds[pick] as K);
  }
  return picks;
}
