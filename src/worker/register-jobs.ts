/** Jobs contributed by other engine areas register here (one import per area). */
import { registerCotJobs } from '../core/cot/jobs.js';
import { registerInspectJobs } from '../core/inspect/jobs.js';
import { registerJob, scorerFor } from './jobs.js';

// Reasoning-trace compression shares the worker's loaded model and score cache.
registerCotJobs(registerJob, (spec, ctx) => scorerFor(spec, ctx));
// Model-file inspection and compressor-variant evaluation (own scorers, not the shared one).
registerInspectJobs(registerJob);
