/**
 * The jobs the model worker runs. Each job gets its payload, a cancellation signal and a
 * progress callback; the scorer for a model spec is created once and kept (with its score
 * cache) until the spec changes, so re-compressing after a small edit re-scores only what
 * changed. Runs in-process too (the CLI and tests call these directly).
 */
import type { Prefilter, RankingMethod } from '../core/code/rank.js';
import { compressSources, type SourceText } from '../core/code/compress-sources.js';
import type { JobContext } from '../core/job-context.js';
import {
  createScorer,
  PersistentScoreCache,
  remoteSpecKey,
  ScoreCache,
  type AmiWeighting,
  type RemoteScorerSpec,
  type Scorer,
  type ScorerSpec,
  type ThreadsSetting,
} from '../core/model/index.js';
import { createTokenCounter } from '../core/tokens/index.js';
import type { SkippedFile } from '../core/types.js';
import type { JobPayload, JobResultOf, WorkerJobName } from './job-table.js';
import { openPersistedCaches, persistedCaches, saveNow } from './persist.js';

export type { JobContext } from '../core/job-context.js';

/** The worker's handler of job K: its payload in, its result out (job-table.ts). */
export type JobHandler<K extends WorkerJobName> = (payload: JobPayload<K>, ctx: JobContext) => Promise<JobResultOf<K>>;
export type JobHandlers = { [K in WorkerJobName]: JobHandler<K> };

/** Model settings as sent by the extension (plain data). */
export interface ModelSpecPayload {
  model?: string;
  dtype?: string;
  cacheDir?: string;
  allowDownload?: boolean;
  endpoint?: string;
  /** Score on a remote server (docs/REMOTE-SCORING.md) instead of running `model` here. */
  remote?: RemoteScorerSpec;
  /** onnxruntime threads: "auto" or a number (contextzip.threads). */
  threads?: ThreadsSetting;
  /** Where scores and token counts persist (persist.ts), and the folder's cap in MB. */
  scoresDir?: string;
  cacheMaxMB?: number;
}

export interface CompressJobPayload {
  model: ModelSpecPayload;
  sources: SourceText[];
  skipped?: SkippedFile[];
  query: string;
  budget: { tokens?: number; ratio?: number };
  tokenizer: string;
  beta?: number;
  cursor?: { file: string; offset: number };
  prefilter?: Prefilter;
  ranking?: RankingMethod;
  amiWeighting?: AmiWeighting;
  maxClassTokens?: number;
}

export interface LogprobsJobPayload {
  model: ModelSpecPayload;
  context: string;
  text: string;
}

export interface ModelStatus {
  loaded: boolean;
  id?: string;
  dtype?: string;
  maxTokens?: number;
  cacheEntries: number;
  cacheHits: number;
  cacheMisses: number;
}

/** In memory; the persisted caches of the model replace it when the spec names a scores folder. */
let cache = new ScoreCache();
let current: { key: string; scorer: Promise<Scorer> } | undefined;

/** The scorer for a spec, loaded once; a different spec disposes the previous model. */
export async function scorerFor(spec: ModelSpecPayload, ctx?: JobContext): Promise<Scorer> {
  const key = JSON.stringify([
    spec.model ?? 'embedded',
    spec.dtype ?? 'q8',
    spec.cacheDir ?? '',
    spec.remote ? remoteSpecKey(spec.remote) : '',
    spec.threads ?? 1,
    spec.scoresDir ?? '',
  ]);
  if (current?.key === key) {
    try {
      return await current.scorer;
    } catch {
      current = undefined; // a failed load is retried next time
    }
  }
  if (current) {
    const old = current.scorer;
    current = undefined;
    old.then((s) => s.dispose()).catch(() => undefined);
  }
  const persisted = openPersistedCaches(spec);
  if (persisted) cache = persisted.scores;
  else if (cache instanceof PersistentScoreCache) cache = new ScoreCache();
  const full: ScorerSpec = {
    ...spec,
    cache,
    tokenCounts: persisted?.modelCounts,
    associationNormalizers: persisted?.associationNormalizers,
    signal: ctx?.signal,
    onDownloadProgress: (p) => ctx?.progress('download', p.loadedBytes, p.totalBytes ?? 0, p.file),
  };
  const loading = createScorer(full);
  current = { key, scorer: loading };
  try {
    return await loading;
  } catch (err) {
    current = undefined;
    throw err;
  }
}

export async function disposeModel(): Promise<void> {
  saveNow();
  const old = current;
  current = undefined;
  if (old) await (await old.scorer.catch(() => undefined))?.dispose();
}

/** The jobs of the model itself; register-jobs.ts adds the other engine areas' jobs. */
export const modelJobs: Pick<
  JobHandlers,
  'compress' | 'logprobs' | 'loadModel' | 'status' | 'clearCache' | 'unloadModel'
> = {
  async compress(payload, ctx) {
    ctx.progress('load', 0, 1, 'Loading model');
    const scorer = await scorerFor(payload.model, ctx);
    persistedCaches()?.addTargetTokenizer(payload.tokenizer);
    const countTokens = createTokenCounter(payload.tokenizer, (t) => scorer.countTokens(t));
    ctx.progress('parse', 0, payload.sources.length, 'Parsing');
    return compressSources({
      sources: payload.sources,
      skipped: payload.skipped,
      query: payload.query,
      budget: payload.budget,
      scorer,
      countTokens,
      beta: payload.beta,
      cursor: payload.cursor,
      prefilter: payload.prefilter,
      ranking: payload.ranking,
      amiWeighting: payload.amiWeighting,
      chunking: payload.maxClassTokens ? { maxClassTokens: payload.maxClassTokens } : undefined,
      signal: ctx.signal,
      onProgress: (stage, done, total) => ctx.progress(stage, done, total),
    });
  },

  async logprobs(payload, ctx) {
    const scorer = await scorerFor(payload.model, ctx);
    const [r] = await scorer.score([{ context: payload.context, text: payload.text }], { signal: ctx.signal });
    return { model: scorer.info, ...r };
  },

  async loadModel(payload, ctx) {
    await scorerFor(payload, ctx);
    return modelJobs.status({}, ctx);
  },

  async status() {
    const s = current ? await current.scorer.catch(() => undefined) : undefined;
    return {
      loaded: s !== undefined,
      id: s?.info.id,
      dtype: s?.info.dtype,
      maxTokens: s?.maxTokens,
      cacheEntries: cache.size,
      cacheHits: cache.hits,
      cacheMisses: cache.misses,
    };
  },

  async clearCache() {
    const n = cache.size;
    cache.clear();
    persistedCaches()?.clear(); // token counts too
    return { cleared: n };
  },

  async unloadModel() {
    const had = current !== undefined;
    await disposeModel();
    return { unloaded: had };
  },
};
