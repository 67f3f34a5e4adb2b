/**
 * Why chunks lost lines (types.ts DropReason): decided once, here, from what the selection
 * stages recorded (select.ts SelectionMark) and the final selection, and put into words once,
 * here, for every front end (CLI, extension hovers, CodeLens, tree and report, the chat).
 */
import type { TokenCounter } from '../tokens/estimate.js';
import type { Chunk, ChunkStatus, DropReason, ScoredChunk } from '../types.js';
import type { ChunkSelection } from './assemble.js';
import { splitLinesKeepEnds } from './lines.js';
import type { Ranked } from './rank.js';
import type { SelectionMark } from './select.js';

/** Every drop reason with its explanation (one sentence fragment, no final period). */
export const DROP_REASON_WORDS: Readonly<Record<DropReason, string>> = {
  pruned: 'pruned block by block to its share of what was left of the budget',
  'pruned-away': 'it was offered a share of what was left of the budget, too small to keep any of its blocks',
  'too-large': 'it did not fit what was left of the budget when its turn came, though lower-ranked chunks did',
  'below-cut': 'higher-ranked chunks used the budget before its turn',
  'over-budget': 'it was removed when the exact token count of the text went over the budget',
  'not-scored': 'the lexical prefilter left it out of model scoring, and the budget was used before its turn',
  blank: 'whitespace only, never ranked',
};

/** A short phrase for lists and tooltips: "pruned to 2 of 9 lines", "too large for the remaining budget". */
export function dropReasonSummary(c: Pick<ScoredChunk, 'dropReason' | 'keptLines' | 'startLine' | 'endLine'>): string {
  switch (c.dropReason) {
    case undefined:
      return 'kept whole';
    case 'pruned': {
      const kept = c.keptLines.reduce((n, [a, b]) => n + b - a + 1, 0);
      return `pruned to ${kept} of ${c.endLine - c.startLine + 1} lines`;
    }
    case 'pruned-away':
      return 'pruned away: its share kept no block';
    case 'too-large':
      return 'too large for the remaining budget';
    case 'below-cut':
      return 'below the cut';
    case 'over-budget':
      return 'removed to stay within the budget';
    case 'not-scored':
      return 'not scored (prefilter)';
    case 'blank':
      return 'blank, not ranked';
  }
}

/** The lowest rank (largest number) among ranked chunks that kept any line; 0 when none did. */
export function worstIncludedRank(ranked: Ranked[], selection: ChunkSelection): number {
  return ranked.reduce((w, r) => (selection.has(r.index) && r.rank > w ? r.rank : w), 0);
}

/**
 * The drop reason of one chunk from its final status, its ranking entry (undefined: not ranked),
 * the stages' mark and the lowest rank that kept anything. Undefined when kept whole.
 */
export function dropReasonOf(
  status: ChunkStatus,
  ranked: Ranked | undefined,
  mark: SelectionMark | undefined,
  worstIncluded: number,
): DropReason | undefined {
  if (status === 'kept') return undefined;
  if (status === 'partial') return 'pruned';
  // Not ranked: blank text (the chunk at the cursor is never dropped).
  if (!ranked) return 'blank';
  if (mark === 'removed-over-budget') return 'over-budget';
  if (mark === 'fine-candidate') return 'pruned-away';
  if (!Number.isFinite(ranked.score)) return 'not-scored';
  return ranked.rank < worstIncluded ? 'too-large' : 'below-cut';
}

/** Tokens of a chunk's kept lines: its `tokens` when kept whole, the kept lines counted when partial. */
export function keptTokensOf(
  c: Chunk,
  status: ChunkStatus,
  keptLines: Array<[number, number]>,
  countTokens: TokenCounter,
): number {
  if (status === 'kept') return c.tokens;
  if (status === 'dropped') return 0;
  const lines = splitLinesKeepEnds(c.text);
  return countTokens(keptLines.map(([a, b]) => lines.slice(a - c.startLine, b - c.startLine + 1).join('')).join(''));
}
