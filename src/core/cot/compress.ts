/**
 * Reasoning-trace compression, ASAP-style (docs/ALGORITHMS.md §2), end to end:
 * split into steps -> find the final answer -> stage 1 anchors (local rules, or a chat
 * model's proposal that passes the in-order 0.6 check) -> stage 2 first-token surprisal on
 * the stage-1 output -> remove unprotected steps in ascending surprisal until the budget
 * holds -> kept steps verbatim, in order.
 */
import { CancelledError, throwIfCancelled, type CancellationSignal } from '../errors.js';
import { approximateMutualInformation } from '../model/derive.js';
import type { Scorer } from '../model/scorer.js';
import { createTokenCounter, type TokenCounter } from '../tokens/index.js';
import type { ModelInfo } from '../types.js';
import { applyChatStage1, type AnchorModel } from './anchorModel.js';
import { answerCodeLines, answerIdentifiers, lexicalAnchor, topAmiSteps, type AnchorReason } from './anchors.js';
import { detectFinalAnswer, type AnswerSource } from './answer.js';
import { COMPRESSION_DEFAULTS, resolveBudget, validateBudget, type Budget } from '../budget.js';
import { nextRemoval, pruneToBudget, type PruneItem } from './prune.js';
import { assembleTrace, splitTrace, type SplitTrace } from './steps.js';
import { firstTokenSurprisal } from './surprisal.js';

export interface CotOptions {
  /** Problem statement placed before the trace when scoring (may be empty). */
  problem?: string;
  /** The final answer, when known (otherwise detected from the trace). */
  answer?: string;
  /** Kept fraction of the original tokens (default 0.8). Ignored when `budget` is set. */
  ratio?: number;
  /** Absolute token budget for the output (target tokenizer). */
  budget?: number;
  /** Target tokenizer counter (default o200k_base) and its name for the report. */
  countTokens?: TokenCounter;
  tokenizer?: string;
  /** Fraction of candidate steps anchored by AMI toward the answer (default 0.1; 0 disables AMI). */
  amiTopFraction?: number;
  /** The answer is cut to this many model tokens for AMI scoring (default 128). */
  amiAnswerMaxTokens?: number;
  /**
   * false: no stage-1 protection at all (no answer/lexical/AMI anchors): plain first-token
   * surprisal pruning, as ASAP's released stage 2. For comparisons; default true.
   */
  anchors?: boolean;
  /** Distinct answer identifiers a step must share to be anchored (default 2). */
  minSharedIdentifiers?: number;
  /** Model tokens of left context each step's first token sees in long traces (default: half the window). */
  minLeftContext?: number;
  /** Rescore surprisal after each removal round (traces up to `recomputeMaxTokens` model tokens). */
  recompute?: boolean;
  recomputeMaxTokens?: number;
  /** Steps removed per round in recompute mode (default 1). */
  recomputeStepsPerRound?: number;
  /** Optional chat-model stage 1 (setting contextzip.cot.useChatModelAnchor). */
  anchorModel?: AnchorModel;
  /**
   * A chat model's stage-1 proposal obtained beforehand (e.g. in the extension host, when
   * the compression itself runs in the model worker). Used when `anchorModel` is not given.
   */
  chatProposal?: { text: string; model?: string };
  signal?: CancellationSignal;
  /** A sentence per stage, for a status line. */
  onProgress?: (message: string) => void;
  /** Model batches done of the stage's total: 'anchors' (AMI toward the answer), 'surprisal'. */
  onStageProgress?: (stage: TraceStage, done: number, total: number) => void;
}

export type TraceStage = 'anchors' | 'surprisal';

export interface CotStepReport {
  index: number;
  /** Target-tokenizer tokens of the step text. */
  tokens: number;
  /** First-token surprisal S_k in nats (last value computed; null if not scored, e.g. removed by stage 1). */
  surprisal: number | null;
  anchored: boolean;
  kept: boolean;
  anchorReason: AnchorReason | null;
  /** AMI toward the answer, when computed. */
  ami: number | null;
  /** Why the step is gone: 'stage1' (chat model left it out) or 'surprisal'. */
  removedBy: 'stage1' | 'surprisal' | null;
  /** [start, end) UTF-16 offsets of the step in the input. */
  start: number;
  end: number;
}

export interface CotResult {
  originalTokens: number;
  compressedTokens: number;
  ratio: number;
  budget: number;
  budgetMet: boolean;
  text: string;
  steps: CotStepReport[];
  contextTruncated: boolean;
  warnings: string[];
  answer: { source: AnswerSource; tokens: number };
  stage1: { method: 'local' | 'chat-model'; model?: string; fallbackReason?: string };
  model: ModelInfo;
  tokenizer: string;
  modelTokensProcessed: number;
  surprisalWindows: number;
  timings: { anchorMs: number; scoreMs: number; totalMs: number };
}

/** Cut `text` to its longest prefix of at most `max` model tokens (binary search on length). */
export function clipToModelTokens(text: string, max: number, count: (t: string) => number): string {
  if (count(text) <= max) return text;
  let lo = 0;
  let hi = text.length;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (count(text.slice(0, mid)) <= max) lo = mid;
    else hi = mid - 1;
  }
  return text.slice(0, lo);
}

export async function compressTrace(input: string, scorer: Scorer, options: CotOptions = {}): Promise<CotResult> {
  const traceBudget: Budget = { tokens: options.budget, ratio: options.ratio };
  validateBudget(traceBudget);
  const t0 = Date.now();
  const signal = options.signal;
  const count = options.countTokens ?? createTokenCounter(options.tokenizer ?? 'o200k_base');
  const tokenizer = options.tokenizer ?? (options.countTokens ? 'custom' : 'o200k_base');
  const warnings: string[] = [];
  const split = splitTrace(input);
  const steps = split.steps;
  const n = steps.length;
  const sep = split.newline + split.newline;
  const answer = detectFinalAnswer(split, options.answer);
  if (answer.source === 'none')
    warnings.push(
      'No final answer found (no answer given, no text after </think>, no "Final answer" section, no code block): no step is anchored; pruning uses surprisal only.',
    );

  const originalTokens = count(input);
  const budget = resolveBudget(traceBudget, originalTokens, COMPRESSION_DEFAULTS.trace.ratio);
  const stepTokens = steps.map((s) => count(s.text));
  const fixedTokens = count(split.prefix) + count(split.suffix);
  const separatorTokens = count(sep);

  // ---- Stage 1: anchors (protected steps) ----
  const reasons: Array<AnchorReason | null> = new Array(n).fill(null);
  const useAnchors = options.anchors !== false;
  if (useAnchors) for (const i of answer.stepIndices) reasons[i] = 'answer';
  if (useAnchors && answer.source !== 'none') {
    const codeLines = answerCodeLines(answer.text);
    const ids = answerIdentifiers(answer.text);
    for (const s of steps) {
      if (reasons[s.index]) continue;
      const a = lexicalAnchor(s.text, codeLines, ids, { minSharedIdentifiers: options.minSharedIdentifiers });
      if (a) reasons[s.index] = a.reason;
    }
  }
  let modelTokensProcessed = 0;
  const ami: Array<number | null> = new Array(n).fill(null);
  const amiFraction = options.amiTopFraction ?? 0.1;
  const candidates = steps.filter((s) => reasons[s.index] === null).map((s) => s.index);
  if (useAnchors && amiFraction > 0 && answer.text.trim() !== '' && candidates.length > 0) {
    throwIfCancelled(signal);
    options.onProgress?.(`Scoring ${candidates.length} steps toward the answer (AMI)`);
    const ans = clipToModelTokens(answer.text, options.amiAnswerMaxTokens ?? 128, (t) => scorer.countTokens(t));
    const results = await scorer.score(
      [{ context: '', text: ans }, ...candidates.map((i) => ({ context: steps[i].text + sep, text: ans }))],
      { signal, onProgress: (done, total) => options.onStageProgress?.('anchors', done, total) },
    );
    modelTokensProcessed += results.reduce((a, r) => a + r.tokensProcessed, 0);
    const values = candidates.map((_, c) => approximateMutualInformation(results[0], results[c + 1]));
    candidates.forEach((i, c) => (ami[i] = values[c]));
    for (const c of topAmiSteps(values, amiFraction)) reasons[candidates[c]] = 'ami';
  }
  const anchored = reasons.map((r) => r !== null);
  const anchorMs = Date.now() - t0;

  // Optional chat-model stage 1: its in-order-valid proposal removes unanchored steps.
  const removedBy: Array<'stage1' | 'surprisal' | null> = new Array(n).fill(null);
  const stage1: CotResult['stage1'] = { method: 'local' };
  const applyProposal = (proposal: string): void => {
    const outcome = applyChatStage1(
      steps.map((s) => s.text),
      anchored,
      proposal,
    );
    if (outcome.rejectedReason === undefined) {
      stage1.method = 'chat-model';
      for (const i of outcome.removed) removedBy[i] = 'stage1';
      if (outcome.restored.length > 0)
        warnings.push(`The chat model's stage 1 left out ${outcome.restored.length} anchored step(s); they were kept.`);
    } else {
      stage1.fallbackReason = outcome.rejectedReason;
      warnings.push(`Chat-model stage 1 rejected, using local stage 1: ${outcome.rejectedReason}.`);
    }
  };
  if (options.anchorModel && n > 0) {
    stage1.model = options.anchorModel.id;
    try {
      throwIfCancelled(signal);
      options.onProgress?.('Asking the chat model for the anchor explanation');
      const explanation = await options.anchorModel.explain(options.problem ?? '', answer.text);
      throwIfCancelled(signal);
      options.onProgress?.('Asking the chat model for the stage-1 compression');
      applyProposal(await options.anchorModel.compress(steps.map((s) => s.text).join(sep), explanation));
    } catch (err) {
      if (err instanceof CancelledError) throw err;
      stage1.fallbackReason = err instanceof Error ? err.message.split('\n')[0] : String(err);
      warnings.push(`Chat-model stage 1 failed, using local stage 1: ${stage1.fallbackReason}`);
    }
  } else if (options.chatProposal && n > 0) {
    stage1.model = options.chatProposal.model;
    applyProposal(options.chatProposal.text);
  }

  // ---- Stage 2: first-token surprisal on the stage-1 output, then removal ----
  const t1 = Date.now();
  const problem = options.problem ?? '';
  const context = (problem.trim() !== '' ? problem.trimEnd() + sep : '') + split.prefix;
  const surprisal: Array<number | null> = new Array(n).fill(null);
  let contextTruncated = false;
  let surprisalWindows = 0;
  const kept = new Set(steps.filter((s) => removedBy[s.index] === null).map((s) => s.index));

  const rescore = async (): Promise<void> => {
    throwIfCancelled(signal);
    const order = steps.filter((s) => kept.has(s.index));
    const starts: number[] = [];
    const ends: number[] = [];
    let text = '';
    for (const s of order) {
      if (text.length > 0) text += sep;
      starts.push(text.length);
      text += s.text;
      ends.push(text.length);
    }
    const r = await firstTokenSurprisal({ context, text, stepStarts: starts, stepEnds: ends }, scorer, {
      signal,
      minLeftContext: options.minLeftContext,
      onProgress: (done, total) => options.onStageProgress?.('surprisal', done, total),
    });
    order.forEach((s, k) => (surprisal[s.index] = r.surprisal[k]));
    contextTruncated ||= r.contextTruncated;
    surprisalWindows += r.windows;
    modelTokensProcessed += r.modelTokensProcessed;
  };

  const items = (): PruneItem[] =>
    steps.map((s) => ({
      index: s.index,
      tokens: stepTokens[s.index],
      surprisal: surprisal[s.index] ?? Number.NaN,
      protected: anchored[s.index],
    }));
  const removed = (): Set<number> => new Set(steps.filter((s) => !kept.has(s.index)).map((s) => s.index));
  const apply = (order: number[]): void => {
    for (const i of order) {
      kept.delete(i);
      removedBy[i] = 'surprisal';
    }
  };

  if (kept.size > 0) {
    options.onProgress?.(`Scoring first-token surprisal of ${kept.size} steps`);
    await rescore();
    const traceModelTokens = options.recompute ? scorer.countTokens(context + steps.map((s) => s.text).join(sep)) : 0;
    const recomputeLimit = options.recomputeMaxTokens ?? 2048;
    if (options.recompute && traceModelTokens > recomputeLimit) {
      warnings.push(
        `Trace has ${traceModelTokens} model tokens (> ${recomputeLimit}): surprisal computed once, not after each removal.`,
      );
    }
    if (options.recompute && traceModelTokens <= recomputeLimit) {
      const perRound = Math.max(1, Math.floor(options.recomputeStepsPerRound ?? 1));
      for (;;) {
        const out = pruneToBudget(
          { items: items(), fixedTokens, separatorTokens, budget, removed: removed() },
          perRound,
        );
        apply(out.removedOrder);
        if (out.budgetMet || out.removedOrder.length === 0) break;
        await rescore();
      }
    } else {
      apply(pruneToBudget({ items: items(), fixedTokens, separatorTokens, budget, removed: removed() }).removedOrder);
    }
  }

  // Exact count of what we output; the estimate can be off by a token at step boundaries.
  let text = assembleTrace(split, kept);
  let compressedTokens = count(text);
  while (compressedTokens > budget) {
    const next = nextRemoval(items(), kept);
    if (next < 0) break;
    apply([next]);
    text = assembleTrace(split, kept);
    compressedTokens = count(text);
  }
  const budgetMet = compressedTokens <= budget;
  if (!budgetMet) {
    warnings.push(
      `Budget ${budget} tokens not reachable: anchored steps and the fixed text (wrappers, answer) alone take ${compressedTokens} tokens; all of them were kept.`,
    );
  }
  if (contextTruncated) {
    warnings.push(
      `The trace is longer than the model window (${scorer.maxTokens} tokens): surprisal was scored in ${surprisalWindows} windows, so early steps were not all visible to later ones.`,
    );
  }
  const scoreMs = Date.now() - t1;

  return {
    originalTokens,
    compressedTokens,
    ratio: originalTokens > 0 ? compressedTokens / originalTokens : 1,
    budget,
    budgetMet,
    text,
    steps: steps.map((s) => ({
      index: s.index,
      tokens: stepTokens[s.index],
      surprisal: surprisal[s.index] === null || Number.isNaN(surprisal[s.index]) ? null : surprisal[s.index],
      anchored: anchored[s.index],
      kept: kept.has(s.index),
      anchorReason: reasons[s.index],
      ami: ami[s.index],
      removedBy: removedBy[s.index],
      start: s.start,
      end: s.end,
    })),
    contextTruncated,
    warnings,
    answer: { source: answer.source, tokens: answer.text ? count(answer.text) : 0 },
    stage1,
    model: scorer.info,
    tokenizer,
    modelTokensProcessed,
    surprisalWindows,
    timings: { anchorMs, scoreMs, totalMs: Date.now() - t0 },
  };
}

export type { SplitTrace };
