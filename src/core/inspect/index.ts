/** Model-file inspection: readers (ONNX, safetensors, GGUF), tensor statistics, comparison. */
import { throwIfCancelled, type CancellationSignal } from '../errors.js';
import { compareModels, type ModelComparison } from './compare.js';
import { openModelFile } from './open.js';
import { analyzeModel, type AnalyzeOptions } from './stats.js';
import type { ModelReport } from './types.js';

export * from './types.js';
export { InspectError } from './errors.js';
export { openModelFile, detectFormat, MODEL_FILE_EXTENSIONS } from './open.js';
export { analyzeModel, analyzeTensor, layerOf, nmSparsity, type AnalyzeOptions } from './stats.js';
export { lowRankProfile } from './lowrank.js';
export {
  compareModels,
  matchTensors,
  normalizeTensorName,
  type ModelComparison,
  type TensorComparison,
} from './compare.js';

/** Open, analyze and close one file. */
export async function inspectModelFile(file: string, opts: AnalyzeOptions = {}): Promise<ModelReport> {
  const m = await openModelFile(file);
  try {
    return await analyzeModel(m, opts);
  } finally {
    m.close();
  }
}

export interface CompareResult {
  a: ModelReport;
  b: ModelReport;
  comparison: ModelComparison;
}

/** Inspect both files and compare them. */
export async function inspectAndCompare(
  fileA: string,
  fileB: string,
  opts: AnalyzeOptions & { signal?: CancellationSignal } = {},
): Promise<CompareResult> {
  const A = await openModelFile(fileA);
  try {
    const B = await openModelFile(fileB);
    try {
      // Progress over three equal phases: analyze A, analyze B, compare.
      const phase = (k: number) => (done: number, total: number, name: string) =>
        opts.onProgress?.(k * total + done, 3 * Math.max(total, 1), name);
      const a = await analyzeModel(A, { ...opts, onProgress: phase(0) });
      throwIfCancelled(opts.signal);
      const b = await analyzeModel(B, { ...opts, onProgress: phase(1) });
      const comparison = await compareModels(A, B, a, b, {
        signal: opts.signal,
        maxElements: opts.maxElements,
        onProgress: (d, t) => phase(2)(d, t, 'compare'),
      });
      return { a, b, comparison };
    } finally {
      B.close();
    }
  } finally {
    A.close();
  }
}
