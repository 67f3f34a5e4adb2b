/**
 * What the run report shows, as plain data (the webview's JSON and the HTML's tables): budget,
 * tokens per file, one point per ranked chunk (tokens, relevance, status), query, model,
 * timings. Pure: no vscode.
 */
import { explainRun, type ChunkExplanation } from '../compress/explain.js';
import type { CompressionResult, ChunkStatus } from '../../core/types.js';

export interface ReportPoint {
  /** Index into the result's chunks. */
  i: number;
  file: string;
  name: string;
  kind: string;
  startLine: number;
  endLine: number;
  tokens: number;
  relevance: number;
  rank: number;
  status: ChunkStatus;
  summary: string;
}

export interface ReportData {
  runId: number;
  title: string;
  query: string;
  scope: string;
  model: string;
  tokenizer: string;
  budget: number;
  originalTokens: number;
  compressedTokens: number;
  ratio: number;
  counts: { kept: number; partial: number; dropped: number; total: number };
  rankedCount: number;
  modelTokensProcessed: number;
  timings: Array<{ stage: string; ms: number }>;
  files: Array<{ file: string; originalTokens: number; compressedTokens: number; best?: number }>;
  points: ReportPoint[];
  /** Budget slider range and step (tokens). */
  slider: { min: number; max: number; step: number; value: number };
}

const TIMING_LABEL: Record<string, string> = {
  parseMs: 'parse',
  coarseMs: 'rank',
  fineMs: 'prune',
  assembleMs: 'assemble',
  scoreMs: 'model (part of rank + prune)',
  totalMs: 'total',
};

export function buildReportData(
  run: {
    id: number;
    title: string;
    query: string;
    scopeLabel: string;
    tokenizer: string;
    cursor?: { file: string; line: number };
    result: CompressionResult;
  },
  /** Exact compressed tokens per file (from the text's sections), when counted. */
  compressedPerFile?: Map<string, number>,
): ReportData {
  const r = run.result;
  const ex = explainRun(r);
  const points = ex.chunks
    .map((e: ChunkExplanation, i) => ({ e, i }))
    .filter(({ e }) => e.relevance !== undefined)
    .map(({ e, i }): ReportPoint => ({
      i,
      file: e.chunk.file,
      name: e.chunk.name,
      kind: e.chunk.kind,
      startLine: e.chunk.startLine,
      endLine: e.chunk.endLine,
      tokens: e.chunk.tokens,
      relevance: e.relevance!,
      rank: e.chunk.rank,
      status: e.chunk.status,
      summary: e.summary,
    }))
    .sort((a, b) => a.rank - b.rank);
  const timings = Object.entries(r.timings)
    .filter(([k, v]) => k in TIMING_LABEL && typeof v === 'number')
    .map(([k, v]) => ({ stage: TIMING_LABEL[k], ms: Math.round(v) }));
  const max = Math.max(r.originalTokens, r.budget);
  const step = max > 20_000 ? 500 : max > 4000 ? 100 : max > 500 ? 10 : 1;
  return {
    runId: run.id,
    title: run.title,
    query: run.query,
    scope: run.scopeLabel,
    model: `${r.model.id} (${r.model.dtype})`,
    tokenizer: run.tokenizer,
    budget: r.budget,
    originalTokens: r.originalTokens,
    compressedTokens: r.compressedTokens,
    ratio: r.ratio,
    counts: { ...ex.counts, total: r.chunks.length },
    rankedCount: ex.rankedCount,
    modelTokensProcessed: r.modelTokensProcessed,
    timings,
    files: ex.files.map((f) => ({
      file: f.file,
      originalTokens: f.originalTokens,
      compressedTokens: compressedPerFile?.get(f.file) ?? f.keptTokens,
      best: f.best,
    })),
    points,
    slider: { min: Math.max(step, Math.min(r.budget, 4 * step)), max, step, value: r.budget },
  };
}
