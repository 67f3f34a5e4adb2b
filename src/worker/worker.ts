/**
 * Entry point of the model worker thread (bundled to dist/worker.js). Runs one job at a time
 * per request id; cancellation flips the job's signal, which the engine checks between batches.
 */
import { parentPort } from 'node:worker_threads';
import { ContextZipError } from '../core/errors.js';
import type { JobContext } from './jobs.js';
import type { FromWorker, ToWorker } from './protocol.js';
import { cancelScheduledSave, scheduleSave } from './persist.js';
import { jobs } from './register-jobs.js';

const port = parentPort;
if (!port) throw new Error('worker.ts must run in a worker thread');
const signals = new Map<number, { cancelled: boolean }>();

const send = (msg: FromWorker) => port.postMessage(msg);

port.on('message', (msg: ToWorker) => {
  if (msg.kind === 'cancel') {
    const s = signals.get(msg.id);
    if (s) s.cancelled = true;
    return;
  }
  const signal = { cancelled: false };
  signals.set(msg.id, signal);
  cancelScheduledSave(); // persisted caches are saved when the worker is idle
  // The one unchecked step: a message names its job; the client's run() typed its payload.
  const handler = Object.hasOwn(jobs, msg.job)
    ? (jobs[msg.job as keyof typeof jobs] as (payload: unknown, ctx: JobContext) => Promise<unknown>)
    : undefined;
  const run = handler
    ? handler(msg.payload, {
        signal,
        progress: (stage, done, total, message) => send({ kind: 'progress', id: msg.id, stage, done, total, message }),
      })
    : Promise.reject(new ContextZipError(`Unknown job "${msg.job}".`, 'internal'));
  run
    .then(
      (result) => send({ kind: 'result', id: msg.id, result }),
      (err: unknown) =>
        send({
          kind: 'error',
          id: msg.id,
          code: err instanceof ContextZipError ? err.code : 'internal',
          message: err instanceof Error ? err.message : String(err),
        }),
    )
    .finally(() => {
      signals.delete(msg.id);
      if (signals.size === 0) scheduleSave();
    });
});
