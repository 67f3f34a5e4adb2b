/**
 * Source texts -> chunks -> compression: the whole code job in one call, shared by the CLI,
 * the worker (extension) and the benchmarks.
 */
import { createChunker, type Chunker, type ChunkingOptions } from '../chunk/index.js';
import type { ChunkedFile, CompressionResult, SkippedFile } from '../types.js';
import { ChunkedFileCache } from '../chunk/chunked-file-cache.js';
import { compressCode, type CompressCodeOptions } from './compress.js';

export interface SourceText {
  /** Path relative to the scope root, forward slashes. */
  file: string;
  text: string;
}

export interface CompressSourcesOptions extends Omit<CompressCodeOptions, 'files' | 'parseMs'> {
  sources: SourceText[];
  chunker?: Chunker;
  chunking?: ChunkingOptions;
  /** Files skipped before chunking (binary, too large...), reported back with the result. */
  skipped?: SkippedFile[];
  /** Parsed files of earlier runs with this chunker (default: the chunker's own; null: none). */
  chunkedFiles?: ChunkedFileCache | null;
}

/** One per chunker: the warm worker's shared chunker re-parses only what changed since its last run. */
const chunkedFilesOf = new WeakMap<Chunker, ChunkedFileCache>();

function chunkedFilesFor(chunker: Chunker): ChunkedFileCache {
  let cache = chunkedFilesOf.get(chunker);
  if (!cache) chunkedFilesOf.set(chunker, (cache = new ChunkedFileCache()));
  return cache;
}

let sharedChunker: Promise<Chunker> | undefined;

/** One chunker per process: each grammar loads once, the first time a file needs it. */
export function getSharedChunker(): Promise<Chunker> {
  sharedChunker ??= createChunker({ lazy: true });
  return sharedChunker;
}

export async function compressSources(
  options: CompressSourcesOptions,
): Promise<CompressionResult & { skipped: SkippedFile[] }> {
  const tp = performance.now();
  const chunker = options.chunker ?? (await getSharedChunker());
  await chunker.loadFor(options.sources); // only the grammars of the languages present
  const cache = options.chunkedFiles === undefined ? chunkedFilesFor(chunker) : options.chunkedFiles;
  const n = options.sources.length;
  // Parse progress about every 1% (chunking is synchronous: the callback must stay cheap).
  const every = Math.max(1, Math.floor(n / 100));
  const files: ChunkedFile[] = options.sources.map((s, k) => {
    const chunking = { ...options.chunking, countTokens: options.countTokens };
    const parse = () => chunker.chunkFile(s.file, s.text, chunking);
    const file = cache ? cache.get(s.file, s.text, chunking, parse) : parse();
    if ((k + 1) % every === 0 || k + 1 === n) options.onProgress?.('parse', k + 1, n);
    return file;
  });
  const parseMs = performance.now() - tp;
  const { sources: _sources, chunker: _chunker, chunking: _chunking, chunkedFiles: _cf, skipped, ...rest } = options;
  void _sources;
  void _chunker;
  void _chunking;
  void _cf;
  const result = await compressCode({ ...rest, files, parseMs });
  return { ...result, skipped: skipped ?? [] };
}
