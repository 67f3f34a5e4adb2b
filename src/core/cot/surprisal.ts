/**
 * Stage 2 scores (docs/ALGORITHMS.md §2.3): first-token surprisal of every step,
 *   S_k = -log p(first token of step k | problem + steps 1..k-1),
 * for all steps from ONE forward pass over the whole trace (or, for a trace longer than the
 * model window, one batched scorer call over overlapping windows).
 *
 * "First token of step k" (exact): in the pass that scores the text holding step k, the
 * first scored token whose span [start, end) covers the step's first non-whitespace
 * character. With byte-level BPE a token may start before that character (when it merges
 * the separator with the step's first character); that token is still the one whose
 * probability the model assigned when it "decided" to start the step.
 */
import { throwIfCancelled } from '../errors.js';
import type { ScoredToken, ScoreOptions, ScoreRequest, ScoreResult, Scorer } from '../model/scorer.js';

/** Index of the first token covering UTF-16 offset `offset`, else the first token starting after it, else -1. */
export function tokenCoveringOffset(tokens: readonly ScoredToken[], offset: number): number {
  let lo = 0;
  let hi = tokens.length;
  // first token with end > offset
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (tokens[mid].end > offset) hi = mid;
    else lo = mid + 1;
  }
  return lo < tokens.length ? lo : -1;
}

/** Offset of the first non-whitespace character of `text` at or after `from` (text.length if none). */
export function firstNonWhitespace(text: string, from = 0): number {
  let p = from;
  while (p < text.length && /\s/.test(text[p])) p++;
  return p;
}

export interface SurprisalInput {
  /** Text placed before the trace: the problem (and the wrapper prefix), may be ''. */
  context: string;
  /** The trace text as the model reads it (steps and their separators). */
  text: string;
  /** Offset in `text` where each step starts (its first non-whitespace character is found from there). */
  stepStarts: readonly number[];
  /** End offset in `text` of each step (for window planning). */
  stepEnds: readonly number[];
}

export interface SurprisalPlanOptions {
  /**
   * Minimum model tokens of left context every step's first token must have in a long
   * trace (default: half the window, which is also the scorer's own policy for long
   * continuations, so each window is exactly one forward pass). At least 64.
   */
  minLeftContext?: number;
  /** Characters of the last owned step each window includes (its first token is all we need). */
  headChars?: number;
}

export interface SurprisalWindow {
  request: ScoreRequest;
  /** Offset of request.text inside the trace text. */
  textOffset: number;
  /** Steps whose first token is read from this window. */
  steps: number[];
  /** True when the context passed was already cut here (characters far beyond the window). */
  clipped: boolean;
}

/**
 * Plan the scorer requests: one request when context + trace fit the window, otherwise
 * windows that each own a run of consecutive steps. A window's text starts at its first
 * owned step and stops a few characters into its last owned step; everything before it is
 * passed as context, which the scorer cuts from the left. Window texts are kept to
 * maxTokens - minLeftContext - 16 model tokens, so each owned step's first token sees at
 * least minLeftContext tokens of preceding text (or all of it).
 */
export function planSurprisalWindows(
  input: SurprisalInput,
  maxTokens: number,
  countTokens: (text: string) => number,
  options: SurprisalPlanOptions = {},
): SurprisalWindow[] {
  const n = input.stepStarts.length;
  if (n === 0) return [];
  const all = Array.from({ length: n }, (_, i) => i);
  if (countTokens(input.context + input.text) + 2 <= maxTokens) {
    return [{ request: { context: input.context, text: input.text }, textOffset: 0, steps: all, clipped: false }];
  }
  const minLeft = Math.max(64, Math.min(options.minLeftContext ?? Math.floor(maxTokens / 2), maxTokens - 64));
  const headChars = options.headChars ?? 64;
  const capacity = Math.max(8, maxTokens - minLeft - 16);
  // Model tokens from the start of step i to the start of step i+1 (separator included).
  const seg = all.map((i) =>
    countTokens(input.text.slice(input.stepStarts[i], i + 1 < n ? input.stepStarts[i + 1] : input.text.length)),
  );
  const head = (i: number): number =>
    countTokens(input.text.slice(input.stepStarts[i], Math.min(input.stepEnds[i], input.stepStarts[i] + headChars)));
  const windows: SurprisalWindow[] = [];
  let a = 0;
  while (a < n) {
    let b = a;
    let used = 0; // tokens of steps a..b-1 in full
    while (b + 1 < n && used + seg[b] + head(b + 1) + 4 <= capacity) {
      used += seg[b];
      b++;
    }
    const start = input.stepStarts[a];
    const end = Math.min(input.stepEnds[b], input.stepStarts[b] + headChars);
    // The scorer cuts the context to the window in tokens; cutting far-away characters first
    // saves tokenizing the whole trace once per window (no token is longer than 16 chars).
    const full = input.context + input.text.slice(0, start);
    const keepChars = maxTokens * 16;
    const context = full.length > keepChars ? full.slice(full.length - keepChars) : full;
    windows.push({
      request: { context, text: input.text.slice(start, end) },
      textOffset: start,
      steps: all.slice(a, b + 1),
      clipped: context.length < full.length,
    });
    a = b + 1;
  }
  return windows;
}

export interface StepSurprisal {
  /** S_k in nats; NaN when no token covers the step (cannot happen for a non-empty step). */
  surprisal: number[];
  /** Whether any window's context was cut (the step did not see the whole problem + trace). */
  contextTruncated: boolean;
  windows: number;
  modelTokensProcessed: number;
}

/** Read S_k for each planned step from the scorer results (pure; results in window order). */
export function readFirstTokenSurprisal(
  input: SurprisalInput,
  windows: readonly SurprisalWindow[],
  results: readonly ScoreResult[],
): number[] {
  const s = new Array<number>(input.stepStarts.length).fill(Number.NaN);
  windows.forEach((w, wi) => {
    const tokens = results[wi].tokens;
    for (const k of w.steps) {
      const local = firstNonWhitespace(input.text, input.stepStarts[k]) - w.textOffset;
      const t = tokenCoveringOffset(tokens, local);
      if (t >= 0) s[k] = -tokens[t].logprob;
    }
  });
  return s;
}

/** S_k for all steps: one batched scorer call (one pass, or windows when the trace is long). */
export async function firstTokenSurprisal(
  input: SurprisalInput,
  scorer: Scorer,
  options: SurprisalPlanOptions & Pick<ScoreOptions, 'signal' | 'onProgress'> = {},
): Promise<StepSurprisal> {
  throwIfCancelled(options.signal);
  const windows = planSurprisalWindows(input, scorer.maxTokens, (t) => scorer.countTokens(t), options);
  if (windows.length === 0) return { surprisal: [], contextTruncated: false, windows: 0, modelTokensProcessed: 0 };
  const results = await scorer.score(
    windows.map((w) => w.request),
    { signal: options.signal, onProgress: options.onProgress },
  );
  return {
    surprisal: readFirstTokenSurprisal(input, windows, results),
    contextTruncated: results.some((r, i) => r.contextTruncated || windows[i].clipped),
    windows: windows.length,
    modelTokensProcessed: results.reduce((a, r) => a + r.tokensProcessed, 0),
  };
}
