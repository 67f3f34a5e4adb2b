/**
 * Words for a run's numbers: a relevance a person can read (0–100 within the run) and why
 * each chunk was kept, pruned or dropped. Why a chunk lost lines is the engine's decision
 * (ScoredChunk.dropReason, worded by src/core/code/drop-reasons.ts); this adds the run's
 * context (relevance, rank, budget share) around it. Pure: no vscode.
 */
import { DROP_REASON_WORDS, dropReasonSummary } from '../../core/code/drop-reasons.js';
import type { CompressionResult, DropReason, ScoredChunk } from '../../core/types.js';

/** Why a chunk is where it is: a reason to keep it whole, or the engine's drop reason. */
export type DecisionReason =
  /** Nothing had to go: the scope fit the budget, so no chunk was ranked. */
  | 'fit'
  /** The code around the cursor: the query itself, always kept. */
  | 'query'
  /** Kept whole, by rank (or by the fill pass when it still fit). */
  | 'top'
  | DropReason;

export interface ChunkExplanation {
  chunk: ScoredChunk;
  /** 0–100 within the run: the best-ranked chunk is 100, the worst 0; undefined when not ranked. */
  relevance: number | undefined;
  /** Chunks that took part in the ranking. */
  rankedCount: number;
  keptLines: number;
  totalLines: number;
  /** Tokens of the kept lines, as the engine counted them (ScoredChunk.keptTokens). */
  keptTokens: number;
  /** keptTokens / budget. */
  budgetShare: number;
  reason: DecisionReason;
  /** One short phrase: "kept whole", "pruned to 2 of 9 lines", "too large for the remaining budget". */
  summary: string;
  /** One or two sentences for hovers and reports. */
  detail: string;
}

export interface RunExplanation {
  chunks: ChunkExplanation[];
  rankedCount: number;
  /** Relevance range of the chunks that made it in (kept or partial), if any were ranked. */
  keptRelevance: { min: number; max: number } | undefined;
  /** Per file, in result order: original and kept tokens (of the kept lines, without markers). */
  files: Array<{ file: string; originalTokens: number; keptTokens: number; best: number | undefined }>;
  counts: { kept: number; partial: number; dropped: number };
}

export function lineCount(ranges: Array<[number, number]>): number {
  return ranges.reduce((n, [a, b]) => n + b - a + 1, 0);
}

/** "it did not fit" -> "It did not fit". */
function sentence(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** "12" for whole numbers below 100, otherwise rounded. */
function n0(x: number): string {
  return Math.round(x).toLocaleString('en-US');
}

export function explainRun(result: CompressionResult): RunExplanation {
  const ranked = result.chunks.filter((c) => c.rank > 0);
  const rankedCount = ranked.length;
  // Min-max of the AMI scores of the ranked chunks. Chunks ranked with no score (BM25
  // prefilter) carry score 0 from the engine; they still rank, below everything scored.
  const scores = ranked.map((c) => c.score);
  const hi = scores.length ? Math.max(...scores) : 0;
  const lo = scores.length ? Math.min(...scores) : 0;
  const relevanceOf = (c: ScoredChunk): number | undefined => {
    if (c.rank <= 0) return undefined;
    if (hi === lo) return 100;
    return Math.round((100 * (c.score - lo)) / (hi - lo));
  };
  const budget = Math.max(1, result.budget);

  const chunks = result.chunks.map((c): ChunkExplanation => {
    const totalLines = c.endLine - c.startLine + 1;
    const keptLines = lineCount(c.keptLines);
    const keptTokens = c.keptTokens;
    const relevance = relevanceOf(c);
    const share = keptTokens / budget;
    const sharePct = `${(100 * share).toFixed(share < 0.1 ? 1 : 0)}%`;
    const rel = relevance === undefined ? 'not ranked' : `relevance ${relevance}/100, rank ${c.rank} of ${rankedCount}`;
    let reason: DecisionReason;
    let detail: string;
    if (c.status === 'kept') {
      if (rankedCount === 0) {
        reason = 'fit';
        detail = `The whole scope fit the budget of ${n0(result.budget)} tokens, so nothing was ranked or removed.`;
      } else if (c.rank === 0) {
        reason = 'query';
        detail = `This is the code around the cursor: it is the query, always kept (${n0(c.tokens)} tokens, ${sharePct} of the budget).`;
      } else {
        reason = 'top';
        detail = `Kept whole: ${rel}. It takes ${n0(c.tokens)} tokens, ${sharePct} of the budget.`;
      }
    } else {
      // The engine always says why; a result from before it did reads as "below the cut".
      reason = c.dropReason ?? 'below-cut';
      const why = sentence(DROP_REASON_WORDS[reason]);
      if (reason === 'pruned')
        detail =
          `Pruned to ${keptLines} of ${totalLines} lines: ${rel}. ${why}: ${n0(keptTokens)} of its ` +
          `${n0(c.tokens)} tokens (${sharePct} of the budget).`;
      else if (reason === 'blank') detail = `${why}.`;
      else if (reason === 'too-large')
        detail = `Dropped: ${rel}. At ${n0(c.tokens)} tokens (${((100 * c.tokens) / budget).toFixed(0)}% of the budget) ${DROP_REASON_WORDS[reason]}.`;
      else detail = `Dropped: ${rel}. ${why} (budget ${n0(result.budget)} tokens).`;
    }
    const summary =
      reason === 'fit' ? 'kept whole' : reason === 'query' ? 'kept: the code at the cursor' : dropReasonSummary(c);
    return {
      chunk: c,
      relevance,
      rankedCount,
      keptLines,
      totalLines,
      keptTokens,
      budgetShare: share,
      reason,
      summary,
      detail,
    };
  });

  const included = chunks.filter((e) => e.chunk.status !== 'dropped' && e.relevance !== undefined);
  const keptRelevance = included.length
    ? {
        min: Math.min(...included.map((e) => e.relevance!)),
        max: Math.max(...included.map((e) => e.relevance!)),
      }
    : undefined;
  const byFile = new Map<string, RunExplanation['files'][number]>();
  for (const e of chunks) {
    let f = byFile.get(e.chunk.file);
    if (!f) {
      f = { file: e.chunk.file, originalTokens: 0, keptTokens: 0, best: undefined };
      byFile.set(e.chunk.file, f);
    }
    f.originalTokens += e.chunk.tokens;
    f.keptTokens += e.keptTokens;
    if (e.relevance !== undefined) f.best = Math.max(f.best ?? 0, e.relevance);
  }
  const count = (s: string) => result.chunks.filter((c) => c.status === s).length;
  return {
    chunks,
    rankedCount,
    keptRelevance,
    files: [...byFile.values()],
    counts: { kept: count('kept'), partial: count('partial'), dropped: count('dropped') },
  };
}

/** How a chunk's relevance compares with the kept ones, in words (hovers). */
export function compareWithKept(e: ChunkExplanation, run: RunExplanation): string {
  if (e.relevance === undefined || !run.keptRelevance) return '';
  const { min, max } = run.keptRelevance;
  if (e.chunk.status !== 'dropped')
    return `Kept chunks range from relevance ${min} to ${max}; this one is ${e.relevance}.`;
  if (e.relevance >= min)
    return `Its relevance (${e.relevance}) is above the lowest kept chunk (${min}): size, not relevance, left it out.`;
  return `Its relevance (${e.relevance}) is below every kept chunk (lowest kept: ${min}).`;
}

/** "rank 3 of 42 · kept 12/40 lines" (the CodeLens title, and the tree's description). */
export function lensTitle(e: ChunkExplanation): string {
  const c = e.chunk;
  const rank = c.rank > 0 ? `rank ${c.rank} of ${e.rankedCount}` : e.reason === 'query' ? 'cursor' : 'not ranked';
  const status =
    c.status === 'dropped'
      ? 'dropped'
      : c.status === 'partial'
        ? `kept ${e.keptLines}/${e.totalLines} lines`
        : `kept ${e.totalLines}/${e.totalLines} lines`;
  const rel = e.relevance !== undefined ? ` · relevance ${e.relevance}` : '';
  return `${rank} · ${status}${rel}`;
}
