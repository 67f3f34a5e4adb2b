/**
 * Per-tensor statistics on dequantized values: zero fraction, N:M structured sparsity,
 * value statistics with outliers, and the low-rank profile; then per-layer and model totals.
 * Values are read in whole storage rows; tensors larger than the element budget are
 * sampled as evenly spaced runs of rows (reported as `sampled`).
 */
import { throwIfCancelled, type CancellationSignal } from '../errors.js';
import { lowRankProfile } from './lowrank.js';
import type { LayerReport, ModelFile, ModelReport, TensorEntry, TensorReport, ValueStats } from './types.js';

export interface AnalyzeOptions {
  /** Elements read per tensor at most (default 4M); larger tensors are sampled. */
  maxElements?: number;
  /** Sample size (rows and columns) of the low-rank profile (default 512). */
  rankSample?: number;
  /** Singular values computed (default 32). */
  rankK?: number;
  /** Skip the low-rank profile (fast summaries). */
  lowRank?: boolean;
  signal?: CancellationSignal;
  onProgress?: (done: number, total: number, tensor: string) => void;
}

/** N:M patterns checked, finest claim first: at most N nonzeros in every M consecutive values. */
const NM_PATTERNS: [number, number][] = [
  [1, 4],
  [1, 2],
  [2, 4],
  [4, 8],
];

const INTEGER_LABELS = new Set(['I64', 'U64', 'I32', 'U32', 'I16', 'U16', 'BOOL', 'STRING']);

/** Storage rows to read: all of them, or evenly spaced runs totalling about `budgetRows`. */
export function sampleRows(rows: number, budgetRows: number): [number, number][] {
  if (rows <= budgetRows) return [[0, rows]];
  const runs = Math.min(64, budgetRows);
  const per = Math.max(1, Math.floor(budgetRows / runs));
  const out: [number, number][] = [];
  for (let i = 0; i < runs; i++) {
    const start = Math.floor((i * (rows - per)) / Math.max(1, runs - 1));
    if (out.length && start < out[out.length - 1][0] + out[out.length - 1][1]) continue;
    out.push([start, per]);
  }
  return out;
}

export function nmSparsity(values: Float32Array, cols: number): string | null {
  for (const [n, m] of NM_PATTERNS) {
    if (cols % m !== 0 || values.length === 0) continue;
    let ok = true;
    for (let g = 0; g < values.length && ok; g += m) {
      let nz = 0;
      for (let i = 0; i < m; i++) if (values[g + i] !== 0) nz++;
      if (nz > n) ok = false;
    }
    if (ok) return `${n}:${m}`;
  }
  return null;
}

export function valueStats(values: Float32Array, sampled: boolean): ValueStats {
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  let n = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) continue;
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
    n++;
  }
  const mean = n ? sum / n : 0;
  let sq = 0;
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i])) sq += (values[i] - mean) ** 2;
  const std = n ? Math.sqrt(sq / n) : 0;
  let out = 0;
  if (std > 0) for (let i = 0; i < values.length; i++) if (Math.abs(values[i] - mean) > 6 * std) out++;
  return {
    min: n ? min : 0,
    max: n ? max : 0,
    mean,
    std,
    maxAbs: n ? Math.max(Math.abs(min), Math.abs(max)) : 0,
    outlierFraction: n ? out / n : 0,
    elements: values.length,
    sampled,
  };
}

/** Dequantized values of the sampled rows, concatenated (whole rows). */
export function readSample(
  t: TensorEntry,
  maxElements: number,
): { values: Float32Array; rows: number; sampled: boolean } {
  if (!t.readRows || t.rows === 0 || t.cols === 0) return { values: new Float32Array(0), rows: 0, sampled: false };
  const budgetRows = Math.max(1, Math.floor(maxElements / t.cols));
  const runs = sampleRows(t.rows, budgetRows);
  const total = runs.reduce((s, [, c]) => s + c, 0);
  const values = new Float32Array(total * t.cols);
  let at = 0;
  const chunkRows = Math.max(1, Math.floor((1 << 20) / t.cols));
  for (const [start, count] of runs) {
    for (let r = start; r < start + count; r += chunkRows) {
      const n = Math.min(chunkRows, start + count - r);
      values.set(t.readRows(r, n), at);
      at += n * t.cols;
    }
  }
  return { values, rows: total, sampled: total < t.rows };
}

/** The layer a tensor belongs to, from its name: "model.layers.3", "blk.3", else its first component. */
export function layerOf(name: string): string {
  const m = /^(.*?(?:layers?|blocks?|blk|h)\.?\d+)(?=\.|$)/i.exec(name.replace(/[_/]/g, '.'));
  if (m) return m[1];
  const parts = name.split('.');
  return parts.length > 1 ? parts[0] : '(other)';
}

export function analyzeTensor(t: TensorEntry, opts: AnalyzeOptions = {}): TensorReport {
  const base: TensorReport = {
    name: t.name,
    shape: t.shape,
    dtype: t.dtype,
    params: t.params,
    bytes: t.bytes,
    bitsPerWeight: t.params ? (8 * t.bytes) / t.params : 0,
    zeroFraction: null,
    nmSparsity: null,
    numericalRank: null,
    effectiveRank: null,
    stats: null,
    quant: t.quant,
    layer: layerOf(t.name),
    location: t.location,
  };
  if (!t.readRows) return base;
  const { values, rows, sampled } = readSample(t, opts.maxElements ?? 4_000_000);
  let zeros = 0;
  for (let i = 0; i < values.length; i++) if (values[i] === 0) zeros++;
  base.zeroFraction = values.length ? zeros / values.length : null;
  base.nmSparsity = zeros > 0 ? nmSparsity(values, t.cols) : null;
  base.stats = valueStats(values, sampled);
  const matrixLike = t.shape.filter((d) => d > 1).length === 2 && !INTEGER_LABELS.has(t.dtype);
  if (opts.lowRank !== false && matrixLike && rows >= 2 && t.cols >= 2) {
    const cap = opts.rankSample ?? 512;
    const ri = pick(rows, cap);
    const ci = pick(t.cols, cap);
    const a = new Float64Array(ri.length * ci.length);
    for (let i = 0; i < ri.length; i++)
      for (let j = 0; j < ci.length; j++) a[i * ci.length + j] = values[ri[i] * t.cols + ci[j]];
    const p = lowRankProfile(a, ri.length, ci.length, { k: opts.rankK ?? 32 });
    base.lowRank = p;
    base.numericalRank = p.numericalRank;
    base.effectiveRank = p.effectiveRank;
  }
  return base;
}

/** Up to `cap` evenly spaced indices of 0..n-1. */
function pick(n: number, cap: number): number[] {
  if (n <= cap) return Array.from({ length: n }, (_, i) => i);
  return Array.from({ length: cap }, (_, i) => Math.floor((i * n) / cap));
}

export function summarizeLayers(tensors: TensorReport[]): LayerReport[] {
  const by = new Map<string, TensorReport[]>();
  for (const t of tensors) by.set(t.layer, [...(by.get(t.layer) ?? []), t]);
  const out: LayerReport[] = [];
  for (const [layer, ts] of by) {
    const params = ts.reduce((s, t) => s + t.params, 0);
    const bytes = ts.reduce((s, t) => s + t.bytes, 0);
    const counted = ts.filter((t) => t.zeroFraction !== null);
    const cp = counted.reduce((s, t) => s + t.params, 0);
    out.push({
      layer,
      tensors: ts.length,
      params,
      bytes,
      bitsPerWeight: params ? (8 * bytes) / params : 0,
      zeroFraction: cp ? counted.reduce((s, t) => s + (t.zeroFraction ?? 0) * t.params, 0) / cp : null,
    });
  }
  return out.sort((a, b) => a.layer.localeCompare(b.layer, 'en', { numeric: true }));
}

/** Yields to the event loop between tensors, so a worker sees cancellation messages. */
export const nextTick = () => new Promise<void>((resolve) => setImmediate(resolve));

export async function analyzeModel(model: ModelFile, opts: AnalyzeOptions = {}): Promise<ModelReport> {
  const tensors: TensorReport[] = [];
  const warnings: string[] = [];
  for (const [i, t] of model.tensors.entries()) {
    await nextTick();
    throwIfCancelled(opts.signal);
    opts.onProgress?.(i, model.tensors.length, t.name);
    try {
      tensors.push(analyzeTensor(t, opts));
    } catch (err) {
      if ((err as { code?: string }).code === 'cancelled') throw err;
      warnings.push(`${t.name}: ${(err as Error).message}`);
      tensors.push(analyzeTensor({ ...t, readRows: undefined }, opts));
    }
  }
  opts.onProgress?.(model.tensors.length, model.tensors.length, '');
  return buildReport(model, tensors, warnings);
}

export function buildReport(model: ModelFile, tensors: TensorReport[], warnings: string[] = []): ModelReport {
  const totalParams = tensors.reduce((s, t) => s + t.params, 0);
  const bytes = tensors.reduce((s, t) => s + t.bytes, 0);
  const dtypes: Record<string, number> = {};
  for (const t of tensors) dtypes[t.dtype] = (dtypes[t.dtype] ?? 0) + t.params;
  return {
    file: model.path,
    format: model.format,
    fileBytes: model.size,
    totalParams,
    bytes,
    bitsPerWeight: totalParams ? (8 * bytes) / totalParams : 0,
    fp16Bytes: 2 * totalParams,
    compressionVsFp16: bytes ? (2 * totalParams) / bytes : 0,
    dtypes,
    layers: summarizeLayers(tensors),
    metadata: model.metadata,
    tensors,
    warnings,
  };
}
