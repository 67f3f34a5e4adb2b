/** Jobs contributed by other engine areas register here (one import per area). */
import { registerCotJobs } from '../core/cot/jobs.js';
import { registerJob, scorerFor } from './jobs.js';

// Reasoning-trace compression shares the worker's loaded model and score cache.
registerCotJobs(registerJob, (spec, ctx) => scorerFor(spec, ctx));
