/**
 * Fine stage: each candidate function gets a token budget and keeps the blocks that matter
 * most under it. Blocks come from line-surprisal spikes (one model pass per function), their
 * values are AMI toward the query, and an exact 0/1 knapsack picks them. A pruned function
 * always keeps its header (decorators, signature) and the lines that close it, never keeps a
 * closing bracket whose opening line was dropped, and is dropped rather than shown as a bare
 * signature.
 */
import { throwIfCancelled, type CancellationSignal } from '../errors.js';
import { approximateMutualInformation, lineMeanSurprisal, type AmiWeighting } from '../model/derive.js';
import type { ScoredToken, ScoreResult } from '../model/scorer.js';
import type { TokenCounter } from '../tokens/estimate.js';
import type { Chunk } from '../types.js';
import { splitBlocksAtSurprisalSpikes, type LineBlock } from './blocks.js';
import { releasedLineCost } from './cost-accounting.js';
import { knapsackSelect } from './knapsack.js';
import { splitLinesKeepEnds } from './lines.js';
import { QUERY_SEPARATOR } from './rank.js';
import type { ScoreRequest, ScoringSession } from './scoring-session.js';

/** A marker line for an omitted run costs about this many tokens. */
export const MARKER_TOKENS_ESTIMATE = 16;

export interface PruneOptions {
  /** The query after a chunk of a language (framing applied). */
  queryFor: (language: string) => string;
  /** Chunks with fewer lines are atomic: kept whole or dropped. */
  minLines: number;
  spikeK?: number;
  weighting?: AmiWeighting;
  countTokens: TokenCounter;
  /**
   * Each candidate's own tokens from the ranking pass (same order as the candidates), when it
   * has them: its line surprisal comes from them and it is not scored again.
   */
  chunkTokens?: Array<ScoredToken[] | undefined>;
  signal?: CancellationSignal;
}

/** Kept line ranges (1-based, inclusive file lines) of each candidate under its budget. */
export async function pruneFunctions(
  candidates: Chunk[],
  budgets: number[],
  session: ScoringSession,
  options: PruneOptions,
): Promise<Array<Array<[number, number]>>> {
  const { countTokens, minLines } = options;
  const out: Array<Array<[number, number]>> = candidates.map(() => []);
  const splittable = candidates
    .map((chunk, k) => ({ chunk, k, lines: chunk.endLine - chunk.startLine + 1 }))
    .filter(({ chunk, k, lines }) => {
      if (lines >= minLines) return true;
      if (countTokens(chunk.text) <= budgets[k]) out[k] = [[chunk.startLine, chunk.endLine]];
      return false;
    });
  if (splittable.length === 0) return out;
  // Line surprisal: from the ranking pass when it scored the chunk, else one pass per function
  // (all such candidates batched together).
  const reused = splittable.map(({ k }) => options.chunkTokens?.[k]);
  const missing = splittable.filter((_, j) => reused[j] === undefined);
  const fresh = await session.score(
    missing.map(({ chunk }) => ({ context: '', text: chunk.text })),
    'fine',
  );
  throwIfCancelled(options.signal);
  let nextFresh = 0;
  const lineScores: Array<Pick<ScoreResult, 'tokens'>> = reused.map((tokens) =>
    tokens ? { tokens } : fresh[nextFresh++],
  );
  const plans = splittable.map(({ chunk, k }, j) => {
    const values = lineMeanSurprisal(chunk.text, lineScores[j].tokens);
    session.releasedTokens += releasedLineCost(chunk.text, lineScores[j]);
    const lines = splitLinesKeepEnds(chunk.text);
    const protectedLines = protectedLineSet(chunk, lines);
    const blocks = withProtectedSplits(
      splitBlocksAtSurprisalSpikes(values.slice(0, lines.length), { k: options.spikeK }),
      protectedLines,
    );
    return { chunk, k, lines, blocks, protectedLines };
  });
  // Block values: AMI of each unprotected, non-blank block toward the query (batched).
  const blockReq: ScoreRequest[] = [];
  const baseIndex = new Map<string, number>();
  const owners: Array<{ plan: number; block: number; base: number; request: number }> = [];
  plans.forEach((p, pi) => {
    const query = options.queryFor(p.chunk.language);
    let base = baseIndex.get(query);
    if (base === undefined) {
      base = blockReq.length;
      blockReq.push({ context: '', text: query });
      baseIndex.set(query, base);
    }
    p.blocks.forEach((b, bi) => {
      if (isProtected(b, p.protectedLines)) return;
      const text = p.lines.slice(b.startLine, b.endLine + 1).join('');
      if (text.trim() === '') return;
      owners.push({ plan: pi, block: bi, base: base!, request: blockReq.length });
      blockReq.push({ context: text.trimEnd() + QUERY_SEPARATOR, text: query });
    });
  });
  const blockScores = await session.score(blockReq, 'fine');
  session.releasedTokens += blockScores.reduce((s, r) => s + r.tokensProcessed, 0);
  const values = new Map<string, number>();
  for (const o of owners)
    values.set(
      `${o.plan}:${o.block}`,
      approximateMutualInformation(blockScores[o.base], blockScores[o.request], options.weighting ?? 'surprisal'),
    );
  plans.forEach((p, pi) => {
    const free = p.blocks.map((b, bi) => ({ b, bi })).filter(({ b }) => !isProtected(b, p.protectedLines));
    const kept = chooseBlocks(
      p.blocks,
      p.protectedLines,
      free.map(({ b, bi }) => ({
        weight: countTokens(p.lines.slice(b.startLine, b.endLine + 1).join('')),
        value: values.get(`${pi}:${bi}`) ?? 0,
      })),
      p.lines,
      budgets[p.k],
      countTokens,
    );
    out[p.k] = keptLineRanges(p.chunk.startLine, p.lines, p.blocks, kept, p.protectedLines);
  });
  return out;
}

/**
 * Blocks to keep (indices into `blocks`): protected ones plus the knapsack's choice among the
 * free ones (`items`, in order), shrinking capacity until blocks and gap markers fit `budget`.
 */
export function chooseBlocks(
  blocks: LineBlock[],
  protectedLines: Set<number>,
  items: Array<{ weight: number; value: number }>,
  lines: string[],
  budget: number,
  countTokens: TokenCounter,
): Set<number> {
  const prot = blocks.map((b, bi) => ({ b, bi })).filter(({ b }) => isProtected(b, protectedLines));
  const free = blocks.map((b, bi) => ({ b, bi })).filter(({ b }) => !isProtected(b, protectedLines));
  const protTokens = prot.reduce((s, { b }) => s + countTokens(lines.slice(b.startLine, b.endLine + 1).join('')), 0);
  let capacity = budget - protTokens;
  let chosen: number[] = [];
  for (let attempt = 0; attempt < 6 && capacity > 0; attempt++) {
    chosen = knapsackSelect(items, capacity).chosen;
    const keptBlocks = new Set([...prot.map((x) => x.bi), ...chosen.map((c) => free[c].bi)]);
    const cost =
      protTokens +
      chosen.reduce((s, c) => s + items[c].weight, 0) +
      countGaps(blocks.length, keptBlocks) * MARKER_TOKENS_ESTIMATE;
    if (cost <= budget) break;
    capacity -= cost - budget;
    chosen = [];
  }
  // A function reduced to its header and closing lines says nothing: drop it instead.
  const bodyKept = chosen.some(
    (c) =>
      lines
        .slice(free[c].b.startLine, free[c].b.endLine + 1)
        .join('')
        .trim() !== '',
  );
  if (!bodyKept && free.length > 0) return new Set();
  return new Set([...prot.map((x) => x.bi), ...chosen.map((c) => free[c].bi)]);
}

/** Kept blocks as merged file-line ranges, without closing lines whose opening line is gone. */
export function keptLineRanges(
  startLine: number,
  lines: string[],
  blocks: LineBlock[],
  keptBlocks: Set<number>,
  protectedLines: Set<number>,
): Array<[number, number]> {
  const kept = new Uint8Array(lines.length);
  blocks.forEach((b, bi) => {
    if (keptBlocks.has(bi)) for (let i = b.startLine; i <= b.endLine; i++) kept[i] = 1;
  });
  for (const [closer, openers] of closerOpeners(lines)) {
    if (!kept[closer]) continue;
    if (openers.some((o) => kept[o] || (protectedLines.has(o) && keptBlocks.size > 0))) continue;
    kept[closer] = 0;
  }
  const ranges: Array<[number, number]> = [];
  for (let i = 0; i < lines.length; i++) {
    if (!kept[i]) continue;
    const a = startLine + i;
    if (ranges.length > 0 && ranges[ranges.length - 1][1] === a - 1) ranges[ranges.length - 1][1] = a;
    else ranges.push([a, a]);
  }
  return ranges;
}

const CLOSER_ONLY = /^[)\]}]+[;,)]*$/;
const PAIRS: Record<string, string> = { ')': '(', ']': '[', '}': '{' };

/**
 * For each line made only of closing brackets: the lines of the brackets it closes. Strings
 * and line comments are skipped roughly (one line at a time), enough for matching braces of
 * ordinary code; lines whose brackets cannot be matched are left out.
 */
export function closerOpeners(lines: string[]): Map<number, number[]> {
  const stack: Array<{ ch: string; line: number }> = [];
  const out = new Map<number, number[]>();
  lines.forEach((raw, li) => {
    const code = raw
      .replace(/"(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*'|`(?:\\.|[^`\\])*`/g, '""')
      .replace(/\/\/.*$|#.*$/, '');
    const closerOnly = CLOSER_ONLY.test(raw.trim());
    const openers: number[] = [];
    let matched = true;
    for (const ch of code) {
      if (ch === '(' || ch === '[' || ch === '{') stack.push({ ch, line: li });
      else if (ch in PAIRS) {
        const top = stack.pop();
        if (!top || top.ch !== PAIRS[ch]) matched = false;
        else openers.push(top.line);
      }
    }
    if (closerOnly && matched && openers.length > 0) out.set(li, openers);
  });
  return out;
}

function countGaps(n: number, kept: Set<number>): number {
  let gaps = 0;
  for (let i = 0; i < n; i++) if (!kept.has(i) && (i === 0 || kept.has(i - 1))) gaps++;
  return gaps;
}

/**
 * Lines that must survive pruning: the definition header (decorators, doc comment, signature,
 * from the tree-sitter node) and trailing lines that only close the definition (`}`, `end`),
 * so a pruned function still reads as one.
 */
export function protectedLineSet(chunk: Chunk, lines: string[]): Set<number> {
  const set = new Set<number>();
  const header = Math.max(chunk.kind === 'code' ? 0 : 1, Math.min(chunk.headerLines, lines.length));
  for (let i = 0; i < header; i++) set.add(i);
  for (let i = lines.length - 1; i > 0; i--) {
    const t = lines[i].trim();
    if (t === '') continue;
    if (/^[)\]}]+[;,]?$|^end$/.test(t)) set.add(i);
    else break;
  }
  return set;
}

/** Protected lines form their own blocks, so protecting them never drags neighbours along. */
function withProtectedSplits(blocks: LineBlock[], prot: Set<number>): LineBlock[] {
  const out: LineBlock[] = [];
  for (const b of blocks) {
    let start = b.startLine;
    for (let i = b.startLine; i <= b.endLine; i++) {
      const p = prot.has(i);
      const nextDiffers = i === b.endLine || prot.has(i + 1) !== p;
      if (nextDiffers) {
        out.push({ startLine: start, endLine: i });
        start = i + 1;
      }
    }
  }
  return out;
}

function isProtected(b: LineBlock, prot: Set<number>): boolean {
  return prot.has(b.startLine);
}
