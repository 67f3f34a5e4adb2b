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
import { chooseThreads, type ThreadsSetting } from './threads.js';
import { TransformersScorer } from './transformers-scorer.js';
import { createRemoteScorer, type RemoteScorerSpec } from './remote-scorer.js';
import { TokenCountCache } from '../tokens/count-cache.js';

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
export {
  chooseThreads,
  currentMachineLoad,
  parseThreadsSetting,
  type MachineLoad,
  type ThreadsSetting,
} from './threads.js';
export { CacheFolder, DEFAULT_CACHE_MAX_MB, pruneCacheFolder, type CacheFolderOptions } from './cache-folder.js';

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
  /** onnxruntime threads: a number, or "auto" (threads.ts: 2 on an idle enough machine, else 1); default 1. */
  threads?: ThreadsSetting;
  /** Share a cache across scorers (e.g. the worker's long-lived cache); a fresh one otherwise. */
  cache?: ScoreCache | null;
  /** Load hub/folder models through a graph patched to output target_logprobs (default true; graph-surgery.ts). */
  graphSurgery?: boolean;
  /** Folder of patched graphs (default ~/.cache/contextzip/graphs). */
  graphCacheDir?: string;
  /** Score on a remote server instead (docs/REMOTE-SCORING.md); model/dtype/threads then do not apply. */
  remote?: RemoteScorerSpec;
  /**
   * Counts of the model's tokenizer (`Scorer.countTokens`), e.g. a persisted one (cache-folder.ts);
   * a fresh in-memory one otherwise. Only share it between scorers of the same tokenizer.
   */
  tokenCounts?: TokenCountCache;
  /** Word-association normalizers by chunk text (word-association.ts), e.g. a persisted one. */
  associationNormalizers?: TokenCountCache;
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
  const scorer = await TransformersScorer.load({
    location,
    dtype,
    maxTokens: spec.maxTokens,
    maxBatchSize: spec.maxBatchSize,
    maxBatchTokens: spec.maxBatchTokens,
    threads: chooseThreads(spec.threads),
    cache: spec.cache === null ? undefined : (spec.cache ?? new ScoreCache()),
    graphSurgery: spec.graphSurgery,
    graphCacheDir: spec.graphCacheDir,
  });
  // Counting is what the warm path does most (rank.ts splits chunks for the window, pruning
  // sizes blocks): answered from the count cache, it no longer re-tokenizes unchanged text.
  scorer.countTokens = (spec.tokenCounts ?? new TokenCountCache()).wrap(scorer.countTokens.bind(scorer));
  if (scorer.wordAssociation) scorer.wordAssociation.normalizers = spec.associationNormalizers ?? new TokenCountCache();
  return scorer;
}
