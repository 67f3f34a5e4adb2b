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
  resolveModelLocation,
  scoreCacheFile,
  type Scorer,
} from '../core/model/index.js';
import { parseOptionalNumber, threadsRange } from './options.js';

export interface ModelCliOptions {
  model?: string;
  dtype?: string;
  cacheDir?: string;
  download?: boolean;
  threads?: string;
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
  return addModelSourceOptions(cmd).option('--threads <n>', 'onnxruntime threads (1 to the number of cores)');
}

/** Checks the model flags before any work is done (usage errors, exit 2). */
export function checkModelOptions(opts: ModelCliOptions): void {
  parseDtype(opts.dtype);
  parseOptionalNumber(opts.threads, '--threads', threadsRange());
}

/**
 * The persisted score cache for the model the options describe, loaded; it lives next to the
 * hub model cache. Call `save()` when done. Undefined (with a warning on stderr) when its
 * folder cannot be created or written: the run goes on without a persistent cache.
 */
export function openScoreCache(opts: ModelCliOptions): PersistentScoreCache | undefined {
  const dtype = parseDtype(opts.dtype);
  const location = resolveModelLocation(opts.model, opts.cacheDir);
  const dir = path.join(path.dirname(opts.cacheDir ?? defaultHubCacheRoot()), 'scores');
  if (!ensureDir(dir)) {
    process.stderr.write(`contextzip: warning: score cache folder ${dir} is not usable; scores are not persisted\n`);
    return undefined;
  }
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
  return createScorer({
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
