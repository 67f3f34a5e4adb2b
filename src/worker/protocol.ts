/**
 * Messages between the extension host and the model worker (worker_threads). The worker
 * owns the model; the extension host only sends requests and never blocks on model work.
 */
export interface JobRequest<P = unknown> {
  kind: 'job';
  id: number;
  job: string;
  payload: P;
}

export interface CancelRequest {
  kind: 'cancel';
  id: number;
}

export type ToWorker = JobRequest | CancelRequest;

export interface JobProgress {
  kind: 'progress';
  id: number;
  stage: string;
  done: number;
  total: number;
  message?: string;
}

export interface JobResult<R = unknown> {
  kind: 'result';
  id: number;
  result: R;
}

export interface JobError {
  kind: 'error';
  id: number;
  /** The ContextZipError code ('usage', 'cancelled', 'model-missing', ...) or 'internal'. */
  code: string;
  message: string;
}

export type FromWorker = JobProgress | JobResult | JobError;
