/** The model options every scoring subcommand shares, and the scorer they describe. */
import type { Progress } from './progress.js';
import type { Command } from 'commander';
import path from 'node:path';
import {
  createScorer,
  defaultHubCacheRoot,
  ensureDir,
  modelFingerprint,
  parseDtype,
  PersistentScoreCache,
  displayUrl,
  remoteCacheInfo,
  remoteFingerprint,
  REMOTE_PROTOCOLS,
  resolveModelLocation,
  scoreCacheFile,
  type RemoteProtocol,
  type RemoteScorerSpec,
  type Scorer,
} from '../core/model/index.js';
import { UsageError } from '../core/errors.js';
import { parseOptionalNumber, threadsRange } from './options.js';

/** The environment variable the CLI and the MCP server read the remote scorer's API key from. */
export const SCORER_API_KEY_ENV = 'CONTEXTZIP_SCORER_API_KEY';

export interface ModelCliOptions {
  model?: string;
  dtype?: string;
  cacheDir?: string;
  download?: boolean;
  threads?: string;
  scorerUrl?: string;
  scorerTokenizer?: string;
  scorerProtocol?: string;
  scorerBatch?: string;
  scorerConcurrency?: string;
  scorerTimeout?: string;
  scorerMaxTokens?: string;
}

/**
 * Which model and weights: --model, --dtype, --cache-dir, --download, and the remote scorer
 * (--scorer-url and friends; docs/REMOTE-SCORING.md). Also the MCP server's.
 */
export function addModelSourceOptions(cmd: Command): Command {
  return cmd
    .option(
      '--model <id|path>',
      'compressor model: "embedded" (default), a local model folder, or a hub id; with --scorer-url: the served model name (default: the server\'s only model)',
      'embedded',
    )
    .option('--dtype <dtype>', 'model weights: q8 (default), q4 or fp32', 'q8')
    .option('--cache-dir <dir>', 'where hub models are downloaded (default ~/.cache/contextzip/models)')
    .option('--download', 'allow downloading a hub model that is not in the cache yet')
    .option(
      '--scorer-url <url>',
      `score on an OpenAI-compatible completions server (e.g. vLLM) instead of locally: your code is sent there; API key from $${SCORER_API_KEY_ENV}`,
    )
    .option(
      '--scorer-tokenizer <model>',
      'with --scorer-url: a local copy of the served model\'s tokenizer ("embedded", a model folder or a downloaded hub id): exact token counts, prompts sent as token ids',
    )
    .option('--scorer-protocol <p>', 'with --scorer-url: echo (echo + logprobs, default) or prompt_logprobs (vLLM)')
    .option('--scorer-batch <n>', 'with --scorer-url: prompts per request (default 16)')
    .option('--scorer-concurrency <n>', 'with --scorer-url: requests in flight at once (default 4)')
    .option('--scorer-timeout <seconds>', 'with --scorer-url: timeout per request (default 120)')
    .option(
      '--scorer-max-tokens <n>',
      'with --scorer-url: tokens per prompt; longer contexts are cut from the left (default 4096)',
    );
}

/**
 * The remote scorer the options describe, or undefined without --scorer-url. The API key comes
 * from the environment only (a flag's value would show in the process list and shell history).
 */
export function remoteSpecFromOptions(opts: ModelCliOptions): RemoteScorerSpec | undefined {
  const scorerFlags = (
    [
      'scorerTokenizer',
      'scorerProtocol',
      'scorerBatch',
      'scorerConcurrency',
      'scorerTimeout',
      'scorerMaxTokens',
    ] as const
  ).filter((k) => opts[k] !== undefined);
  if (opts.scorerUrl === undefined) {
    if (scorerFlags.length > 0)
      throw new UsageError(`--${kebab(scorerFlags[0])} needs --scorer-url (the remote scorer's address).`);
    return undefined;
  }
  const url = opts.scorerUrl.trim();
  if (!/^https?:\/\/[^/]/i.test(url))
    throw new UsageError(`--scorer-url must be an http:// or https:// URL (got "${displayUrl(url)}").`);
  const protocol = opts.scorerProtocol ?? 'echo';
  if (!(REMOTE_PROTOCOLS as readonly string[]).includes(protocol))
    throw new UsageError(`--scorer-protocol must be one of ${REMOTE_PROTOCOLS.join(', ')} (got "${protocol}").`);
  const timeout = parseOptionalNumber(opts.scorerTimeout, '--scorer-timeout', {
    min: 0,
    minExclusive: true,
    max: 3600,
  });
  // --model keeps its local default ("embedded"), which no server serves: then the server's only model.
  const model = opts.model && opts.model !== 'embedded' ? opts.model : undefined;
  return {
    url,
    model,
    apiKey: process.env[SCORER_API_KEY_ENV]?.trim() || undefined,
    tokenizer: opts.scorerTokenizer,
    protocol: protocol as RemoteProtocol,
    maxPromptsPerRequest: parseOptionalNumber(opts.scorerBatch, '--scorer-batch', { min: 1, max: 1024, integer: true }),
    concurrency: parseOptionalNumber(opts.scorerConcurrency, '--scorer-concurrency', {
      min: 1,
      max: 64,
      integer: true,
    }),
    timeoutMs: timeout !== undefined ? Math.round(timeout * 1000) : undefined,
    maxTokens: parseOptionalNumber(opts.scorerMaxTokens, '--scorer-max-tokens', { min: 16, integer: true }),
  };
}

function kebab(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** The model source options plus --threads, for the commands that run the model here. */
export function addModelOptions(cmd: Command): Command {
  return addModelSourceOptions(cmd).option('--threads <n>', 'onnxruntime threads (1 to the number of cores)');
}

/** Checks the model flags before any work is done (usage errors, exit 2). */
export function checkModelOptions(opts: ModelCliOptions): void {
  parseDtype(opts.dtype);
  parseOptionalNumber(opts.threads, '--threads', threadsRange());
  remoteSpecFromOptions(opts);
}

/**
 * The persisted score cache for the model the options describe, loaded; it lives next to the
 * hub model cache. Call `save()` when done. Undefined (with a warning on stderr) when its
 * folder cannot be created or written: the run goes on without a persistent cache.
 */
export function openScoreCache(opts: ModelCliOptions): PersistentScoreCache | undefined {
  const remote = remoteSpecFromOptions(opts);
  const dir = path.join(path.dirname(opts.cacheDir ?? defaultHubCacheRoot()), 'scores');
  if (!ensureDir(dir)) {
    process.stderr.write(`contextzip: warning: score cache folder ${dir} is not usable; scores are not persisted\n`);
    return undefined;
  }
  if (remote) {
    // One file per server + served model + tokenizer (docs/REMOTE-SCORING.md).
    const remoteCache = new PersistentScoreCache(
      scoreCacheFile(dir, remoteFingerprint(remote)),
      remoteCacheInfo(remote),
    );
    remoteCache.load();
    return remoteCache;
  }
  const dtype = parseDtype(opts.dtype);
  const location = resolveModelLocation(opts.model, opts.cacheDir);
  const cache = new PersistentScoreCache(scoreCacheFile(dir, modelFingerprint(location, dtype)), {
    id: location.id,
    dtype,
  });
  cache.load();
  return cache;
}

/** The scorer, loaded under a "loading model" progress line that is cleared if loading fails. */
export async function loadScorerWithProgress(
  opts: ModelCliOptions,
  progress: Progress,
  cache?: PersistentScoreCache,
): Promise<Scorer> {
  progress.update('loading model', 0, 0);
  try {
    return await scorerFromOptions(opts, cache);
  } catch (err) {
    progress.stop();
    throw err;
  }
}

/** The scorer the options describe (with an optional shared/persisted score cache). */
export async function scorerFromOptions(opts: ModelCliOptions, cache?: PersistentScoreCache): Promise<Scorer> {
  let lastPct = -1;
  const remote = remoteSpecFromOptions(opts);
  if (remote) process.stderr.write(`contextzip: scoring remotely: code is sent to ${displayUrl(remote.url)}\n`);
  return createScorer({
    remote,
    cache,
    model: opts.model,
    dtype: opts.dtype,
    cacheDir: opts.cacheDir,
    allowDownload: opts.download === true,
    threads: parseOptionalNumber(opts.threads, '--threads', threadsRange()),
    onDownloadProgress: (p) => {
      const pct = p.totalBytes ? Math.floor((100 * p.loadedBytes) / p.totalBytes) : -1;
      if (pct !== lastPct && process.stderr.isTTY) {
        lastPct = pct;
        process.stderr.write(`\rdownloading ${p.file} ${pct >= 0 ? `${pct}%` : `${p.loadedBytes} bytes`}   `);
      }
    },
  });
}
