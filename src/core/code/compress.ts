/**
 * Code-context compression (LongCodeZip, improved; docs/ALGORITHMS.md §1), one stage a module:
 *   rank     (rank.ts):            order every chunk by relevance to the query;
 *   walk     (select.ts):          keep whole chunks by rank while they fit;
 *   prune    (prune-functions.ts): the next-ranked functions share what is left, block by block;
 *   assemble (select.ts, assemble.ts): fill leftover budget, enforce the exact budget, emit text.
 * Kept text is verbatim source; each omitted run becomes one language-correct marker line.
 */
import { COMPRESSION_DEFAULTS, resolveBudget, type Budget } from '../budget.js';
import { UsageError, type CancellationSignal } from '../errors.js';
import type { AmiWeighting } from '../model/derive.js';
import type { Scorer } from '../model/scorer.js';
import type { TokenCounter } from '../tokens/estimate.js';
import type { Chunk, ChunkedFile, CompressionResult, ScoredChunk } from '../types.js';
import type { ChunkSelection } from './assemble.js';
import { allocateFunctionBudgets } from './budget.js';
import { dropReasonOf, keptTokensOf, worstIncludedRank } from './drop-reasons.js';
import { fileHeader } from './markers.js';
import { MARKER_TOKENS_ESTIMATE, pruneFunctions } from './prune-functions.js';
import {
  capQuery,
  framedQuery,
  rankChunks,
  type Prefilter,
  type QueryFraming,
  type Ranked,
  type RankingMethod,
} from './rank.js';
import { ScoringSession, type CompressionStage } from './scoring-session.js';
import { fillAndEnforce, fineCandidates, SelectionCosts, takeWholeByRank } from './select.js';

export type { CompressionStage } from './scoring-session.js';

export interface CompressCodeOptions {
  files: ChunkedFile[];
  /** What the user wants. May be empty when `cursor` is given (completion scenario). */
  query: string;
  /** Target size in the target tokenizer: absolute tokens, or a kept fraction of the original. */
  budget: Budget;
  scorer: Scorer;
  /** Counts tokens in the target assistant's tokenizer. */
  countTokens: TokenCounter;
  /** Strength of the score-dependent per-function budget (0 = uniform). */
  beta?: number;
  /** Chunks with fewer lines are atomic in the fine stage (kept whole or dropped). */
  minLines?: number;
  /** k in the spike threshold mean + k * std. */
  spikeK?: number;
  /**
   * Completion scenario: the code before this position (file + UTF-16 offset) in its chunk is
   * the query; that chunk is always kept and is not ranked.
   */
  cursor?: { file: string; offset: number };
  /** How chunks are ordered (rank.ts). */
  ranking?: RankingMethod;
  /** How the query follows a chunk: plain text (LongCodeZip) or as line comments of the chunk's language. */
  queryFraming?: QueryFraming;
  /** How query tokens count in AMI: 'surprisal' (default) or 'uniform' (LongCodeZip's mean). */
  amiWeighting?: AmiWeighting;
  /** Which chunks the model ranks (rank.ts `Prefilter`); default 'auto', the budget-sized cascade. */
  prefilter?: Prefilter;
  signal?: CancellationSignal;
  onProgress?: (stage: CompressionStage, done: number, total: number) => void;
  /** Time already spent parsing, reported in timings. */
  parseMs?: number;
}

/** Candidates for the fine stage: at most this many tokens per token of budget left. */
const FINE_POOL_FACTOR = 2;

export async function compressCode(options: CompressCodeOptions): Promise<CompressionResult> {
  const t0 = performance.now();
  const { scorer, countTokens, files } = options;
  const beta = options.beta ?? COMPRESSION_DEFAULTS.code.beta;
  const minLines = options.minLines ?? COMPRESSION_DEFAULTS.code.minLines;
  const flat: Chunk[] = files.flatMap((f) => f.chunks);
  const original = files
    .map((f) => (f.chunks.length > 0 ? fileHeader(f.file, f.language) + f.chunks.map((c) => c.text).join('') : ''))
    .join('');
  const originalTokens = countTokens(original);
  const budget = resolveBudget(options.budget, originalTokens);
  const selection: ChunkSelection = new Map();
  const session = new ScoringSession(scorer, options.signal, options.onProgress);
  const costs = new SelectionCosts(countTokens);
  let ranked: Ranked[] = [];
  const warnings: string[] = [];

  const { query, forced } = resolveQuery(options, flat);
  const queryTokens = countTokens(query);
  const finish = (text: string, stageMs: Record<string, number>): CompressionResult => {
    const compressedTokens = countTokens(text);
    if (originalTokens > 0 && text.trim() === '') warnings.push(emptyResultWarning(flat, ranked, costs, budget));
    const byIndex = new Map(ranked.map((r) => [r.index, r]));
    const worstIncluded = worstIncludedRank(ranked, selection);
    const chunks: ScoredChunk[] = flat.map((c, i) => {
      const keptLines = selection.get(i)?.keptLines ?? [];
      const total = c.endLine - c.startLine + 1;
      const keptCount = keptLines.reduce((n, [a, b]) => n + b - a + 1, 0);
      const { text: _text, startOffset: _s, endOffset: _e, ...rest } = c;
      void _text;
      void _s;
      void _e;
      const r = byIndex.get(i);
      const status = keptCount === 0 ? 'dropped' : keptCount >= total ? 'kept' : 'partial';
      const dropReason = dropReasonOf(status, r, costs.marks.get(i), worstIncluded);
      return {
        ...rest,
        score: r && Number.isFinite(r.score) ? round(r.score) : 0,
        rank: r?.rank ?? 0,
        status,
        keptLines,
        keptTokens: keptTokensOf(c, status, keptLines, countTokens),
        ...(dropReason ? { dropReason } : {}),
      };
    });
    return {
      originalTokens,
      compressedTokens,
      ratio: originalTokens > 0 ? round(compressedTokens / originalTokens) : 1,
      budget,
      model: scorer.info,
      timings: {
        parseMs: round(options.parseMs ?? 0),
        scoreMs: round(session.scoreMs),
        totalMs: round(performance.now() - t0 + (options.parseMs ?? 0)),
        ...stageMs,
      },
      modelTokensProcessed: session.modelTokens,
      modelTokensProcessedReleased: session.releasedTokens,
      modelTokensFromCache: session.cachedTokens,
      queryTokens,
      warnings,
      chunks,
      text,
    };
  };

  // Everything fits: hand it back untouched, no model work.
  if (originalTokens <= budget) {
    flat.forEach((c, i) => selection.set(i, { keptLines: [[c.startLine, c.endLine]] }));
    return finish(original, { coarseMs: 0, fineMs: 0, assembleMs: 0 });
  }
  let used = 0;
  if (forced >= 0) {
    const c = flat[forced];
    const cost = countTokens(fileHeader(c.file, c.language) + c.text);
    if (cost > budget)
      throw new UsageError(
        `The code around the cursor alone takes ${cost} tokens, more than the budget of ${budget} tokens.`,
      );
    selection.set(forced, { keptLines: [[c.startLine, c.endLine]] });
    used = costs.header(c) + costs.chunk(c);
    costs.openFiles.add(c.file);
  } else if (queryTokens >= budget) {
    throw new UsageError(`The query alone takes ${queryTokens} tokens, more than the budget of ${budget} tokens.`);
  }

  // ---- Rank.
  const tc = performance.now();
  const scoredQuery = capQuery(query, scorer);
  const framing = options.queryFraming ?? 'plain';
  ranked = await rankChunks(
    flat.map((c, i) => ({ c, i })).filter(({ c, i }) => i !== forced && c.text.trim() !== ''),
    session,
    {
      query: scoredQuery,
      ranking: options.ranking,
      framing,
      weighting: options.amiWeighting,
      prefilter: options.prefilter,
      budgetTokens: budget - used,
      signal: options.signal,
    },
  );
  const coarseMs = performance.now() - tc;

  // ---- Walk: whole chunks by rank while they fit.
  const walk = takeWholeByRank(ranked, selection, costs, budget, used);

  // ---- Prune: the next-ranked chunks share what is left.
  const tf = performance.now();
  const left = budget - walk.used;
  const candidates = fineCandidates(ranked, walk.next, left, costs, FINE_POOL_FACTOR);
  if (candidates.length > 0) {
    const perFn = allocateFunctionBudgets(
      candidates.map((r) => ({ tokens: costs.chunk(r.chunk), score: r.score })),
      Math.max(0, left - candidates.length * MARKER_TOKENS_ESTIMATE),
      beta,
    );
    const kept = await pruneFunctions(
      candidates.map((r) => r.chunk),
      perFn,
      session,
      {
        queryFor: (language) => framedQuery(scoredQuery, language, framing),
        minLines,
        spikeK: options.spikeK ?? COMPRESSION_DEFAULTS.code.spikeK,
        weighting: options.amiWeighting,
        countTokens,
        chunkTokens: candidates.map((r) => r.chunkTokens),
        signal: options.signal,
      },
    );
    candidates.forEach((r, k) => {
      if (kept[k].length > 0) selection.set(r.index, { keptLines: kept[k] });
    });
  }
  const fineMs = performance.now() - tf;

  // ---- Assemble: fill leftover budget, enforce the exact budget.
  const ta = performance.now();
  const text = fillAndEnforce(files, ranked, selection, costs, budget, countTokens, forced);
  return finish(text, { coarseMs: round(coarseMs), fineMs: round(fineMs), assembleMs: round(performance.now() - ta) });
}

/** The query, and the flat index of the chunk around the cursor (-1 without a cursor). */
function resolveQuery(options: CompressCodeOptions, flat: Chunk[]): { query: string; forced: number } {
  let query = options.query;
  let forced = -1;
  if (options.cursor) {
    const { file, offset } = options.cursor;
    forced = flat.findIndex((c) => c.file === file && c.startOffset <= offset && offset <= c.endOffset);
    if (forced < 0) throw new UsageError(`The cursor position is not inside ${file}.`);
    const c = flat[forced];
    if (query.trim() === '') query = c.text.slice(0, offset - c.startOffset);
  }
  if (query.trim() === '')
    throw new UsageError(
      'The query is empty: say what the context is for (a question, an instruction, or the code being written).',
    );
  return { query, forced };
}

/** Why nothing was kept, and the smallest budget that would keep the best-ranked chunk. */
function emptyResultWarning(flat: Chunk[], ranked: Ranked[], costs: SelectionCosts, budget: number): string {
  if (flat.every((c) => c.text.trim() === '')) return 'Nothing was kept: the files hold only blank text.';
  const best = ranked[0]?.chunk ?? flat.find((c) => c.text.trim() !== '')!;
  const need = costs.header(best) + costs.chunk(best);
  return `Nothing was kept: the budget of ${budget} tokens is too small to keep any chunk, whole or pruned; the best-ranked one (${best.name} in ${best.file}) needs about ${need} tokens.`;
}

function round(x: number): number {
  return Math.round(x * 10000) / 10000;
}
