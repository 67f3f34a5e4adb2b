/**
 * Compare two model files tensor by tensor (dense vs compressed, q8 vs q4): tensors are
 * matched by name, then by a normalized name (quantizers rename: "lm.layers.0.q.weight"
 * becomes "lm_layers.0_q_MatMul_mnb"), with equal parameter counts. Where both sides can be
 * dequantized, the relative reconstruction error ||B - A|| / ||A|| is computed on the same
 * elements (the first file is the reference).
 */
import { throwIfCancelled, type CancellationSignal } from '../errors.js';
import { nextTick, readSample, sampleRows } from './stats.js';
import type { ModelFile, ModelReport, TensorEntry } from './types.js';

export interface TensorComparison {
  name: string;
  otherName: string;
  matchedBy: 'name' | 'normalized';
  shape: number[];
  params: number;
  dtypeA: string;
  dtypeB: string;
  bytesA: number;
  bytesB: number;
  bitsPerWeightA: number;
  bitsPerWeightB: number;
  /** bytesB / bytesA. */
  sizeRatio: number;
  /** ||B - A||_F / ||A||_F over `errorElements` elements; null when a side cannot be dequantized. */
  relError: number | null;
  /** Largest |B - A| over the compared elements. */
  maxAbsError: number | null;
  errorElements: number;
  /** The two stored matrices were aligned by transposing one of them. */
  transposed: boolean;
}

export interface ModelComparison {
  a: { file: string; format: string; totalParams: number; bytes: number; bitsPerWeight: number };
  b: { file: string; format: string; totalParams: number; bytes: number; bitsPerWeight: number };
  tensors: TensorComparison[];
  onlyA: string[];
  onlyB: string[];
  /** Over matched tensors: parameter-weighted mean of relError (where known). */
  meanRelError: number | null;
  sizeRatio: number;
}

const NOISE = new Set(['weight', 'matmul', 'mnb', 'gather', 'eq', 'b4', 'int8', 'quantized', 'dq', 'onnx', 'mul']);

export function normalizeTensorName(name: string): string {
  return name
    .toLowerCase()
    .split(/[._/:]+/)
    .filter((p) => p && !NOISE.has(p))
    .join('.');
}

export function matchTensors(a: TensorEntry[], b: TensorEntry[]): [TensorEntry, TensorEntry, 'name' | 'normalized'][] {
  const out: [TensorEntry, TensorEntry, 'name' | 'normalized'][] = [];
  const byName = new Map(b.map((t) => [t.name, t]));
  const taken = new Set<TensorEntry>();
  const rest: TensorEntry[] = [];
  for (const t of a) {
    const o = byName.get(t.name);
    if (o && o.params === t.params) {
      out.push([t, o, 'name']);
      taken.add(o);
    } else rest.push(t);
  }
  const free = b.filter((t) => !taken.has(t));
  const norm = new Map<string, TensorEntry[]>();
  for (const t of free) {
    const k = normalizeTensorName(t.name);
    norm.set(k, [...(norm.get(k) ?? []), t]);
  }
  for (const t of rest) {
    const k = normalizeTensorName(t.name);
    let cands = (norm.get(k) ?? []).filter((o) => !taken.has(o) && o.params === t.params);
    if (cands.length === 0) {
      // One side may carry a prefix the other lost ("assoc.e_in" vs "e_in"): unique suffix match.
      cands = free.filter((o) => {
        if (taken.has(o) || o.params !== t.params) return false;
        const ko = normalizeTensorName(o.name);
        return ko.length > 0 && (k.endsWith(`.${ko}`) || ko.endsWith(`.${k}`));
      });
    }
    if (cands.length === 1) {
      out.push([t, cands[0], 'normalized']);
      taken.add(cands[0]);
    }
  }
  return out;
}

function errorOf(x: Float32Array, y: Float32Array): { rel: number; maxAbs: number } {
  let num = 0;
  let den = 0;
  let maxAbs = 0;
  for (let i = 0; i < x.length; i++) {
    const d = y[i] - x[i];
    num += d * d;
    den += x[i] * x[i];
    maxAbs = Math.max(maxAbs, Math.abs(d));
  }
  return { rel: den > 0 ? Math.sqrt(num / den) : num > 0 ? Infinity : 0, maxAbs };
}

function transpose(v: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(v.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = v[r * cols + c];
  return out;
}

/** Values of rows [runs] of a tensor. */
function readRuns(t: TensorEntry, runs: [number, number][]): Float32Array {
  const total = runs.reduce((s, [, c]) => s + c, 0);
  const out = new Float32Array(total * t.cols);
  let at = 0;
  for (const [s, c] of runs) {
    out.set(t.readRows!(s, c), at);
    at += c * t.cols;
  }
  return out;
}

export function compareTensor(a: TensorEntry, b: TensorEntry, maxElements = 4_000_000) {
  if (!a.readRows || !b.readRows) return { relError: null, maxAbsError: null, errorElements: 0, transposed: false };
  const same = a.rows === b.rows && a.cols === b.cols;
  const flipped = a.rows === b.cols && a.cols === b.rows;
  let best: { rel: number; maxAbs: number; n: number; transposed: boolean } | undefined;
  if (same) {
    const runs = sampleRows(a.rows, Math.max(1, Math.floor(maxElements / a.cols)));
    const x = readRuns(a, runs);
    const y = readRuns(b, runs);
    const e = errorOf(x, y);
    best = { ...e, n: x.length, transposed: false };
  }
  if (flipped && a.params <= maxElements && (!best || best.rel > 1e-3)) {
    const x = readSample(a, maxElements).values;
    const y = transpose(readSample(b, maxElements).values, b.rows, b.cols);
    const e = errorOf(x, y);
    if (!best || e.rel < best.rel) best = { ...e, n: x.length, transposed: true };
  }
  if (!best) return { relError: null, maxAbsError: null, errorElements: 0, transposed: false };
  return { relError: best.rel, maxAbsError: best.maxAbs, errorElements: best.n, transposed: best.transposed };
}

export async function compareModels(
  A: ModelFile,
  B: ModelFile,
  ra: Pick<ModelReport, 'totalParams' | 'bytes' | 'bitsPerWeight'>,
  rb: Pick<ModelReport, 'totalParams' | 'bytes' | 'bitsPerWeight'>,
  opts: { signal?: CancellationSignal; maxElements?: number; onProgress?: (done: number, total: number) => void } = {},
): Promise<ModelComparison> {
  const pairs = matchTensors(A.tensors, B.tensors);
  const tensors: TensorComparison[] = [];
  for (const [i, [a, b, how]] of pairs.entries()) {
    await nextTick();
    throwIfCancelled(opts.signal);
    opts.onProgress?.(i, pairs.length);
    const e = compareTensor(a, b, opts.maxElements);
    tensors.push({
      name: a.name,
      otherName: b.name,
      matchedBy: how,
      shape: a.shape,
      params: a.params,
      dtypeA: a.dtype,
      dtypeB: b.dtype,
      bytesA: a.bytes,
      bytesB: b.bytes,
      bitsPerWeightA: a.params ? (8 * a.bytes) / a.params : 0,
      bitsPerWeightB: b.params ? (8 * b.bytes) / b.params : 0,
      sizeRatio: a.bytes ? b.bytes / a.bytes : 0,
      relError: e.relError,
      maxAbsError: e.maxAbsError,
      errorElements: e.errorElements,
      transposed: e.transposed,
    });
  }
  const matchedA = new Set(pairs.map((p) => p[0]));
  const matchedB = new Set(pairs.map((p) => p[1]));
  const known = tensors.filter((t) => t.relError !== null && Number.isFinite(t.relError));
  const kp = known.reduce((s, t) => s + t.params, 0);
  return {
    a: {
      file: A.path,
      format: A.format,
      totalParams: ra.totalParams,
      bytes: ra.bytes,
      bitsPerWeight: ra.bitsPerWeight,
    },
    b: {
      file: B.path,
      format: B.format,
      totalParams: rb.totalParams,
      bytes: rb.bytes,
      bitsPerWeight: rb.bitsPerWeight,
    },
    tensors,
    onlyA: A.tensors.filter((t) => !matchedA.has(t)).map((t) => t.name),
    onlyB: B.tensors.filter((t) => !matchedB.has(t)).map((t) => t.name),
    meanRelError: kp ? known.reduce((s, t) => s + (t.relError ?? 0) * t.params, 0) / kp : null,
    sizeRatio: ra.bytes ? rb.bytes / ra.bytes : 0,
  };
}
