/**
 * Selection under the budget, in the target tokenizer:
 *   walk:    whole chunks by rank while they fit (header of a newly opened file and one marker
 *            line charged per chunk);
 *   fill:    after the fine stage, leftover budget takes further whole chunks that fit;
 *   enforce: the assembled text is counted exactly; the lowest-ranked selections (partial ones
 *            first) go until it fits. The budget is never exceeded.
 */
import type { TokenCounter } from '../tokens/estimate.js';
import type { Chunk, ChunkedFile } from '../types.js';
import { assembleContext, type ChunkSelection } from './assemble.js';
import { fileHeader } from './markers.js';
import { MARKER_TOKENS_ESTIMATE } from './prune-functions.js';
import type { Ranked } from './rank.js';

/**
 * What a stage decided about a chunk that the final selection no longer shows (for its drop
 * reason): offered to the fine stage, or removed to meet the exact budget.
 */
export type SelectionMark = 'fine-candidate' | 'removed-over-budget';

/**
 * Token costs of chunks and of file headers, with the set of files already opened and the
 * stages' marks per flat chunk index.
 */
export class SelectionCosts {
  readonly openFiles = new Set<string>();
  readonly marks = new Map<number, SelectionMark>();
  private readonly headerCost = new Map<string, number>();
  private readonly chunkCost = new Map<Chunk, number>();

  constructor(private readonly countTokens: TokenCounter) {}

  header(c: Chunk): number {
    if (this.openFiles.has(c.file)) return 0;
    let h = this.headerCost.get(c.file);
    if (h === undefined) {
      h = this.countTokens(fileHeader(c.file, c.language));
      this.headerCost.set(c.file, h);
    }
    return h;
  }

  chunk(c: Chunk): number {
    let t = this.chunkCost.get(c);
    if (t === undefined) {
      t = this.countTokens(c.text);
      this.chunkCost.set(c, t);
    }
    return t;
  }

  /** Estimated cost of adding `c` whole: its header if the file is new, its text, one marker. */
  whole(c: Chunk): number {
    return this.header(c) + this.chunk(c) + MARKER_TOKENS_ESTIMATE;
  }
}

/** Keeps whole chunks in rank order while they fit; returns the tokens used and where it stopped. */
export function takeWholeByRank(
  ranked: Ranked[],
  selection: ChunkSelection,
  costs: SelectionCosts,
  budget: number,
  alreadyUsed: number,
): { used: number; next: number } {
  let used = alreadyUsed;
  let k = 0;
  for (; k < ranked.length; k++) {
    const r = ranked[k];
    const cost = costs.whole(r.chunk);
    if (used + cost > budget) break;
    used += cost;
    costs.openFiles.add(r.chunk.file);
    selection.set(r.index, { keptLines: [[r.chunk.startLine, r.chunk.endLine]] });
  }
  return { used, next: k };
}

/**
 * The chunks after `from` that share what is left in the fine stage: ranked ones (not
 * prefiltered out) while their whole size stays within `poolFactor` times the tokens left.
 */
export function fineCandidates(
  ranked: Ranked[],
  from: number,
  left: number,
  costs: SelectionCosts,
  poolFactor: number,
): Ranked[] {
  const out: Ranked[] = [];
  let pool = 0;
  for (let k = from; k < ranked.length && left > MARKER_TOKENS_ESTIMATE * 2; k++) {
    const r = ranked[k];
    if (!Number.isFinite(r.score)) break;
    const t = costs.chunk(r.chunk);
    if (out.length > 0 && pool + t > left * poolFactor) break;
    out.push(r);
    costs.marks.set(r.index, 'fine-candidate');
    pool += t;
  }
  return out;
}

/** Fills leftover budget with whole ranked chunks, then enforces the exact budget. */
export function fillAndEnforce(
  files: ChunkedFile[],
  ranked: Ranked[],
  selection: ChunkSelection,
  costs: SelectionCosts,
  budget: number,
  countTokens: TokenCounter,
  forced: number,
): string {
  let text = assembleContext(files, selection);
  let total = countTokens(text);
  for (const r of ranked) {
    if (selection.has(r.index) || !Number.isFinite(r.score)) continue;
    if (total + costs.whole(r.chunk) > budget) continue;
    selection.set(r.index, { keptLines: [[r.chunk.startLine, r.chunk.endLine]] });
    const next = assembleContext(files, selection);
    const nextTotal = countTokens(next);
    if (nextTotal <= budget) {
      text = next;
      total = nextTotal;
      costs.openFiles.add(r.chunk.file);
    } else {
      selection.delete(r.index);
    }
  }
  // Estimates can undershoot (markers, merges across chunk boundaries): drop the lowest-ranked
  // selections until the exact count fits. Partial selections go before whole ones.
  while (total > budget) {
    const victims = ranked.filter((r) => selection.has(r.index) && r.index !== forced);
    if (victims.length === 0) break;
    const isPartial = (r: Ranked) => {
      const sel = selection.get(r.index)!;
      return !(
        sel.keptLines.length === 1 &&
        sel.keptLines[0][0] === r.chunk.startLine &&
        sel.keptLines[0][1] === r.chunk.endLine
      );
    };
    const partial = victims.filter(isPartial);
    const victim = (partial.length > 0 ? partial : victims).reduce((a, b) => (b.rank > a.rank ? b : a));
    selection.delete(victim.index);
    costs.marks.set(victim.index, 'removed-over-budget');
    text = assembleContext(files, selection);
    total = countTokens(text);
  }
  return text;
}
