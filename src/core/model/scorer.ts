/**
 * The one interface every decision of ContextZip rests on: token log-probabilities of a
 * continuation given a context, from a causal LM. All per-line, per-block and per-step
 * quantities are derived from these, always from ONE forward pass per (context, text) pair.
 */
import type { CancellationSignal } from '../errors.js';
import type { FusionWeights } from '../code/fusion.js';
import type { ModelInfo } from '../types.js';
import type { WordAssociation } from './word-association.js';

/** One scored token of the continuation. Offsets are UTF-16 offsets into the continuation text. */
export interface ScoredToken {
  id: number;
  /** Decoded text of the token (may be a partial character for byte-level BPE). */
  text: string;
  /** Natural-log probability of this token given everything before it. */
  logprob: number;
  /** [start, end) offsets of the token in the continuation string. */
  start: number;
  end: number;
}

export interface ScoreRequest {
  /** Text placed before the continuation (may be empty: then only BOS precedes it). */
  context: string;
  /** The text whose tokens are scored. */
  text: string;
  /**
   * Also return the context's own token log-probs (`ScoreResult.contextTokens`) from the same
   * forward pass. Causal: they equal scoring `{ context: '', text: context }` alone, so a stage
   * that needs both (ranking, then line surprisal of the same chunk) runs one pass, not two.
   */
  scoreContext?: boolean;
}

export interface ScoreResult {
  tokens: ScoredToken[];
  /** Sum of log-probs over `tokens` (natural log). */
  totalLogprob: number;
  /** exp(-totalLogprob / tokens.length); 1 for an empty continuation. */
  perplexity: number;
  /** True when the context had to be cut (from the left) to fit the model window. */
  contextTruncated: boolean;
  /** Model tokens that went through the forward pass for this pair (context + text). */
  tokensProcessed: number;
  /** True when the result came from the score cache (no forward pass was run). */
  cached?: boolean;
  /**
   * With `scoreContext`: the context's tokens, scored from BOS, offsets into the context
   * string. Absent when not asked for, or when the context had to be cut to fit the window.
   */
  contextTokens?: ScoredToken[];
}

export interface ScoreOptions {
  signal?: CancellationSignal;
  /** Called after each internal batch with (done, total) pairs. */
  onProgress?: (done: number, total: number) => void;
}

export interface Scorer {
  readonly info: ModelInfo;
  /** Maximum tokens per forward pass (context + text + BOS). Longer contexts are cut from the left. */
  readonly maxTokens: number;
  /** Score many pairs; results are in request order. Implementations batch with padding. */
  score(requests: ScoreRequest[], options?: ScoreOptions): Promise<ScoreResult[]>;
  /** The model's word-association component (embedded model), if it has one. */
  readonly wordAssociation?: WordAssociation | null;
  /** The model's own weights for the fused ranking (config.json contextzip.ranking.weights). */
  readonly fusionWeights?: FusionWeights;
  /** Tokens of `text` in the model's own tokenizer (for windowing decisions). */
  countTokens(text: string): number;
  dispose(): Promise<void>;
}
