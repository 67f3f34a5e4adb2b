/**
 * Words for a run's numbers: a relevance a person can read (0–100 within the run) and why
 * each chunk was kept, pruned or dropped. Derived from the engine's CompressionResult alone
 * (ranks, statuses, tokens, kept lines, budget): the engine reports no reasons, so these are
 * reconstructed from its selection order (coarse ranks are taken whole while they fit, the
 * next ones are pruned, a fill pass adds smaller chunks that still fit). Pure: no vscode.
 */
import type { CompressionResult, ScoredChunk } from '../../core/types.js';

export type DecisionReason =
  /** Nothing had to go: the scope fit the budget, so no chunk was ranked. */
  | 'fit'
  /** The code around the cursor: the query itself, always kept. */
  | 'query'
  /** Whole, among the best-ranked chunks that fit. */
  | 'top'
  /** Pruned block by block to its share of what was left. */
  | 'pruned'
  /** Dropped although a lower-ranked chunk was kept: it did not fit what was left. */
  | 'too-large'
  /** Dropped because the budget was used up by higher-ranked chunks. */
  | 'below-cut'
  /** Blank or not ranked (e.g. whitespace between definitions). */
  | 'unranked';

export interface ChunkExplanation {
  chunk: ScoredChunk;
  /** 0–100 within the run: the best-ranked chunk is 100, the worst 0; undefined when not ranked. */
  relevance: number | undefined;
  /** Chunks that took part in the ranking. */
  rankedCount: number;
  keptLines: number;
  totalLines: number;
  /** Tokens of the kept part (whole chunk: its tokens; partial: proportional to kept lines). */
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
  /** Per file, in result order: original and kept tokens (kept ≈ proportional for partial chunks). */
  files: Array<{ file: string; originalTokens: number; keptTokens: number; best: number | undefined }>;
  counts: { kept: number; partial: number; dropped: number };
}

export function lineCount(ranges: Array<[number, number]>): number {
  return ranges.reduce((n, [a, b]) => n + b - a + 1, 0);
}

/** "12" for whole numbers below 100, otherwise rounded. */
function n0(x: number): string {
  return Math.round(x).toLocaleString('en-US');
}

export function explainRun(result: CompressionResult, cursor?: { file: string; line: number }): RunExplanation {
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
  const atCursor = (c: ScoredChunk) =>
    cursor !== undefined && c.file === cursor.file && c.startLine <= cursor.line && cursor.line <= c.endLine;
  // Lowest-ranked chunk that made it in, to tell "too large" from "below the cut".
  const worstIncludedRank = Math.max(0, ...ranked.filter((c) => c.status !== 'dropped').map((c) => c.rank));
  const budget = Math.max(1, result.budget);

  const chunks = result.chunks.map((c): ChunkExplanation => {
    const totalLines = c.endLine - c.startLine + 1;
    const keptLines = lineCount(c.keptLines);
    const keptTokens = c.status === 'kept' ? c.tokens : Math.round((c.tokens * keptLines) / totalLines);
    const relevance = relevanceOf(c);
    const share = keptTokens / budget;
    const sharePct = `${(100 * share).toFixed(share < 0.1 ? 1 : 0)}%`;
    const rel = relevance === undefined ? '' : `relevance ${relevance}/100, rank ${c.rank} of ${rankedCount}`;
    let reason: DecisionReason;
    let summary: string;
    let detail: string;
    if (rankedCount === 0) {
      reason = 'fit';
      summary = 'kept whole';
      detail = `The whole scope fit the budget of ${n0(result.budget)} tokens, so nothing was ranked or removed.`;
    } else if (c.rank === 0) {
      reason = atCursor(c) && c.status === 'kept' ? 'query' : 'unranked';
      if (reason === 'query') {
        summary = 'kept: the code at the cursor';
        detail = `This is the code around the cursor: it is the query, always kept (${n0(c.tokens)} tokens, ${sharePct} of the budget).`;
      } else {
        summary = c.status === 'dropped' ? 'not ranked' : 'kept, not ranked';
        detail = 'Blank or whitespace-only code between definitions: not ranked.';
      }
    } else if (c.status === 'kept') {
      reason = 'top';
      summary = 'kept whole';
      detail = `Kept whole: ${rel}. It takes ${n0(c.tokens)} tokens, ${sharePct} of the budget.`;
    } else if (c.status === 'partial') {
      reason = 'pruned';
      summary = `pruned to ${keptLines} of ${totalLines} lines`;
      detail =
        `Pruned to ${keptLines} of ${totalLines} lines: ${rel}. Ranked just below the chunks kept whole, it shared what ` +
        `was left of the budget: about ${n0(keptTokens)} of its ${n0(c.tokens)} tokens (${sharePct} of the budget).`;
    } else if (c.rank < worstIncludedRank) {
      reason = 'too-large';
      summary = 'too large for the remaining budget';
      detail =
        `Dropped although lower-ranked chunks were kept: ${rel}. At ${n0(c.tokens)} tokens ` +
        `(${((100 * c.tokens) / budget).toFixed(0)}% of the budget) it did not fit what was left when its turn came.`;
    } else {
      reason = 'below-cut';
      summary = 'below the cut';
      detail =
        `Dropped: ${rel}. The budget of ${n0(result.budget)} tokens was used by the ` +
        `${worstIncludedRank} higher-ranked chunk${worstIncludedRank === 1 ? '' : 's'}.`;
    }
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
    f.keptTokens += e.chunk.status === 'dropped' ? 0 : e.keptTokens;
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
