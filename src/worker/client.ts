/**
 * Extension-host side of the model worker. Plain Node (no vscode import) so tests can drive
 * it directly. Requests return promises; progress arrives through a callback; cancellation
 * is cooperative (the worker stops between batches); if a cancelled job has not stopped
 * within `terminateAfterMs`, its promise is rejected anyway so the UI never waits.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { CancelledError, ContextZipError, ModelError, UsageError } from '../core/errors.js';
import type { JobPayload, JobResultOf, WorkerJobName } from './job-table.js';
import type { FromWorker, JobProgress } from './protocol.js';

export interface JobOptions {
  onProgress?: (p: JobProgress) => void;
  /** Anything with onCancellationRequested (vscode.CancellationToken) or an AbortSignal. */
  cancellation?:
    { isCancellationRequested: boolean; onCancellationRequested(listener: () => void): unknown } | AbortSignal;
}

interface Pending {
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
  onProgress?: (p: JobProgress) => void;
}

export class ModelWorkerClient {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();

  constructor(
    private readonly workerFile = defaultWorkerFile(),
    private readonly terminateAfterMs = 5000,
  ) {}

  private ensure(): Worker {
    if (this.worker) return this.worker;
    // From source (tests), the worker is TypeScript: register tsx's CommonJS hook first.
    const w = this.workerFile.endsWith('.ts')
      ? new Worker(`require('tsx/cjs'); require(${JSON.stringify(this.workerFile)});`, { eval: true })
      : new Worker(this.workerFile);
    w.on('message', (msg: FromWorker) => {
      const p = this.pending.get(msg.id);
      if (!p) return;
      if (msg.kind === 'progress') p.onProgress?.(msg);
      else {
        this.pending.delete(msg.id);
        if (this.pending.size === 0) w.unref();
        if (msg.kind === 'result') p.resolve(msg.result);
        else p.reject(toError(msg.code, msg.message));
      }
    });
    w.on('error', (err) => this.failAll(new ContextZipError(`The model worker crashed: ${err.message}`, 'internal')));
    w.on('exit', (code) => {
      if (this.worker === w) this.worker = undefined;
      if (code !== 0) this.failAll(new ContextZipError(`The model worker stopped (exit code ${code}).`, 'internal'));
    });
    w.unref();
    this.worker = w;
    return w;
  }

  /** Whether a job is pending (the idle timeout never stops a busy worker). */
  get busy(): boolean {
    return this.pending.size > 0;
  }

  /** Whether the worker thread is running (a status query need not start one). */
  get running(): boolean {
    return this.worker !== undefined;
  }

  private failAll(err: Error): void {
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }

  /** Runs job `job` (job-table.ts): its payload type in, its result type out. */
  run<K extends WorkerJobName>(job: K, payload: JobPayload<K>, options: JobOptions = {}): Promise<JobResultOf<K>> {
    const w = this.ensure();
    w.ref(); // keep the process alive while a job is pending; idle workers never do
    const id = this.nextId++;
    return new Promise<JobResultOf<K>>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, onProgress: options.onProgress });
      w.postMessage({ kind: 'job', id, job, payload });
      const c = options.cancellation;
      if (c) {
        const cancel = () => {
          if (!this.pending.has(id)) return;
          w.postMessage({ kind: 'cancel', id });
          // A job inside one long forward pass stops at the next batch; the caller does not
          // wait for that. (Terminating the thread instead would abort the process while
          // onnxruntime sessions are alive.)
          setTimeout(() => {
            const p = this.pending.get(id);
            if (p) {
              this.pending.delete(id);
              if (this.pending.size === 0) w.unref();
              p.reject(new CancelledError());
            }
          }, this.terminateAfterMs).unref();
        };
        if ('aborted' in c) {
          if (c.aborted) cancel();
          else c.addEventListener('abort', cancel, { once: true });
        } else if (c.isCancellationRequested) cancel();
        else c.onCancellationRequested(cancel);
      }
    });
  }

  async restart(): Promise<void> {
    const w = this.worker;
    this.worker = undefined;
    this.failAll(new CancelledError());
    if (w) await w.terminate();
  }

  /**
   * Releases the model inside the worker before stopping it: terminating a thread that still
   * holds onnxruntime sessions aborts the whole process (native destructor order).
   */
  async dispose(): Promise<void> {
    if (this.worker) {
      const ac = new AbortController();
      const timer = setTimeout(() => ac.abort(), 3000);
      await this.run('unloadModel', {}).catch(() => undefined);
      clearTimeout(timer);
    }
    await this.restart();
  }
}

function toError(code: string, message: string): Error {
  if (code === 'cancelled') return new CancelledError(message);
  if (code === 'usage') return new UsageError(message);
  if (code.startsWith('model') || code === 'offline') return new ModelError(message, code);
  return new ContextZipError(message, code);
}

/** dist/worker.js next to the bundle; the TypeScript source when running from source (tests). */
export function defaultWorkerFile(): string {
  const bundled = path.join(__dirname, 'worker.js');
  if (fs.existsSync(bundled)) return bundled;
  const source = path.join(__dirname, 'worker.ts');
  if (fs.existsSync(source)) return source;
  return path.resolve(__dirname, '..', 'worker', 'worker.ts');
}
