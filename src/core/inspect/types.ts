/**
 * What the inspector knows about a model file. A reader turns a file into `TensorEntry`s
 * (logical tensors: an int8 weight with its scale and zero point is ONE entry); statistics
 * turn entries into `TensorReport`s. The `inspect --json` contract (docs/ARCHITECTURE.md) is
 * `ModelReport` serialized.
 */

export type ModelFormat = 'onnx' | 'safetensors' | 'gguf';

/** How a logical tensor is stored when it is not a plain float/int array. */
export interface QuantInfo {
  /** e.g. "int8 per-axis affine (DequantizeLinear)", "MatMulNBits 4-bit", "GGUF Q4_K". */
  scheme: string;
  bits: number;
  /** Elements sharing one scale (block-wise schemes). */
  blockSize?: number;
  /** Axis of the per-channel scale (per-axis schemes). */
  axis?: number;
  /** Number of scales stored. */
  scales?: number;
  /** True when a zero point other than the symmetric default is stored. */
  zeroPoint?: boolean;
  scaleDtype?: string;
  /** The stored pieces (initializer / tensor names) this entry was assembled from. */
  parts?: string[];
}

export interface TensorEntry {
  name: string;
  /** Logical shape, row-major (outermost first). */
  shape: number[];
  /** Scheme label: F32, F16, BF16, I64..., int8, int4-block32, Q8_0, Q4_K... */
  dtype: string;
  params: number;
  /** Stored bytes including scales and zero points. */
  bytes: number;
  quant?: QuantInfo;
  /**
   * The values as a matrix of `rows` x `cols` in STORAGE order (cols = the contiguous axis;
   * block-quantized formats run blocks along it). `transposed` is true when the logical
   * tensor is the transpose of that matrix (MatMulNBits stores W[K,N] as N rows of K).
   */
  rows: number;
  cols: number;
  transposed: boolean;
  /** Dequantized values of storage rows [row, row+count), row-major; absent: not decodable. */
  readRows?: (row: number, count: number) => Float32Array;
  /** Where it lives (external data file for ONNX), for display. */
  location?: string;
}

export interface ModelFile {
  format: ModelFormat;
  path: string;
  size: number;
  /** Format metadata worth showing (ONNX producer/opsets, GGUF key/values, safetensors __metadata__). */
  metadata: Record<string, string | number | boolean>;
  tensors: TensorEntry[];
  close(): void;
}

export interface ValueStats {
  min: number;
  max: number;
  mean: number;
  std: number;
  maxAbs: number;
  /** Fraction of values farther than 6 standard deviations from the mean. */
  outlierFraction: number;
  /** Elements the statistics were computed on (all, or an evenly spaced sample of whole rows). */
  elements: number;
  sampled: boolean;
}

export interface LowRankProfile {
  /** Rows x cols of the sample the SVD ran on. */
  sampleShape: [number, number];
  /** Top singular values (descending) from randomized SVD of the sample. */
  singularValues: number[];
  /** Fraction of the sample's squared Frobenius norm captured by the top i+1 values. */
  energy: number[];
  /** Count of singular values above sigma_1 * max(m, n) * eps(fp32) (numpy.linalg.matrix_rank's rule). */
  numericalRank: number;
  /** Smallest k capturing 99% of the energy; null when the top values do not reach it. */
  effectiveRank: number | null;
  /** True when fewer singular values were computed than min(m, n) of the sample. */
  truncated: boolean;
}

export interface TensorReport {
  name: string;
  shape: number[];
  dtype: string;
  params: number;
  bytes: number;
  bitsPerWeight: number;
  zeroFraction: number | null;
  /** Finest N:M pattern every group of M consecutive values (along the contiguous axis) satisfies, e.g. "2:4". */
  nmSparsity: string | null;
  numericalRank: number | null;
  effectiveRank: number | null;
  stats: ValueStats | null;
  lowRank?: LowRankProfile;
  quant?: QuantInfo;
  layer: string;
  location?: string;
}

export interface LayerReport {
  layer: string;
  tensors: number;
  params: number;
  bytes: number;
  bitsPerWeight: number;
  zeroFraction: number | null;
}

export interface ModelReport {
  file: string;
  format: ModelFormat;
  /** File size on disk (plus external data files for ONNX). */
  fileBytes: number;
  totalParams: number;
  /** Bytes of all tensors (with scales and zero points). */
  bytes: number;
  bitsPerWeight: number;
  /** 2 bytes per parameter. */
  fp16Bytes: number;
  /** fp16Bytes / bytes. */
  compressionVsFp16: number;
  /** Parameter count per dtype/scheme label. */
  dtypes: Record<string, number>;
  layers: LayerReport[];
  metadata: Record<string, string | number | boolean>;
  tensors: TensorReport[];
  warnings: string[];
}
