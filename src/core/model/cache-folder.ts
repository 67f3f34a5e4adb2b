/**
 * The persisted caches of one model in one folder (the CLI: ~/.cache/contextzip/scores; the
 * extension: its global storage's scores/):
 *
 *   scores-<fingerprint>.json   scores of (context, text) pairs (persistent-score-cache.ts)
 *   tokens-<fingerprint>.bin    token counts of the model's tokenizer (Scorer.countTokens)
 *   tokens-<encoding>.bin       token counts of the target tokenizer (o200k_base, cl100k_base)
 *   assoc-<fingerprint>.bin     word-association normalizers of chunks (word-association.ts)
 *   chunks-<version>.json       chunk layouts of parsed files (chunk/chunked-file-cache.ts), per
 *                               ContextZip version, when `chunkLayoutsVersion` is given
 *
 * The folder has a size cap (default 256 MB; `contextzip.cache.maxSizeMB`, `--cache-max-mb`).
 * The current model's score file gets 70% of it and each count file 7.5% (the oldest entries
 * are dropped when a file outgrows its share); after a save, the other cache files (other
 * models' fingerprints, other encodings, old formats) are deleted least recently used first
 * (by modification time: loading a file touches it) until the folder fits. Files that are not
 * ours (any other name) are never touched.
 */
import fs from 'node:fs';
import path from 'node:path';
import { TokenCountCache, DEFAULT_COUNT_CACHE_ENTRIES } from '../tokens/count-cache.js';
import { ChunkedFileCache } from '../chunk/chunked-file-cache.js';
import { targetCountCache } from '../tokens/index.js';
import type { ModelInfo } from '../types.js';
import { ensureDir, PersistentScoreCache, scoreCacheFile } from './persistent-score-cache.js';

export const DEFAULT_CACHE_MAX_MB = 256;

/** Names of the files this folder's caches own (and may prune). */
const CACHE_FILE = /^((scores|chunks)-[^/\\]+\.json|(tokens|assoc)-[^/\\]+\.bin)$/;
/** Bytes per saved count entry (20-byte key + float64). */
const COUNT_ENTRY_BYTES = 28;

export interface CacheFolderOptions {
  dir: string;
  /** modelFingerprint(location, dtype): names the model's files. */
  fingerprint: string;
  model: ModelInfo;
  /** Cap on the cache files of the folder, in MB (default DEFAULT_CACHE_MAX_MB). */
  maxMB?: number;
  /** Target tokenizer whose counts persist too (o200k_base or cl100k_base; others are not cached). */
  targetTokenizer?: string;
  /** The running ContextZip version: parsed files' layouts persist too (chunks-<version>.json). */
  chunkLayoutsVersion?: string;
}

export class CacheFolder {
  readonly scores: PersistentScoreCache;
  /** Counts of the model's tokenizer; give it to createScorer as `tokenCounts`. */
  readonly modelCounts = new TokenCountCache();
  /** Word-association normalizers by chunk text; give it to createScorer as `associationNormalizers`. */
  readonly associationNormalizers = new TokenCountCache();
  /** Parsed files; give it to compressSources as `chunkedFiles` (persisted with chunkLayoutsVersion). */
  readonly chunkedFiles = new ChunkedFileCache();
  /** Target tokenizers whose (process-wide) count caches this folder loads and saves. */
  private readonly targets = new Map<TargetEncoding, TokenCountCache>();
  readonly maxBytes: number;

  private constructor(private readonly options: CacheFolderOptions) {
    this.maxBytes = Math.max(0, (options.maxMB ?? DEFAULT_CACHE_MAX_MB) * 1024 * 1024);
    this.scores = new PersistentScoreCache(
      scoreCacheFile(options.dir, options.fingerprint),
      options.model,
      undefined,
      Math.floor(this.maxBytes * 0.7),
    );
  }

  /**
   * Creates the folder if needed and loads the model's scores and counts (and the target
   * tokenizer's counts into its process-wide cache). Undefined when the folder is not usable.
   */
  static open(options: CacheFolderOptions): CacheFolder | undefined {
    if (!ensureDir(options.dir)) return undefined;
    const folder = new CacheFolder(options);
    folder.scores.load();
    folder.modelCounts.load(folder.modelCountsFile, folder.modelTokenizerId);
    folder.associationNormalizers.load(folder.associationFile, folder.associationId);
    if (options.targetTokenizer) folder.addTargetTokenizer(options.targetTokenizer);
    if (folder.chunkLayoutsFile) folder.chunkedFiles.load(folder.chunkLayoutsFile);
    // In use now: the least-recently-used pruning goes by modification time.
    for (const f of folder.files()) touch(f);
    return folder;
  }

  /**
   * Persists the counts of a target tokenizer too (o200k_base, cl100k_base; other names are
   * ignored): loads its file into the process-wide cache once, saves it with the others.
   */
  addTargetTokenizer(name: string): void {
    if ((name !== 'o200k_base' && name !== 'cl100k_base') || this.targets.has(name)) return;
    const cache = targetCountCache(name);
    this.targets.set(name, cache);
    cache.load(this.targetCountsFile(name), name);
    touch(this.targetCountsFile(name));
  }

  private get modelCountsFile(): string {
    return path.join(this.options.dir, `tokens-${this.options.fingerprint}.bin`);
  }

  private get modelTokenizerId(): string {
    return `model:${this.options.fingerprint}`;
  }

  private get chunkLayoutsFile(): string | undefined {
    const v = this.options.chunkLayoutsVersion;
    return v ? path.join(this.options.dir, `chunks-${v.replace(/[^A-Za-z0-9._-]/g, '_')}.json`) : undefined;
  }

  private get associationFile(): string {
    return path.join(this.options.dir, `assoc-${this.options.fingerprint}.bin`);
  }

  private get associationId(): string {
    return `assoc:${this.options.fingerprint}`;
  }

  private targetCountsFile(name: TargetEncoding): string {
    return path.join(this.options.dir, `tokens-${name}.bin`);
  }

  /** The files of this model and its target tokenizers (kept by pruning). */
  files(): string[] {
    return [
      this.scores.file,
      this.modelCountsFile,
      this.associationFile,
      ...[...this.targets.keys()].map((t) => this.targetCountsFile(t)),
      ...(this.chunkLayoutsFile ? [this.chunkLayoutsFile] : []),
    ];
  }

  /** Empties the in-memory caches of this folder (the files stay until deleted or saved over). */
  clear(): void {
    this.scores.clear();
    this.modelCounts.clear();
    this.associationNormalizers.clear();
    this.chunkedFiles.clear();
    for (const c of this.targets.values()) c.clear();
  }

  /**
   * Saves the caches (each within its share of the cap), then prunes the other cache files
   * down to the cap. Returns the names of the files pruned. Never throws: it is only a cache.
   */
  save(): { pruned: string[] } {
    const countEntries = Math.min(DEFAULT_COUNT_CACHE_ENTRIES, Math.floor((this.maxBytes * 0.075) / COUNT_ENTRY_BYTES));
    try {
      this.scores.save();
      this.modelCounts.save(this.modelCountsFile, this.modelTokenizerId, countEntries);
      this.associationNormalizers.save(this.associationFile, this.associationId, countEntries);
      for (const [name, cache] of this.targets) cache.save(this.targetCountsFile(name), name, countEntries);
      if (this.chunkLayoutsFile) this.chunkedFiles.save(this.chunkLayoutsFile);
      return { pruned: pruneCacheFolder(this.options.dir, this.maxBytes, this.files()).deleted };
    } catch {
      return { pruned: [] };
    }
  }
}

type TargetEncoding = 'o200k_base' | 'cl100k_base';

function touch(file: string): void {
  try {
    const now = new Date();
    fs.utimesSync(file, now, now);
  } catch {
    // missing (first run) or read-only: nothing to do
  }
}

/**
 * Deletes cache files of `dir` (scores-*.json, tokens-*.bin, assoc-*.bin) that are not in `keep`, least
 * recently modified first (ties: by name), until all cache files together take at most
 * `maxBytes`. Other files are neither counted nor deleted. Returns the deleted names (in the
 * order deleted) and the cache bytes left.
 */
export function pruneCacheFolder(
  dir: string,
  maxBytes: number,
  keep: readonly string[] = [],
): { deleted: string[]; bytes: number } {
  const kept = new Set(keep.map((f) => path.resolve(f)));
  const files: Array<{ name: string; size: number; mtime: number; keep: boolean }> = [];
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return { deleted: [], bytes: 0 };
  }
  for (const name of names) {
    if (!CACHE_FILE.test(name)) continue;
    try {
      const st = fs.statSync(path.join(dir, name));
      if (!st.isFile()) continue;
      files.push({ name, size: st.size, mtime: st.mtimeMs, keep: kept.has(path.resolve(dir, name)) });
    } catch {
      // removed meanwhile
    }
  }
  let bytes = files.reduce((s, f) => s + f.size, 0);
  const deleted: string[] = [];
  const candidates = files.filter((f) => !f.keep).sort((a, b) => a.mtime - b.mtime || a.name.localeCompare(b.name));
  for (const f of candidates) {
    if (bytes <= maxBytes) break;
    try {
      fs.rmSync(path.join(dir, f.name), { force: true });
      bytes -= f.size;
      deleted.push(f.name);
    } catch {
      // in use or read-only: leave it
    }
  }
  return { deleted, bytes };
}
