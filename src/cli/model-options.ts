/** The model options every scoring subcommand shares, and the scorer they describe. */
import type { Progress } from './progress.js';
import type { Command } from 'commander';
import path from 'node:path';
import {
  CacheFolder,
  createScorer,
  defaultHubCacheRoot,
  modelFingerprint,
  parseDtype,
  displayUrl,
  remoteCacheInfo,
  remoteFingerprint,
  REMOTE_PROTOCOLS,
  resolveModelLocation,
  type RemoteProtocol,
  type RemoteScorerSpec,
  type Scorer,
  type ThreadsSetting,
} from '../core/model/index.js';
import { UsageError } from '../core/errors.js';
import { parseNumberOption, parseOptionalNumber, threadsRange } from './options.js';
/** Inlined by esbuild from package.json (read by tsx from source): names the chunk-layouts file. */
import { version as CLI_VERSION } from '../../package.json';

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

/** Options of the commands that persist caches (compress): the target tokenizer and the cap. */
export interface CacheCliOptions extends ModelCliOptions {
  tokenizer?: string;
  cacheMaxMb?: string;
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
  return addModelSourceOptions(cmd).option(
    '--threads <auto|n>',
    'onnxruntime threads: auto (default: 2 when the machine is idle enough, else 1) or 1 to the number of cores',
    'auto',
  );
}

/** --threads: "auto" or a whole number from 1 to the number of cores. */
export function parseThreadsOption(value: string | undefined): ThreadsSetting | undefined {
  if (value === undefined) return undefined;
  if (value.trim() === 'auto') return 'auto';
  try {
    return parseNumberOption(value, '--threads', threadsRange());
  } catch {
    throw new UsageError(`--threads must be auto or a whole number in [1, ${threadsRange().max}] (got "${value}").`);
  }
}

/** Checks the model flags before any work is done (usage errors, exit 2). */
export function checkModelOptions(opts: ModelCliOptions & { cacheMaxMb?: string }): void {
  parseDtype(opts.dtype);
  parseThreadsOption(opts.threads);
  remoteSpecFromOptions(opts);
  if (opts.cacheMaxMb !== undefined) parseNumberOption(opts.cacheMaxMb, '--cache-max-mb', { min: 0 });
}

/**
 * The persisted caches (scores, model and target token counts) for the model the options
 * describe, loaded; they live next to the hub model cache, capped by --cache-max-mb. Call
 * `save()` when done (it also prunes other models' files). Undefined (with a warning on
 * stderr) when the folder cannot be created or written: the run goes on without them.
 */
export function openScoreCache(opts: CacheCliOptions): CacheFolder | undefined {
  const remote = remoteSpecFromOptions(opts);
  const dir = path.join(path.dirname(opts.cacheDir ?? defaultHubCacheRoot()), 'scores');
  const maxMB =
    opts.cacheMaxMb === undefined ? undefined : parseNumberOption(opts.cacheMaxMb, '--cache-max-mb', { min: 0 });
  let fingerprint: string;
  let model: { id: string; dtype: string };
  if (remote) {
    // One file per server + served model + tokenizer (docs/REMOTE-SCORING.md).
    fingerprint = remoteFingerprint(remote);
    model = remoteCacheInfo(remote);
  } else {
    const dtype = parseDtype(opts.dtype);
    const location = resolveModelLocation(opts.model, opts.cacheDir);
    fingerprint = modelFingerprint(location, dtype);
    model = { id: location.id, dtype };
  }
  const folder = CacheFolder.open({
    dir,
    fingerprint,
    model,
    maxMB,
    targetTokenizer: opts.tokenizer,
    chunkLayoutsVersion: CLI_VERSION,
  });
  if (!folder)
    process.stderr.write(`contextzip: warning: score cache folder ${dir} is not usable; scores are not persisted\n`);
  return folder;
}

/** The scorer, loaded under a "loading model" progress line that is cleared if loading fails. */
export async function loadScorerWithProgress(
  opts: ModelCliOptions,
  progress: Progress,
  cache?: CacheFolder,
): Promise<Scorer> {
  progress.update('loading model', 0, 0);
  try {
    return await scorerFromOptions(opts, cache);
  } catch (err) {
    progress.stop();
    throw err;
  }
}

/** The scorer the options describe (with optional persisted caches). */
export async function scorerFromOptions(opts: ModelCliOptions, cache?: CacheFolder): Promise<Scorer> {
  let lastPct = -1;
  const remote = remoteSpecFromOptions(opts);
  if (remote) process.stderr.write(`contextzip: scoring remotely: code is sent to ${displayUrl(remote.url)}\n`);
  return createScorer({
    remote,
    cache: cache?.scores,
    tokenCounts: cache?.modelCounts,
    associationNormalizers: cache?.associationNormalizers,
    model: opts.model,
    dtype: opts.dtype,
    cacheDir: opts.cacheDir,
    allowDownload: opts.download === true,
    threads: parseThreadsOption(opts.threads),
    onDownloadProgress: (p) => {
      const pct = p.totalBytes ? Math.floor((100 * p.loadedBytes) / p.totalBytes) : -1;
      if (pct !== lastPct && process.stderr.isTTY) {
        lastPct = pct;
        process.stderr.write(`\rdownloading ${p.file} ${pct >= 0 ? `${pct}%` : `${p.loadedBytes} bytes`}   `);
      }
    },
  });
}
