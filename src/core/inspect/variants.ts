/**
 * Evaluate compressor variants on the user's own code: the practical question "is the
 * smaller model good enough?". For each variant (fp32/q8/q4 of one model, or any models
 * sharing a tokenizer): load time, memory, perplexity and tokens/s on a sample of the
 * code, and whether it ranks chunks like the reference variant (the first one) for the
 * same queries: Kendall tau of chunk scores, top-k overlap, and the share of chunks that get
 * the same kept/partial/dropped decision. Uses the real engine (createScorer,
 * compressSources), never a stand-in.
 */
import { compressSources, type SourceText } from '../code/compress-sources.js';
import { throwIfCancelled, type CancellationSignal } from '../errors.js';
import { createScorer, type Scorer } from '../model/index.js';
import { createTokenCounter } from '../tokens/index.js';
import type { ScoredChunk } from '../types.js';

export interface VariantSpec {
  /** Shown in reports, e.g. "q8". */
  label: string;
  model?: string;
  dtype?: string;
  cacheDir?: string;
}

export interface EvalVariantsOptions {
  variants: VariantSpec[];
  sources: SourceText[];
  queries: string[];
  /** Budget ratio for the compression decisions (default 0.3). */
  ratio?: number;
  /** Characters of code scored for perplexity (default 20000), taken evenly from the files. */
  perplexityChars?: number;
  /** k of the top-k overlap (default 5). */
  topK?: number;
  tokenizer?: string;
  threads?: number;
  signal?: CancellationSignal;
  onProgress?: (stage: string, done: number, total: number, message?: string) => void;
}

export interface QueryAgreement {
  query: string;
  chunks: number;
  kendallTau: number | null;
  topKOverlap: number;
  sameDecision: number;
}

export interface VariantResult {
  label: string;
  model: string;
  dtype: string;
  loadMs: number;
  /** Resident set size after loading, and its growth caused by loading (MB). */
  rssAfterLoadMB: number;
  rssDeltaMB: number;
  perplexity: number;
  tokensScored: number;
  tokensPerSecond: number;
  compressMs: number;
  /** Agreement with the reference (first) variant, per query; empty for the reference. */
  agreement: QueryAgreement[];
  meanKendallTau: number | null;
  meanTopKOverlap: number | null;
  meanSameDecision: number | null;
}

export interface EvalVariantsResult {
  files: number;
  perplexitySample: { chars: number; pieces: number };
  queries: string[];
  ratio: number;
  topK: number;
  variants: VariantResult[];
}

/** Kendall's tau-b of two score lists over the same items (ties handled). */
export function kendallTau(x: number[], y: number[]): number | null {
  const n = x.length;
  if (n < 2) return null;
  let concordant = 0;
  let discordant = 0;
  let tiesX = 0;
  let tiesY = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const dx = Math.sign(x[i] - x[j]);
      const dy = Math.sign(y[i] - y[j]);
      if (dx === 0 && dy === 0) continue;
      if (dx === 0) tiesX++;
      else if (dy === 0) tiesY++;
      else if (dx === dy) concordant++;
      else discordant++;
    }
  }
  const denom = Math.sqrt((concordant + discordant + tiesX) * (concordant + discordant + tiesY));
  return denom ? (concordant - discordant) / denom : null;
}

/** |top-k(a) ∩ top-k(b)| / k, by rank. */
export function topKOverlap(a: string[], b: string[], k: number): number {
  const kk = Math.min(k, a.length, b.length);
  if (kk === 0) return 1;
  const sa = new Set(a.slice(0, kk));
  return b.slice(0, kk).filter((x) => sa.has(x)).length / kk;
}

const keyOf = (c: ScoredChunk) => `${c.file}:${c.startLine}-${c.endLine}`;

/** Pieces of the code (cut at line ends), an even share per file, about `chars` characters in all. */
export function perplexitySample(sources: SourceText[], chars: number, pieceChars = 2000): string[] {
  const pieces: string[] = [];
  const perFile = Math.max(pieceChars, Math.ceil(chars / Math.max(1, sources.length)));
  let total = 0;
  for (const s of sources) {
    let fromFile = 0;
    for (let at = 0; at < s.text.length && fromFile < perFile && total < chars;) {
      let end = Math.min(s.text.length, at + pieceChars);
      const nl = s.text.lastIndexOf('\n', end);
      if (nl > at && end < s.text.length) end = nl + 1;
      const piece = s.text.slice(at, end);
      if (piece.trim()) {
        pieces.push(piece);
        total += piece.length;
        fromFile += piece.length;
      }
      at = end;
    }
    if (total >= chars) break;
  }
  return pieces;
}

function rssMB(): number {
  return process.memoryUsage().rss / 2 ** 20;
}

export async function evaluateVariants(opts: EvalVariantsOptions): Promise<EvalVariantsResult> {
  const ratio = opts.ratio ?? 0.3;
  const topK = opts.topK ?? 5;
  const pieces = perplexitySample(opts.sources, opts.perplexityChars ?? 20000);
  const results: VariantResult[] = [];
  let reference: ScoredChunk[][] | undefined;
  const steps = opts.variants.length * (2 + opts.queries.length);
  let step = 0;
  const progress = (msg: string) => opts.onProgress?.('eval', step++, steps, msg);
  for (const v of opts.variants) {
    throwIfCancelled(opts.signal);
    progress(`${v.label}: loading`);
    const before = rssMB();
    const t0 = performance.now();
    const scorer: Scorer = await createScorer({
      model: v.model,
      dtype: v.dtype,
      cacheDir: v.cacheDir,
      threads: opts.threads,
      cache: null,
      signal: opts.signal,
    });
    try {
      // The first forward pass initializes the session's buffers: part of loading.
      await scorer.score([{ context: '', text: 'x' }]);
      const loadMs = performance.now() - t0;
      const after = rssMB();
      progress(`${v.label}: perplexity`);
      const t1 = performance.now();
      const scored = await scorer.score(
        pieces.map((text) => ({ context: '', text })),
        { signal: opts.signal },
      );
      const scoreMs = performance.now() - t1;
      const tokens = scored.reduce((s, r) => s + r.tokens.length, 0);
      const logprob = scored.reduce((s, r) => s + r.totalLogprob, 0);
      const tokensProcessed = scored.reduce((s, r) => s + r.tokensProcessed, 0);
      const countTokens = createTokenCounter(opts.tokenizer ?? 'o200k_base', (t) => scorer.countTokens(t));
      const runs: ScoredChunk[][] = [];
      let compressMs = 0;
      for (const q of opts.queries) {
        throwIfCancelled(opts.signal);
        progress(`${v.label}: ranking for "${q.slice(0, 40)}"`);
        const t2 = performance.now();
        const r = await compressSources({
          sources: opts.sources,
          query: q,
          budget: { ratio },
          scorer,
          countTokens,
          signal: opts.signal,
        });
        compressMs += performance.now() - t2;
        runs.push(r.chunks);
      }
      const agreement: QueryAgreement[] = [];
      if (reference) {
        opts.queries.forEach((q, i) => agreement.push(agree(q, reference![i], runs[i], topK)));
      } else reference = runs;
      const mean = (xs: (number | null)[]) => {
        const ok = xs.filter((x): x is number => x !== null);
        return ok.length ? ok.reduce((s, x) => s + x, 0) / ok.length : null;
      };
      results.push({
        label: v.label,
        model: scorer.info.id,
        dtype: scorer.info.dtype,
        loadMs,
        rssAfterLoadMB: after,
        rssDeltaMB: after - before,
        perplexity: tokens ? Math.exp(-logprob / tokens) : 1,
        tokensScored: tokens,
        tokensPerSecond: scoreMs > 0 ? (1000 * tokensProcessed) / scoreMs : 0,
        compressMs,
        agreement,
        meanKendallTau: agreement.length ? mean(agreement.map((a) => a.kendallTau)) : null,
        meanTopKOverlap: agreement.length ? mean(agreement.map((a) => a.topKOverlap)) : null,
        meanSameDecision: agreement.length ? mean(agreement.map((a) => a.sameDecision)) : null,
      });
    } finally {
      await scorer.dispose();
    }
  }
  opts.onProgress?.('eval', steps, steps);
  return {
    files: opts.sources.length,
    perplexitySample: { chars: pieces.reduce((s, p) => s + p.length, 0), pieces: pieces.length },
    queries: opts.queries,
    ratio,
    topK,
    variants: results,
  };
}

function agree(query: string, ref: ScoredChunk[], other: ScoredChunk[], k: number): QueryAgreement {
  const byKey = new Map(other.map((c) => [keyOf(c), c]));
  const both = ref.filter((c) => byKey.has(keyOf(c)) && c.rank > 0 && byKey.get(keyOf(c))!.rank > 0);
  const tau = kendallTau(
    both.map((c) => c.score),
    both.map((c) => byKey.get(keyOf(c))!.score),
  );
  const order = (cs: ScoredChunk[]) => [...cs].sort((a, b) => a.rank - b.rank).map(keyOf);
  const same = both.filter((c) => byKey.get(keyOf(c))!.status === c.status).length;
  return {
    query,
    chunks: both.length,
    kendallTau: tau,
    topKOverlap: topKOverlap(order(both), order(both.map((c) => byKey.get(keyOf(c))!)), k),
    sameDecision: both.length ? same / both.length : 1,
  };
}
