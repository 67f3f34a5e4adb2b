/**
 * Coarse stage: order every rankable chunk by its relevance to the query.
 * AMI (LongCodeZip): how much the chunk, placed before the query, raises the model's
 * log-likelihood of the query, `log p(q | chunk) - log p(q)`, per query token. Long chunks are
 * scored in window-sized pieces; the best piece counts.
 */
import { throwIfCancelled, type CancellationSignal } from '../errors.js';
import { approximateMutualInformation, type AmiWeighting } from '../model/derive.js';
import type { ScoredToken, Scorer } from '../model/scorer.js';
import type { Chunk } from '../types.js';
import type { WordAssociation } from '../model/word-association.js';
import { bm25fScores, bm25Scores } from './bm25.js';
import { DEFAULT_FUSION_WEIGHTS, fuseSignals, type RelevanceSignals } from './fusion.js';
import { splitLinesKeepEnds } from './lines.js';
import { lineCommentPrefix } from './markers.js';
import type { ScoreRequest, ScoringSession } from './scoring-session.js';

export { zScores } from './rank-math.js';

/**
 * 'fused' (default): AMI, BM25F and the word-association gain fused (fusion.ts);
 * 'ami': AMI alone (LongCodeZip); 'hybrid': reciprocal-rank fusion of AMI and BM25 orders.
 */
export type RankingMethod = 'fused' | 'ami' | 'hybrid';
export const RANKING_METHODS: readonly RankingMethod[] = ['fused', 'ami', 'hybrid'];
export type QueryFraming = 'plain' | 'comment';

/** How the query follows a chunk in every scored sequence (context = chunk + separator). */
export const QUERY_SEPARATOR = '\n\n';

export interface Ranked {
  chunk: Chunk;
  /** Index into the flat chunk list. */
  index: number;
  /** The ranking score (higher first); -Infinity for chunks the model never scored. */
  score: number;
  /** 1-based position in the ranking. */
  rank: number;
  /**
   * The chunk's own tokens, scored from BOS in the ranking pass (offsets into the chunk text),
   * for the fine stage's line surprisal; absent for chunks the model did not score.
   */
  chunkTokens?: ScoredToken[];
}

/**
 * Which chunks the model ranks (the costly signal). 'auto' (default): a cascade whose model
 * pool is sized by the budget, not the scope (`cascadePool`); 'off': every chunk; a number N:
 * the N best by the cheap signals (0 = off).
 */
export type Prefilter = 'auto' | 'off' | number;

/**
 * The cascade's model pool: the chunks the cheap signals rank best, while their tokens stay
 * within max(minPoolTokens, budgetFactor x budget), and at least minChunks of them. A 1M-token
 * workspace then costs the model what a scope of the pool's size does. Sized from the
 * needle-in-a-haystack benchmark (bench/needle/haystack.ts, bench/results/needle-haystack.md).
 */
export const CASCADE = { budgetFactor: 6, minPoolTokens: 24_000, minChunks: 40 } as const;

export interface RankOptions {
  query: string;
  ranking?: RankingMethod;
  framing?: QueryFraming;
  weighting?: AmiWeighting;
  /** Which chunks the model ranks; the rest rank after them in cheap-signal order. */
  prefilter?: Prefilter;
  /** Target-tokenizer tokens the selection may still use (sizes the 'auto' cascade). */
  budgetTokens?: number;
  signal?: CancellationSignal;
}

/** Reads 'auto', 'off' or a chunk count (0 = off); undefined for anything else. */
export function parsePrefilter(value: unknown): Prefilter | undefined {
  if (value === 'auto' || value === 'off') return value;
  const n =
    typeof value === 'number' ? value : typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : NaN;
  return Number.isInteger(n) && n >= 0 ? n : undefined;
}

/** How many of `ordered` (best first by the cheap signals) the model ranks under `prefilter`. */
export function modelPoolSize(ordered: Array<{ c: Chunk }>, prefilter: Prefilter, budgetTokens: number): number {
  if (prefilter === 'off' || prefilter === 0) return ordered.length;
  if (typeof prefilter === 'number') return Math.min(prefilter, ordered.length);
  const cap = Math.max(CASCADE.minPoolTokens, CASCADE.budgetFactor * budgetTokens);
  let tokens = 0;
  let n = 0;
  while (n < ordered.length && (n < CASCADE.minChunks || tokens + ordered[n].c.tokens <= cap)) {
    tokens += ordered[n].c.tokens;
    n++;
  }
  return n;
}

/** Ranks `candidates` (flat index + chunk); chunks left out by the prefilter rank last in BM25 order. */
export async function rankChunks(
  candidates: Array<{ c: Chunk; i: number }>,
  session: ScoringSession,
  options: RankOptions,
): Promise<Ranked[]> {
  const scorer = session.scorer;
  let toRank = candidates;
  let prefiltered: typeof candidates = [];
  const prefilter = options.prefilter ?? 'auto';
  const mayCut = prefilter !== 'off' && prefilter !== 0;
  if (mayCut && modelPoolSize(candidates, prefilter, options.budgetTokens ?? Infinity) < candidates.length) {
    // The model's AMI is the costly signal: the cheap ones (BM25F and the word-association gain,
    // fused with the same weights) pick the candidates it scores; the rest rank after them.
    const cheap = cheapRelevance(candidates, options.query, scorer);
    const order = candidates.map((x, k) => ({ x, s: cheap[k] })).sort((a, b) => b.s - a.s);
    const n = modelPoolSize(
      order.map((o) => o.x),
      prefilter,
      options.budgetTokens ?? Infinity,
    );
    toRank = order.slice(0, n).map((o) => o.x);
    prefiltered = order.slice(n).map((o) => o.x);
  }
  const framing = options.framing ?? 'plain';
  const weighting = options.weighting ?? 'surprisal';
  const queryFor = (language: string) => framedQuery(options.query, language, framing);
  const pieceCap = Math.max(64, scorer.maxTokens - scorer.countTokens(queryFor('python')) - 8);
  const baseIndex = new Map<string, number>();
  const requests: ScoreRequest[] = [];
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
  const pieceOwner: Array<{ index: number; base: number; request: number; offset: number; length: number }> = [];
  for (const { c, i } of toRank) {
    const base = baseFor(c.language);
    for (const piece of splitForWindow(c.text, pieceCap, scorer)) {
      const context = piece.text.trimEnd();
      pieceOwner.push({ index: i, base, request: requests.length, offset: piece.offset, length: context.length });
      // The chunk's tokens come back from this same pass for the fine stage (one pass per chunk).
      requests.push({ context: context + QUERY_SEPARATOR, text: queryFor(c.language), scoreContext: true });
    }
  }
  const coarse = await session.score(requests, 'coarse');
  throwIfCancelled(options.signal);
  // Released accounting, coarse part: (C + nQ) + Q, the same passes as ours.
  session.releasedTokens += coarse.reduce((s, r) => s + r.tokensProcessed, 0);
  const best = new Map<number, number>();
  const chunkTokens = new Map<number, ScoredToken[] | null>();
  for (const o of pieceOwner) {
    const ami = approximateMutualInformation(coarse[o.base], coarse[o.request], weighting);
    best.set(o.index, Math.max(best.get(o.index) ?? -Infinity, ami));
    // Pieces are consecutive slices of the chunk: shift their tokens into chunk offsets; the
    // separator's tokens are not the chunk's. A piece scored without them poisons the chunk.
    const own = coarse[o.request].contextTokens;
    const sofar = chunkTokens.get(o.index);
    if (!own || sofar === null) chunkTokens.set(o.index, null);
    else
      chunkTokens.set(
        o.index,
        (sofar ?? []).concat(
          own
            .filter((t) => t.start < o.length)
            .map((t) => ({ ...t, start: t.start + o.offset, end: Math.min(t.end, o.length) + o.offset })),
        ),
      );
  }
  const ami = toRank.map(({ i }) => best.get(i) ?? -Infinity);
  const method = options.ranking ?? 'fused';
  const scores =
    method === 'fused'
      ? fuseSignals(
          relevanceSignals(toRank, ami, options.query, scorer.wordAssociation),
          scorer.fusionWeights ?? DEFAULT_FUSION_WEIGHTS,
        )
      : ami;
  let ranked: Ranked[] = toRank
    .map(({ c, i }, k) => ({
      chunk: c,
      index: i,
      score: scores[k],
      rank: 0,
      chunkTokens: chunkTokens.get(i) ?? undefined,
    }))
    .sort((a, b) => b.score - a.score || a.index - b.index);
  if (method === 'hybrid') ranked = fuseWithLexicalRanking(ranked, options.query);
  for (const { c, i } of prefiltered) ranked.push({ chunk: c, index: i, score: -Infinity, rank: 0 });
  ranked.forEach((r, k) => (r.rank = k + 1));
  return ranked;
}

/** The fused score without AMI: what the prefilter orders candidates by, at no model cost. */
export function cheapRelevance(chunks: Array<{ c: Chunk }>, query: string, scorer: Scorer): number[] {
  const signals = relevanceSignals(
    chunks,
    chunks.map(() => 0),
    query,
    scorer.wordAssociation,
  );
  return fuseSignals(signals, { ...(scorer.fusionWeights ?? DEFAULT_FUSION_WEIGHTS), ami: 0 });
}

/** The fused ranking's signals for `chunks` (ami given, in the same order). */
export function relevanceSignals(
  chunks: Array<{ c: Chunk }>,
  ami: number[],
  query: string,
  association?: WordAssociation | null,
): RelevanceSignals {
  const lexical = bm25fScores(
    chunks.map(({ c }) => ({ name: `${c.parent ?? ''} ${c.name}`, body: c.text })),
    query,
  );
  if (!association) return { ami, lexical };
  const q = association.wordIds(query);
  return { ami, lexical, association: chunks.map(({ c }) => association.relevance(q, c.text)) };
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

/** The query text scored after a chunk of `language`. */
export function framedQuery(query: string, language: string, framing: QueryFraming): string {
  if (framing === 'plain') return query;
  const prefix = lineCommentPrefix(language) ?? '#';
  const lines = query.replace(/\s+$/, '').split('\n');
  return `${lines.map((l) => (l.trim() === '' ? prefix : `${prefix} ${l.trim()}`)).join('\n')}\n`;
}

/** Long queries (completion prefixes) are scored by their last third of a window. */
export function capQuery(query: string, scorer: Scorer): string {
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

/** A line-aligned slice of a chunk's text and its UTF-16 offset in the chunk. */
interface Piece {
  text: string;
  offset: number;
}

/** Splits a chunk's text into line-aligned pieces of at most `cap` model tokens. */
export function splitForWindow(text: string, cap: number, scorer: Pick<Scorer, 'countTokens'>): Piece[] {
  if (scorer.countTokens(text) <= cap) return [{ text, offset: 0 }];
  const pieces: Piece[] = [];
  let cur = '';
  let curStart = 0;
  let curTokens = 0;
  let pos = 0;
  for (const line of splitLinesKeepEnds(text)) {
    const t = scorer.countTokens(line);
    if (cur && curTokens + t > cap) {
      pieces.push({ text: cur, offset: curStart });
      cur = '';
      curTokens = 0;
    }
    if (t > cap) {
      // One overlong line (minified code): its head stands for it.
      pieces.push({ text: line.slice(0, cap * 2), offset: pos });
    } else {
      if (cur === '') curStart = pos;
      cur += line;
      curTokens += t;
    }
    pos += line.length;
  }
  if (cur.trim()) pieces.push({ text: cur, offset: curStart });
  return pieces.length > 0 ? pieces : [{ text: text.slice(0, cap * 2), offset: 0 }];
}
