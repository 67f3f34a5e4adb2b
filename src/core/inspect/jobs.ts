/**
 * Model-worker jobs for model-file inspection, as plain handlers. The worker registers them
 * (src/worker/register-jobs.ts), so core does not depend on the worker and the extension
 * host never runs the statistics itself (a big file takes seconds to minutes).
 */
import type { JobContext } from '../job-context.js';
import { inspectAndCompare, inspectModelFile, type CompareResult } from './index.js';
import type { AnalyzeOptions } from './stats.js';
import type { ModelReport } from './types.js';
import { evaluateVariants, type EvalVariantsOptions, type EvalVariantsResult } from './variants.js';

/** The job context (src/core/job-context.ts). */
export type InspectJobContext = JobContext;

export type InspectJobOptions = Pick<AnalyzeOptions, 'maxElements' | 'rankSample' | 'rankK' | 'lowRank'>;

/** The inspection jobs as plain handlers, by job name. */
export function inspectJobHandlers() {
  return {
    inspectModel: (
      payload: { file: string; options?: InspectJobOptions },
      ctx: InspectJobContext,
    ): Promise<ModelReport> =>
      inspectModelFile(payload.file, {
        ...payload.options,
        signal: ctx.signal,
        onProgress: (d, t, name) => ctx.progress('inspect', d, t, name),
      }),
    compareModels: (
      payload: { a: string; b: string; options?: InspectJobOptions },
      ctx: InspectJobContext,
    ): Promise<CompareResult> =>
      inspectAndCompare(payload.a, payload.b, {
        ...payload.options,
        signal: ctx.signal,
        onProgress: (d, t, name) => ctx.progress('compare', d, t, name),
      }),
    evalVariants: (
      payload: Omit<EvalVariantsOptions, 'signal' | 'onProgress'>,
      ctx: InspectJobContext,
    ): Promise<EvalVariantsResult> => evaluateVariants({ ...payload, signal: ctx.signal, onProgress: ctx.progress }),
  };
}
