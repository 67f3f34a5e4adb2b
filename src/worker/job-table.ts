/**
 * Every job of the model worker by name, with its payload and its result: the one contract
 * both sides compile against. The client's `run(name, payload)` takes `WorkerJobs[name]['payload']`
 * and resolves to `WorkerJobs[name]['result']`; the worker's handler table (register-jobs.ts)
 * must implement exactly these signatures. Payloads and results are the engine's own types.
 */
import type { CotResult } from '../core/cot/compress.js';
import type { CotBatchJobPayload, CotBatchJobResult, CotJobPayload } from '../core/cot/jobs.js';
import type { CompareResult } from '../core/inspect/index.js';
import type { InspectJobOptions } from '../core/inspect/jobs.js';
import type { ModelReport } from '../core/inspect/types.js';
import type { EvalVariantsOptions, EvalVariantsResult } from '../core/inspect/variants.js';
import type { ScoreResult } from '../core/model/scorer.js';
import type { CompressionResult, ModelInfo, SkippedFile } from '../core/types.js';
import type { CompressJobPayload, LogprobsJobPayload, ModelSpecPayload, ModelStatus } from './jobs.js';

/** Jobs without input. */
type NoPayload = Record<string, never>;

export interface WorkerJobs {
  /** Code-context compression of the sources (src/core/code/compress-sources.ts). */
  compress: { payload: CompressJobPayload; result: CompressionResult & { skipped: SkippedFile[] } };
  /** Per-token log-probs of a text after a context. */
  logprobs: { payload: LogprobsJobPayload; result: ScoreResult & { model: ModelInfo } };
  loadModel: { payload: ModelSpecPayload; result: ModelStatus };
  status: { payload: NoPayload; result: ModelStatus };
  clearCache: { payload: NoPayload; result: { cleared: number } };
  unloadModel: { payload: NoPayload; result: { unloaded: boolean } };
  /** Reasoning-trace compression (src/core/cot/jobs.ts). */
  cot: { payload: CotJobPayload; result: CotResult };
  cotBatch: { payload: CotBatchJobPayload; result: CotBatchJobResult };
  /** Model-file inspection and variant evaluation (src/core/inspect/jobs.ts). */
  inspectModel: { payload: { file: string; options?: InspectJobOptions }; result: ModelReport };
  compareModels: { payload: { a: string; b: string; options?: InspectJobOptions }; result: CompareResult };
  evalVariants: { payload: Omit<EvalVariantsOptions, 'signal' | 'onProgress'>; result: EvalVariantsResult };
}

export type WorkerJobName = keyof WorkerJobs;
export type JobPayload<K extends WorkerJobName> = WorkerJobs[K]['payload'];
export type JobResultOf<K extends WorkerJobName> = WorkerJobs[K]['result'];

/** The jobs that run with the configured model: their payload carries its spec. */
export type ModelJobName = {
  [K in WorkerJobName]: JobPayload<K> extends { model: ModelSpecPayload } ? K : never;
}[WorkerJobName];
