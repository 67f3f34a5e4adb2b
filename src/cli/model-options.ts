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
  resolveModelLocation,
  type Scorer,
  type ThreadsSetting,
} from '../core/model/index.js';
import { UsageError } from '../core/errors.js';
import { parseNumberOption, threadsRange } from './options.js';

export interface ModelCliOptions {
  model?: string;
  dtype?: string;
  cacheDir?: string;
  download?: boolean;
  threads?: string;
}

/** Options of the commands that persist caches (compress): the target tokenizer and the cap. */
export interface CacheCliOptions extends ModelCliOptions {
  tokenizer?: string;
  cacheMaxMb?: string;
}

/** Which model and weights: --model, --dtype, --cache-dir, --download (also the MCP server's). */
export function addModelSourceOptions(cmd: Command): Command {
  return cmd
    .option(
      '--model <id|path>',
      'compressor model: "embedded" (default), a local model folder, or a hub id',
      'embedded',
    )
    .option('--dtype <dtype>', 'model weights: q8 (default), q4 or fp32', 'q8')
    .option('--cache-dir <dir>', 'where hub models are downloaded (default ~/.cache/contextzip/models)')
    .option('--download', 'allow downloading a hub model that is not in the cache yet');
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
  if (opts.cacheMaxMb !== undefined) parseNumberOption(opts.cacheMaxMb, '--cache-max-mb', { min: 0 });
}

/**
 * The persisted caches (scores, model and target token counts) for the model the options
 * describe, loaded; they live next to the hub model cache, capped by --cache-max-mb. Call
 * `save()` when done (it also prunes other models' files). Undefined (with a warning on
 * stderr) when the folder cannot be created or written: the run goes on without them.
 */
export function openScoreCache(opts: CacheCliOptions): CacheFolder | undefined {
  const dtype = parseDtype(opts.dtype);
  const location = resolveModelLocation(opts.model, opts.cacheDir);
  const dir = path.join(path.dirname(opts.cacheDir ?? defaultHubCacheRoot()), 'scores');
  const folder = CacheFolder.open({
    dir,
    fingerprint: modelFingerprint(location, dtype),
    model: { id: location.id, dtype },
    maxMB: opts.cacheMaxMb === undefined ? undefined : parseNumberOption(opts.cacheMaxMb, '--cache-max-mb', { min: 0 }),
    targetTokenizer: opts.tokenizer,
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
  return createScorer({
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
