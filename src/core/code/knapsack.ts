/**
 * Exact 0/1 knapsack for block selection (docs/ALGORITHMS.md §1.5). The released LongCodeZip
 * falls back to a greedy pass above 100 items / 2000 tokens and then even takes blocks of
 * negative value; we always solve exactly, bucketing weights (rounding them UP, so a
 * bucketed solution never exceeds the true capacity) to keep the table at most ~2M cells.
 */

export interface KnapsackItem {
  weight: number;
  value: number;
}

export interface KnapsackResult {
  /** Indices of chosen items, ascending. */
  chosen: number[];
  totalWeight: number;
  totalValue: number;
}

export interface KnapsackOptions {
  /** Largest DP table (items x capacity buckets). */
  maxCells?: number;
  /**
   * Take non-positive-value items only when capacity would otherwise stay unused and the
   * caller asked to fill it (they are added afterwards, heaviest-value first, while they fit).
   */
  fillWithNonPositive?: boolean;
}

export function knapsackSelect(items: KnapsackItem[], capacity: number, options: KnapsackOptions = {}): KnapsackResult {
  const maxCells = options.maxCells ?? 2_000_000;
  const cap = Math.max(0, Math.floor(capacity));
  // Only positive-value items with positive weight that fit at all enter the DP;
  // zero-weight positive items are free and always taken.
  const free: number[] = [];
  const cand: number[] = [];
  items.forEach((it, i) => {
    if (!(it.value > 0)) return;
    if (it.weight <= 0) free.push(i);
    else if (it.weight <= cap) cand.push(i);
  });
  const n = cand.length;
  let scale = 1;
  while (n > 0 && (n + 1) * (Math.floor(cap / scale) + 1) > maxCells) scale *= 2;
  const C = Math.floor(cap / scale);
  const w = cand.map((i) => Math.ceil(items[i].weight / scale));
  const v = cand.map((i) => items[i].value);
  // best[c] = best value with capacity c; keep[k] marks decisions per item (bitset per row).
  const best = new Float64Array(C + 1);
  const keep: Uint8Array[] = [];
  for (let k = 0; k < n; k++) {
    const row = new Uint8Array(C + 1);
    const wk = w[k];
    const vk = v[k];
    for (let c = C; c >= wk; c--) {
      const withItem = best[c - wk] + vk;
      // Strict improvement only: ties keep the earlier (lighter, already chosen) solution,
      // which makes the result deterministic.
      if (withItem > best[c] + 1e-12) {
        best[c] = withItem;
        row[c] = 1;
      }
    }
    keep.push(row);
  }
  const chosen: number[] = [...free];
  let c = C;
  for (let k = n - 1; k >= 0; k--) {
    if (keep[k][c]) {
      chosen.push(cand[k]);
      c -= w[k];
    }
  }
  let totalWeight = chosen.reduce((s, i) => s + Math.max(0, items[i].weight), 0);
  if (options.fillWithNonPositive) {
    const rest = items
      .map((it, i) => ({ it, i }))
      .filter(({ it, i }) => !(it.value > 0) && !chosen.includes(i))
      .sort((a, b) => b.it.value - a.it.value || a.it.weight - b.it.weight);
    for (const { it, i } of rest) {
      if (totalWeight + it.weight <= cap) {
        chosen.push(i);
        totalWeight += it.weight;
      }
    }
  }
  chosen.sort((a, b) => a - b);
  return { chosen, totalWeight, totalValue: chosen.reduce((s, i) => s + items[i].value, 0) };
}
