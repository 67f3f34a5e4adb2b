/**
 * One budget concept for every compressor (code context and reasoning traces): an absolute
 * number of target-tokenizer tokens, or a kept fraction of the original. Defaults of the
 * algorithms' knobs live here too, so the CLI, the extension and the tests agree on them.
 * Messages name the concept, never a front end's flag: the CLI and the extension word their
 * own usage errors.
 */
import { UsageError } from './errors.js';

export interface Budget {
  /** Absolute budget in the target tokenizer's tokens; wins over `ratio`. */
  tokens?: number;
  /** Kept fraction of the original, in (0, 1]. */
  ratio?: number;
}

export const COMPRESSION_DEFAULTS = {
  code: {
    /** Strength of the score-dependent per-function budget in the fine stage (0 = uniform). */
    beta: 0.5,
    /** Chunks with fewer lines are atomic in the fine stage (kept whole or dropped). */
    minLines: 5,
    /** k in the spike threshold mean + k * std of line surprisal. */
    spikeK: 0.2,
  },
  trace: {
    /** Kept fraction of a reasoning trace when no budget is given. */
    ratio: 0.8,
  },
} as const;

/** Throws a UsageError when a given budget value is out of range. */
export function validateBudget(budget: Budget): void {
  if (budget.tokens !== undefined && !(Number.isFinite(budget.tokens) && budget.tokens >= 1))
    throw new UsageError(`The token budget must be a number of tokens of at least 1 (got ${budget.tokens}).`);
  if (budget.ratio !== undefined && !(Number.isFinite(budget.ratio) && budget.ratio > 0 && budget.ratio <= 1))
    throw new UsageError(`The ratio must be in (0, 1] (got ${budget.ratio}).`);
}

/**
 * The budget in tokens for an original of `originalTokens`: absolute tokens win, else the
 * ratio, else `defaultRatio` when the caller has one; neither is a usage error.
 */
export function resolveBudget(budget: Budget, originalTokens: number, defaultRatio?: number): number {
  validateBudget(budget);
  if (budget.tokens !== undefined) return Math.floor(budget.tokens);
  const ratio = budget.ratio ?? defaultRatio;
  if (ratio === undefined) throw new UsageError('Give a budget: a number of tokens or a ratio of the original.');
  return Math.floor(ratio * originalTokens);
}
