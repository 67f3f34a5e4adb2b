/**
 * Code-context compression (LongCodeZip, ALGORITHMS.md section 1, with our fixes):
 *   coarse: rank every chunk by AMI toward the query, keep whole chunks by rank while they fit;
 *   fine:   the next-ranked chunks share what is left through adaptive per-function budgets,
 *           each pruned block by block (surprisal spikes, AMI block values, exact knapsack);
 *   fill:   leftover budget takes further whole chunks that fit;
 *   check:  the assembled text is counted in the target tokenizer and never exceeds the budget.
 * Kept text is verbatim source; each omitted run becomes one language-correct marker line.
 */
import { throwIfCancelled, UsageError, type CancellationSignal } from '../errors.js';
import { approximateMutualInformation, lineMeanSurprisal, type AmiWeighting } from '../model/derive.js';
import type { Scorer, ScoreResult } from '../model/scorer.js';
import type { TokenCounter } from '../tokens/estimate.js';
import type { Chunk, ChunkedFile, CompressionResult, ScoredChunk } from '../types.js';
import { assembleContext, type ChunkSelection } from './assemble.js';
import { bm25Scores } from './bm25.js';
import { splitBlocksAtSurprisalSpikes, type LineBlock } from './blocks.js';
import { allocateFunctionBudgets } from './budget.js';
import { knapsackSelect } from './knapsack.js';
import { fileHeader, lineCommentPrefix } from './markers.js';

export type CompressionStage = 'coarse' | 'fine' | 'assemble';

export interface CompressCodeOptions {
  files: ChunkedFile[];
  /** What the user wants. May be empty when `cursor` is given (completion scenario). */
  query: string;
  /** Target size in the target tokenizer: absolute tokens, or a kept fraction of the original. */
  budget: { tokens?: number; ratio?: number };
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
  /**
   * 'ami' (default): chunks ordered by AMI alone. 'hybrid' (opt-in): AMI order fused with a
   * BM25 order by reciprocal-rank fusion, for small models whose AMI misses lexical evidence.
   */
  ranking?: 'ami' | 'hybrid';
  /**
   * How the query follows a chunk: 'plain' text (LongCodeZip), or 'comment': each query line
   * as a line comment of the chunk's language, the layout of code followed by its description
   * that the embedded model was trained and tuned on.
   */
  queryFraming?: 'plain' | 'comment';
  /**
   * How query tokens count in AMI (chunk ranking and block values): 'surprisal' (default)
   * weights each token by its surprisal without the chunk; 'uniform' is LongCodeZip's plain
   * mean. Measured in bench/results/model-ranking-study.md.
   */
  amiWeighting?: AmiWeighting;
  /** When > 0 and there are more chunks than this, BM25 picks the candidates the LM ranks. */
  prefilterMaxChunks?: number;
  signal?: CancellationSignal;
  onProgress?: (stage: CompressionStage, done: number, total: number) => void;
  /** Time already spent parsing, reported in timings. */
  parseMs?: number;
}

/** Each kept chunk may open one more gap; a marker line is about this many tokens. */
const MARKER_TOKENS_ESTIMATE = 16;
/** Candidates for the fine stage: at most this many tokens per token of budget left. */
const FINE_POOL_FACTOR = 2;
const QUERY_SEPARATOR = '\n\n';

interface Ranked {
  chunk: Chunk;
  /** Index into the flat chunk list. */
  index: number;
  score: number;
  rank: number;
}

export async function compressCode(options: CompressCodeOptions): Promise<CompressionResult> {
  const t0 = performance.now();
  const { scorer, countTokens, files } = options;
  const beta = options.beta ?? 0.5;
  const minLines = options.minLines ?? 5;
  const flat: Chunk[] = files.flatMap((f) => f.chunks);
  const original = files
    .map((f) => (f.chunks.length > 0 ? fileHeader(f.file, f.language) + f.chunks.map((c) => c.text).join('') : ''))
    .join('');
  const originalTokens = countTokens(original);
  const budget = resolveBudget(options.budget, originalTokens);
  const model = scorer.info;
  const selection: ChunkSelection = new Map();
  const scores = new Map<number, { score: number; rank: number }>();

  // Completion scenario: the chunk around the cursor is the query and is always kept.
  let query = options.query;
  let forced = -1;
  if (options.cursor) {
    forced = flat.findIndex(
      (c) =>
        c.file === options.cursor!.file &&
        c.startOffset <= options.cursor!.offset &&
        options.cursor!.offset <= c.endOffset,
    );
    if (forced < 0) throw new UsageError(`The cursor position is not inside ${options.cursor.file}.`);
    const c = flat[forced];
    const prefix = c.text.slice(0, options.cursor.offset - c.startOffset);
    if (query.trim() === '') query = prefix;
  }
  if (query.trim() === '')
    throw new UsageError(
      'The query is empty: say what the context is for (a question, an instruction, or the code being written).',
    );
  const queryTokens = countTokens(query);

  const result = (
    text: string,
    modelTokensProcessed: number,
    released: number,
    scoreMs: number,
    extra: Record<string, number>,
    cachedTokens = 0,
  ): CompressionResult => {
    const compressedTokens = countTokens(text);
    const chunks: ScoredChunk[] = flat.map((c, i) => {
      const sel = selection.get(i);
      const s = scores.get(i);
      const keptLines = sel?.keptLines ?? [];
      const total = c.endLine - c.startLine + 1;
      const keptCount = keptLines.reduce((n, [a, b]) => n + b - a + 1, 0);
      const { text: _text, startOffset: _s, endOffset: _e, ...rest } = c;
      void _text;
      void _s;
      void _e;
      return {
        ...rest,
        score: s ? round(s.score) : 0,
        rank: s?.rank ?? 0,
        status: keptCount === 0 ? 'dropped' : keptCount >= total ? 'kept' : 'partial',
        keptLines,
      };
    });
    const totalMs = performance.now() - t0 + (options.parseMs ?? 0);
    return {
      originalTokens,
      compressedTokens,
      ratio: originalTokens > 0 ? round(compressedTokens / originalTokens) : 1,
      budget,
      model,
      timings: { parseMs: round(options.parseMs ?? 0), scoreMs: round(scoreMs), totalMs: round(totalMs), ...extra },
      modelTokensProcessed,
      modelTokensProcessedReleased: released,
      modelTokensFromCache: cachedTokens,
      queryTokens,
      chunks,
      text,
    };
  };

  // Everything fits: hand it back untouched, no model work.
  if (originalTokens <= budget) {
    flat.forEach((c, i) => selection.set(i, { keptLines: [[c.startLine, c.endLine]] }));
    return result(original, 0, 0, 0, { coarseMs: 0, fineMs: 0, assembleMs: 0 });
  }
  if (forced >= 0) {
    const c = flat[forced];
    const cost = countTokens(fileHeader(c.file, c.language) + c.text);
    if (cost > budget) {
      throw new UsageError(
        `The code around the cursor alone takes ${cost} tokens, more than the budget of ${budget} tokens.`,
      );
    }
    selection.set(forced, { keptLines: [[c.startLine, c.endLine]] });
  } else if (queryTokens >= budget) {
    throw new UsageError(`The query alone takes ${queryTokens} tokens, more than the budget of ${budget} tokens.`);
  }

  let modelTokens = 0;
  let cachedTokens = 0;
  let releasedTokens = 0;
  let scoreMs = 0;
  const runScorer = async (
    requests: Array<{ context: string; text: string }>,
    stage: CompressionStage,
  ): Promise<ScoreResult[]> => {
    const ts = performance.now();
    const res = await scorer.score(requests, {
      signal: options.signal,
      onProgress: (d, t) => options.onProgress?.(stage, d, t),
    });
    scoreMs += performance.now() - ts;
    for (const r of res) {
      // The algorithm's cost counts every pass it needs; cache hits are reported apart.
      modelTokens += r.tokensProcessed;
      if (r.cached) cachedTokens += r.tokensProcessed;
    }
    return res;
  };

  // ---- Coarse stage: AMI of every rankable chunk toward the query.
  const tc = performance.now();
  const scoredQuery = capQuery(query, scorer);
  const rankable = flat.map((c, i) => ({ c, i })).filter(({ c, i }) => i !== forced && c.text.trim() !== '');
  let toRank = rankable;
  let prefiltered: typeof rankable = [];
  if (options.prefilterMaxChunks && options.prefilterMaxChunks > 0 && rankable.length > options.prefilterMaxChunks) {
    const lex = bm25Scores(
      rankable.map(({ c }) => `${c.name} ${c.text}`),
      scoredQuery,
    );
    const order = rankable.map((x, k) => ({ x, s: lex[k] })).sort((a, b) => b.s - a.s);
    toRank = order.slice(0, options.prefilterMaxChunks).map((o) => o.x);
    prefiltered = order.slice(options.prefilterMaxChunks).map((o) => o.x);
  }
  // The query as the model sees it after a chunk of a given language (see framedQuery).
  const framing = options.queryFraming ?? 'plain';
  const weighting = options.amiWeighting ?? 'surprisal';
  const queryFor = (language: string) => framedQuery(scoredQuery, language, framing);
  const pieceCap = Math.max(64, scorer.maxTokens - scorer.countTokens(queryFor('python')) - 8);
  const baseIndex = new Map<string, number>();
  const requests: Array<{ context: string; text: string }> = [];
  const baseFor = (language: string) => {
    const q = queryFor(language);
    let k = baseIndex.get(q);
    if (k === undefined) {
      k = requests.length;
      requests.push({ context: '', text: q });
      baseIndex.set(q, k);
    }
    return k;
  };
  const pieceOwner: Array<{ index: number; base: number; request: number }> = [];
  for (const { c, i } of toRank) {
    const base = baseFor(c.language);
    for (const piece of splitForWindow(c.text, pieceCap, scorer)) {
      pieceOwner.push({ index: i, base, request: requests.length });
      requests.push({ context: piece.trimEnd() + QUERY_SEPARATOR, text: queryFor(c.language) });
    }
  }
  const coarse = await runScorer(requests, 'coarse');
  throwIfCancelled(options.signal);
  const best = new Map<number, number>();
  for (const o of pieceOwner) {
    const ami = approximateMutualInformation(coarse[o.base], coarse[o.request], weighting);
    best.set(o.index, Math.max(best.get(o.index) ?? -Infinity, ami));
  }
  let ranked: Ranked[] = toRank
    .map(({ c, i }) => ({ chunk: c, index: i, score: best.get(i) ?? -Infinity, rank: 0 }))
    .sort((a, b) => b.score - a.score || a.index - b.index);
  if (options.ranking === 'hybrid') ranked = fuseWithLexicalRanking(ranked, scoredQuery);
  // Prefiltered-out chunks rank after the LM-ranked ones, in BM25 order, with no AMI.
  for (const { c, i } of prefiltered) ranked.push({ chunk: c, index: i, score: -Infinity, rank: 0 });
  ranked.forEach((r, k) => {
    r.rank = k + 1;
    scores.set(r.index, { score: Number.isFinite(r.score) ? r.score : 0, rank: r.rank });
  });
  // Released accounting, coarse part: (C + nQ) + Q, the same passes as ours.
  releasedTokens += coarse.reduce((s, r) => s + r.tokensProcessed, 0);
  const coarseMs = performance.now() - tc;

  // ---- Budget walk: whole chunks by rank while they fit.
  const openFiles = new Set<string>();
  const headerCost = new Map<string, number>();
  const costOfHeader = (c: Chunk) => {
    if (openFiles.has(c.file)) return 0;
    let h = headerCost.get(c.file);
    if (h === undefined) {
      h = countTokens(fileHeader(c.file, c.language));
      headerCost.set(c.file, h);
    }
    return h;
  };
  const chunkTokens = (c: Chunk) => countTokens(c.text);
  let used = 0;
  if (forced >= 0) {
    const c = flat[forced];
    used += costOfHeader(c) + chunkTokens(c);
    openFiles.add(c.file);
  }
  let cursor = 0;
  for (; cursor < ranked.length; cursor++) {
    const r = ranked[cursor];
    const cost = costOfHeader(r.chunk) + chunkTokens(r.chunk) + MARKER_TOKENS_ESTIMATE;
    if (used + cost > budget) break;
    used += cost;
    openFiles.add(r.chunk.file);
    selection.set(r.index, { keptLines: [[r.chunk.startLine, r.chunk.endLine]] });
  }

  // ---- Fine stage: the next-ranked chunks share what is left.
  const tf = performance.now();
  const left = budget - used;
  const candidates: Ranked[] = [];
  let poolTokens = 0;
  for (let k = cursor; k < ranked.length && left > MARKER_TOKENS_ESTIMATE * 2; k++) {
    const r = ranked[k];
    if (!Number.isFinite(r.score)) break;
    const t = chunkTokens(r.chunk);
    if (candidates.length > 0 && poolTokens + t > left * FINE_POOL_FACTOR) break;
    candidates.push(r);
    poolTokens += t;
  }
  if (candidates.length > 0) {
    const perFn = allocateFunctionBudgets(
      candidates.map((r) => ({ tokens: chunkTokens(r.chunk), score: r.score })),
      Math.max(0, left - candidates.length * MARKER_TOKENS_ESTIMATE),
      beta,
    );
    const fineSelections = await fineSelect(
      candidates,
      perFn,
      queryFor,
      minLines,
      options,
      runScorer,
      countTokens,
      (n) => (releasedTokens += n),
    );
    candidates.forEach((r, k) => {
      const kept = fineSelections[k];
      if (kept.length > 0) selection.set(r.index, { keptLines: kept });
    });
  }
  const fineMs = performance.now() - tf;

  // ---- Assemble, fill leftover budget with whole chunks, and enforce the budget exactly.
  const ta = performance.now();
  let text = assembleContext(files, selection);
  let total = countTokens(text);
  for (const r of ranked) {
    if (selection.has(r.index) || !Number.isFinite(r.score)) continue;
    const estimate = costOfHeader(r.chunk) + chunkTokens(r.chunk) + MARKER_TOKENS_ESTIMATE;
    if (total + estimate > budget) continue;
    selection.set(r.index, { keptLines: [[r.chunk.startLine, r.chunk.endLine]] });
    const next = assembleContext(files, selection);
    const nextTotal = countTokens(next);
    if (nextTotal <= budget) {
      text = next;
      total = nextTotal;
      openFiles.add(r.chunk.file);
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
    text = assembleContext(files, selection);
    total = countTokens(text);
  }
  const assembleMs = performance.now() - ta;
  return result(
    text,
    modelTokens,
    releasedTokens,
    scoreMs,
    {
      coarseMs: round(coarseMs),
      fineMs: round(fineMs),
      assembleMs: round(assembleMs),
    },
    cachedTokens,
  );
}

/**
 * Reciprocal-rank fusion (Cormack et al. 2009, k = 60) of the AMI order with a BM25 order over
 * identifier-split tokens. Scores stay AMI; only the order changes.
 */
function fuseWithLexicalRanking(ranked: Ranked[], query: string): Ranked[] {
  const K = 60;
  const lex = bm25Scores(
    ranked.map((r) => `${r.chunk.name} ${r.chunk.text}`),
    query,
  );
  const lexRank = new Map(
    lex
      .map((s, k) => ({ s, k }))
      .sort((a, b) => b.s - a.s || a.k - b.k)
      .map((x, pos) => [x.k, pos + 1] as const),
  );
  const fused = ranked.map((r, k) => ({ r, f: 1 / (K + k + 1) + 1 / (K + lexRank.get(k)!) }));
  return fused.sort((a, b) => b.f - a.f || a.r.index - b.r.index).map((x) => x.r);
}

/** Fine stage for each candidate: blocks from line surprisal, AMI block values, exact knapsack. */
async function fineSelect(
  candidates: Ranked[],
  budgets: number[],
  queryFor: (language: string) => string,
  minLines: number,
  options: CompressCodeOptions,
  runScorer: (req: Array<{ context: string; text: string }>, stage: CompressionStage) => Promise<ScoreResult[]>,
  countTokens: TokenCounter,
  addReleased: (n: number) => void,
): Promise<Array<Array<[number, number]>>> {
  const out: Array<Array<[number, number]>> = candidates.map(() => []);
  // One pass per function for line surprisal (all candidates batched together).
  const splittable = candidates
    .map((r, k) => ({ r, k, lines: r.chunk.endLine - r.chunk.startLine + 1 }))
    .filter(({ r, k, lines }) => {
      if (lines >= minLines) return true;
      // Atomic: whole or nothing.
      if (countTokens(r.chunk.text) <= budgets[k]) out[k] = [[r.chunk.startLine, r.chunk.endLine]];
      return false;
    });
  if (splittable.length === 0) return out;
  const lineScores = await runScorer(
    splittable.map(({ r }) => ({ context: '', text: r.chunk.text })),
    'fine',
  );
  throwIfCancelled(options.signal);
  const plans = splittable.map(({ r, k }, j) => {
    const text = r.chunk.text;
    const values = lineMeanSurprisal(text, lineScores[j].tokens);
    // Released accounting: one pass per line over all previous lines (sum of prefix lengths).
    addReleased(releasedLineCost(text, lineScores[j]));
    const lines = splitLinesKeepEnds(text);
    const protectedLines = protectedLineSet(r.chunk, lines);
    const blocks = withProtectedSplits(
      splitBlocksAtSurprisalSpikes(values.slice(0, lines.length), { k: options.spikeK }),
      protectedLines,
    );
    return { r, k, lines, blocks, protectedLines };
  });
  // Block values: AMI of each unprotected, non-blank block toward the query (batched).
  const blockReq: Array<{ context: string; text: string }> = [];
  const baseIndex = new Map<string, number>();
  const owners: Array<{ plan: number; block: number; base: number; request: number }> = [];
  plans.forEach((p, pi) => {
    const query = queryFor(p.r.chunk.language);
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
  const blockScores = await runScorer(blockReq, 'fine');
  addReleased(blockScores.reduce((s, r) => s + r.tokensProcessed, 0));
  const values = new Map<string, number>();
  for (const o of owners)
    values.set(
      `${o.plan}:${o.block}`,
      approximateMutualInformation(blockScores[o.base], blockScores[o.request], options.amiWeighting ?? 'surprisal'),
    );

  plans.forEach((p, pi) => {
    const B = budgets[p.k];
    const blockText = (b: LineBlock) => p.lines.slice(b.startLine, b.endLine + 1).join('');
    const prot = p.blocks.filter((b) => isProtected(b, p.protectedLines));
    const protTokens = prot.reduce((s, b) => s + countTokens(blockText(b)), 0);
    const free = p.blocks.map((b, bi) => ({ b, bi })).filter(({ b }) => !isProtected(b, p.protectedLines));
    const items = free.map(({ b, bi }) => ({
      weight: countTokens(blockText(b)),
      value: values.get(`${pi}:${bi}`) ?? 0,
    }));
    let capacity = B - protTokens;
    let chosen: number[] = [];
    // Shrink capacity until kept blocks plus their gap markers fit the function budget.
    for (let attempt = 0; attempt < 6 && capacity > 0; attempt++) {
      chosen = knapsackSelect(items, capacity).chosen;
      const keptBlocks = new Set([...prot.map((b) => p.blocks.indexOf(b)), ...chosen.map((c) => free[c].bi)]);
      const gaps = countGaps(p.blocks.length, keptBlocks);
      const cost = protTokens + chosen.reduce((s, c) => s + items[c].weight, 0) + gaps * MARKER_TOKENS_ESTIMATE;
      if (cost <= B) break;
      capacity -= cost - B;
      chosen = [];
    }
    const keep = new Set([...prot.map((b) => p.blocks.indexOf(b)), ...chosen.map((c) => free[c].bi)]);
    const ranges: Array<[number, number]> = [];
    p.blocks.forEach((b, bi) => {
      if (!keep.has(bi)) return;
      const a = p.r.chunk.startLine + b.startLine;
      const e = p.r.chunk.startLine + b.endLine;
      if (ranges.length > 0 && ranges[ranges.length - 1][1] === a - 1) ranges[ranges.length - 1][1] = e;
      else ranges.push([a, e]);
    });
    out[p.k] = ranges;
  });
  return out;
}

function countGaps(n: number, kept: Set<number>): number {
  let gaps = 0;
  for (let i = 0; i < n; i++) if (!kept.has(i) && (i === 0 || kept.has(i - 1))) gaps++;
  return gaps;
}

/** Lines of a chunk with their newlines (the last line may lack one). */
export function splitLinesKeepEnds(text: string): string[] {
  const lines = text.split(/(?<=\n)/);
  return lines.length > 0 && lines[lines.length - 1] === '' ? lines.slice(0, -1) : lines;
}

/**
 * Lines that must survive pruning: the definition header (decorators, doc comment, signature,
 * from the tree-sitter node) and trailing lines that only close the definition (`}`, `end`),
 * so a pruned function still reads as one.
 */
function protectedLineSet(chunk: Chunk, lines: string[]): Set<number> {
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

function releasedLineCost(text: string, scored: ScoreResult): number {
  // Released LongCodeZip scores line i with lines 1..i as input: sum of prefix token counts.
  const perLine = new Map<number, number>();
  let line = 0;
  let lineStart = 0;
  const breaks: number[] = [];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) breaks.push(i);
  for (const t of scored.tokens) {
    while (line < breaks.length && t.start > breaks[line]) {
      line++;
      lineStart = breaks[line - 1] + 1;
    }
    void lineStart;
    perLine.set(line, (perLine.get(line) ?? 0) + 1);
  }
  let prefix = 0;
  let total = 0;
  const nLines = breaks.length + 1;
  for (let i = 0; i < nLines; i++) {
    prefix += perLine.get(i) ?? 0;
    total += prefix + 1;
  }
  return total;
}

/** The query text scored after a chunk of `language`. */
export function framedQuery(query: string, language: string, framing: 'plain' | 'comment'): string {
  if (framing === 'plain') return query;
  const prefix = lineCommentPrefix(language) ?? '#';
  const lines = query.replace(/\s+$/, '').split('\n');
  return `${lines.map((l) => (l.trim() === '' ? prefix : `${prefix} ${l.trim()}`)).join('\n')}\n`;
}

/** Long queries (completion prefixes) are scored by their last third of a window. */
function capQuery(query: string, scorer: Scorer): string {
  const cap = Math.floor(scorer.maxTokens / 3);
  if (scorer.countTokens(query) <= cap) return query;
  const lines = splitLinesKeepEnds(query);
  let kept = '';
  for (let i = lines.length - 1; i >= 0; i--) {
    const next = lines[i] + kept;
    if (scorer.countTokens(next) > cap) break;
    kept = next;
  }
  return kept || query.slice(-cap * 3);
}

/** Splits a chunk's text into line-aligned pieces of at most `cap` model tokens. */
function splitForWindow(text: string, cap: number, scorer: Scorer): string[] {
  if (scorer.countTokens(text) <= cap) return [text];
  const pieces: string[] = [];
  let cur = '';
  let curTokens = 0;
  for (const line of splitLinesKeepEnds(text)) {
    const t = scorer.countTokens(line);
    if (cur && curTokens + t > cap) {
      pieces.push(cur);
      cur = '';
      curTokens = 0;
    }
    if (t > cap) {
      pieces.push(line.slice(0, cap * 2));
      continue;
    }
    cur += line;
    curTokens += t;
  }
  if (cur.trim()) pieces.push(cur);
  return pieces.length > 0 ? pieces : [text.slice(0, cap * 2)];
}

export function resolveBudget(budget: { tokens?: number; ratio?: number }, originalTokens: number): number {
  if (budget.tokens !== undefined) {
    if (!Number.isFinite(budget.tokens) || budget.tokens <= 0)
      throw new UsageError(`The budget must be a positive number of tokens (got ${budget.tokens}).`);
    return Math.floor(budget.tokens);
  }
  if (budget.ratio !== undefined) {
    if (!Number.isFinite(budget.ratio) || budget.ratio <= 0 || budget.ratio > 1)
      throw new UsageError(`The ratio must be in (0, 1] (got ${budget.ratio}).`);
    return Math.floor(budget.ratio * originalTokens);
  }
  throw new UsageError('Give a budget: --budget TOKENS or --ratio R.');
}

function round(x: number): number {
  return Math.round(x * 10000) / 10000;
}
