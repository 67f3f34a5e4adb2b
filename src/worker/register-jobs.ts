/**
 * The worker's whole job table: the model's own jobs and those of other engine areas (one
 * entry per area). Typed by job-table.ts, so a handler that does not match its job's payload
 * or result does not compile.
 */
import { cotJobHandlers } from '../core/cot/jobs.js';
import { inspectJobHandlers } from '../core/inspect/jobs.js';
import { modelJobs, scorerFor, type JobHandlers } from './jobs.js';

export const jobs: JobHandlers = {
  ...modelJobs,
  // Reasoning-trace compression shares the worker's loaded model and score cache.
  ...cotJobHandlers((spec, ctx) => scorerFor(spec, ctx)),
  // Model-file inspection and compressor-variant evaluation (own scorers, not the shared one).
  ...inspectJobHandlers(),
};
