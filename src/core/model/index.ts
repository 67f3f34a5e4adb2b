/**
 * The one factory that turns a model setting into a Scorer. Everything else takes a Scorer.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ModelError, type CancellationSignal } from '../errors.js';
import { downloadHubModel, type DownloadProgress } from './hub-download.js';
import { parseDtype, requiredModelFiles, resolveModelLocation, type ModelDtype } from './model-files.js';
import { ScoreCache } from './score-cache.js';
import type { Scorer } from './scorer.js';
import { TransformersScorer } from './transformers-scorer.js';
import { createRemoteScorer, type RemoteScorerSpec } from './remote-scorer.js';

export * from './scorer.js';
export * from './model-files.js';
export { ScoreCache } from './score-cache.js';
export { approximateMutualInformation, type AmiWeighting } from './derive.js';
export { ensureDir, PersistentScoreCache, scoreCacheFile } from './persistent-score-cache.js';
export { downloadHubModel, hubEndpoint, type DownloadProgress } from './hub-download.js';
export { addTargetLogprobs, readGraphIo, targetLogprobsModel, TARGET_OUTPUT } from './graph-surgery.js';
export {
  createRemoteScorer,
  estimateServerTokens,
  remoteCacheInfo,
  remoteFingerprint,
  remoteSpecKey,
  RemoteScorer,
  REMOTE_DTYPE,
  REMOTE_PROTOCOLS,
  REMOTE_SCORER_DEFAULTS,
  type RemoteProtocol,
  type RemoteScorerSpec,
} from './remote-scorer.js';
export { completionsEndpoint, displayUrl } from './remote-client.js';

export interface ScorerSpec {
  /** "embedded" (default), a local model folder, or a hub id such as onnx-community/Qwen2.5-Coder-0.5B-Instruct. */
  model?: string;
  dtype?: ModelDtype | string;
  /** Root folder of downloaded hub models (the extension's global storage; ~/.cache/contextzip/models for the CLI). */
  cacheDir?: string;
  /** Whether a missing hub model may be downloaded now. Off unless the user asked. */
  allowDownload?: boolean;
  endpoint?: string;
  signal?: CancellationSignal;
  onDownloadProgress?: (p: DownloadProgress) => void;
  maxTokens?: number;
  /** Sequences per batch and padded tokens per batch (transformers-scorer.ts; defaults 1 and 4096). */
  maxBatchSize?: number;
  maxBatchTokens?: number;
  threads?: number;
  /** Share a cache across scorers (e.g. the worker's long-lived cache); a fresh one otherwise. */
  cache?: ScoreCache | null;
  /** Load hub/folder models through a graph patched to output target_logprobs (default true; graph-surgery.ts). */
  graphSurgery?: boolean;
  /** Folder of patched graphs (default ~/.cache/contextzip/graphs). */
  graphCacheDir?: string;
  /** Score on a remote server instead (docs/REMOTE-SCORING.md); model/dtype/threads then do not apply. */
  remote?: RemoteScorerSpec;
}

export async function createScorer(spec: ScorerSpec = {}): Promise<Scorer> {
  if (spec.remote) {
    return createRemoteScorer({
      ...spec.remote,
      maxTokens: spec.remote.maxTokens ?? spec.maxTokens,
      cacheDir: spec.cacheDir,
      signal: spec.signal,
      cache: spec.cache === null ? undefined : (spec.cache ?? new ScoreCache()),
    });
  }
  const dtype = parseDtype(spec.dtype, 'q8');
  const location = resolveModelLocation(spec.model, spec.cacheDir);
  if (location.kind === 'hub') {
    const missing = requiredModelFiles(dtype).filter((f) => !fs.existsSync(path.join(location.dir, f)));
    if (missing.length > 0) {
      if (!spec.allowDownload) {
        throw new ModelError(
          `Model ${location.id} (${dtype}) is not downloaded yet (${location.dir}). Allow the download (CLI: --download; VS Code: "ContextZip: Select Model…") or choose a local folder.`,
          'model-not-downloaded',
        );
      }
      await downloadHubModel(location.id, location.dir, dtype, {
        endpoint: spec.endpoint,
        signal: spec.signal,
        onProgress: spec.onDownloadProgress,
      });
    }
  }
  return TransformersScorer.load({
    location,
    dtype,
    maxTokens: spec.maxTokens,
    maxBatchSize: spec.maxBatchSize,
    maxBatchTokens: spec.maxBatchTokens,
    threads: spec.threads,
    cache: spec.cache === null ? undefined : (spec.cache ?? new ScoreCache()),
    graphSurgery: spec.graphSurgery,
    graphCacheDir: spec.graphCacheDir,
  });
}
