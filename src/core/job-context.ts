/**
 * What a long-running engine job gets from whoever runs it (the model worker, the CLI, tests):
 * a cancellation signal the job checks between batches, and a progress callback by stage.
 */
import type { CancellationSignal } from './errors.js';

export interface JobContext {
  signal: CancellationSignal;
  progress: (stage: string, done: number, total: number, message?: string) => void;
}
