/**
 * Adaptive per-function budgets (docs/ALGORITHMS.md §1.4). More relevant functions keep more of
 * their lines: r_i = clip(g * (1 + beta * (2 * s~_i - 1)), 0, 1) with min-max normalised
 * coarse scores s~_i and base rate g = budget / sum(T_i), then all r_i are rescaled so that
 * sum(r_i * T_i) equals the budget, and re-clipped.
 */

export interface FunctionBudgetInput {
  tokens: number;
  score: number;
}

export function allocateFunctionBudgets(fns: FunctionBudgetInput[], budget: number, beta = 0.5): number[] {
  const total = fns.reduce((s, f) => s + f.tokens, 0);
  if (fns.length === 0) return [];
  if (total <= budget) return fns.map((f) => f.tokens);
  if (budget <= 0) return fns.map(() => 0);
  const scores = fns.map((f) => (Number.isFinite(f.score) ? f.score : 0));
  const lo = Math.min(...scores);
  const hi = Math.max(...scores);
  const norm = scores.map((s) => (hi > lo ? (s - lo) / (hi - lo) : 0.5));
  const g = budget / total;
  let r = norm.map((s) => clip01(g * (1 + beta * (2 * s - 1))));
  // Rescale so the allocation sums to the budget; a few rounds because clipping at 1 moves
  // mass back to the unclipped functions.
  for (let round = 0; round < 8; round++) {
    const used = r.reduce((s, ri, i) => s + ri * fns[i].tokens, 0);
    if (used <= 0 || Math.abs(used - budget) < 0.5) break;
    const free = r.reduce((s, ri, i) => s + (ri < 1 ? ri * fns[i].tokens : 0), 0);
    const fixed = used - free;
    if (free <= 0) break;
    const factor = (budget - fixed) / free;
    r = r.map((ri) => (ri < 1 ? clip01(ri * factor) : 1));
  }
  return r.map((ri, i) => Math.floor(ri * fns[i].tokens));
}

function clip01(x: number): number {
  return x < 0 ? 0 : x > 1 ? 1 : x;
}
