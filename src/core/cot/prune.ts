/**
 * Stage 2 removal (docs/ALGORITHMS.md §2.3), pure: given per-step tokens, surprisal and
 * protection, the order in which steps are removed to meet a token budget.
 *
 * Rule (exact): while the estimated total exceeds the budget, remove the unprotected,
 * still-kept step with the lowest S_k (NaN counts as +Infinity: never preferred; ties: the
 * lower index first). Estimated total = fixedTokens + sum(tokens of kept steps) +
 * separatorTokens * (kept steps - 1). The caller recounts the assembled text exactly and
 * continues with `nextRemoval` while the exact count is still over budget.
 */

export interface PruneItem {
  index: number;
  tokens: number;
  surprisal: number;
  protected: boolean;
}

export interface PruneInput {
  items: readonly PruneItem[];
  /** Tokens outside the steps that are always kept (wrapper prefix/suffix, in-text answer). */
  fixedTokens: number;
  /** Tokens of one separator between kept steps. */
  separatorTokens: number;
  budget: number;
  /** Indices already removed (by an earlier round or by stage 1). */
  removed?: ReadonlySet<number>;
}

export interface PruneOutcome {
  /** Removed in this call, in removal order. */
  removedOrder: number[];
  kept: Set<number>;
  estimatedTokens: number;
  /** False when only protected steps remain and the estimate still exceeds the budget. */
  budgetMet: boolean;
}

function removalRank(a: PruneItem, b: PruneItem): number {
  const sa = Number.isNaN(a.surprisal) ? Number.POSITIVE_INFINITY : a.surprisal;
  const sb = Number.isNaN(b.surprisal) ? Number.POSITIVE_INFINITY : b.surprisal;
  if (sa !== sb) return sa < sb ? -1 : 1;
  return a.index - b.index;
}

export function estimateKeptTokens(
  items: readonly PruneItem[],
  kept: ReadonlySet<number>,
  fixedTokens: number,
  separatorTokens: number,
): number {
  let total = fixedTokens;
  let count = 0;
  for (const it of items) {
    if (!kept.has(it.index)) continue;
    total += it.tokens;
    count++;
  }
  return total + separatorTokens * Math.max(0, count - 1);
}

/** The next step to remove (lowest S_k among unprotected kept steps), or -1. */
export function nextRemoval(items: readonly PruneItem[], kept: ReadonlySet<number>): number {
  let best: PruneItem | null = null;
  for (const it of items) {
    if (it.protected || !kept.has(it.index)) continue;
    if (best === null || removalRank(it, best) < 0) best = it;
  }
  return best === null ? -1 : best.index;
}

/**
 * Remove steps in ascending S_k until the estimate fits the budget, or until `maxRemovals`
 * steps were removed (used by the recompute mode, which rescores between rounds).
 */
export function pruneToBudget(input: PruneInput, maxRemovals = Number.POSITIVE_INFINITY): PruneOutcome {
  const kept = new Set(input.items.filter((it) => !input.removed?.has(it.index)).map((it) => it.index));
  const order = [...input.items].filter((it) => !it.protected && kept.has(it.index)).sort(removalRank);
  const removedOrder: number[] = [];
  let estimate = estimateKeptTokens(input.items, kept, input.fixedTokens, input.separatorTokens);
  for (const it of order) {
    if (estimate <= input.budget || removedOrder.length >= maxRemovals) break;
    kept.delete(it.index);
    removedOrder.push(it.index);
    estimate -= it.tokens + (kept.size > 0 ? input.separatorTokens : 0);
  }
  estimate = estimateKeptTokens(input.items, kept, input.fixedTokens, input.separatorTokens);
  return { removedOrder, kept, estimatedTokens: estimate, budgetMet: estimate <= input.budget };
}
