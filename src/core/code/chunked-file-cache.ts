/**
 * Parsed files kept between runs of one process (the extension's warm worker, the MCP server):
 * a file whose path, text and chunking options are unchanged is not parsed again. Parsing is
 * most of a warm run's time on big scopes (bench/results/speed.md). Token counts are recounted
 * when the target tokenizer's counter differs from the one the entry was made with (cheap: the
 * counters cache by text).
 */
import crypto from 'node:crypto';
import type { ChunkingOptions } from '../chunk/index.js';
import type { TokenCounter } from '../tokens/estimate.js';
import type { ChunkedFile } from '../types.js';

interface Entry {
  chunked: ChunkedFile;
  countTokens: TokenCounter | undefined;
  chars: number;
}

export class ChunkedFileCache {
  private readonly entries = new Map<string, Entry>();
  private chars = 0;
  hits = 0;

  /** Bounded by the characters of the files held (a 1M-token scope is about 3.5M). */
  constructor(private readonly maxChars = 64_000_000) {}

  /** The cached chunks of `file`, or those `parse` makes (then cached). */
  get(file: string, text: string, options: ChunkingOptions, parse: () => ChunkedFile): ChunkedFile {
    const { countTokens, ...rest } = options;
    const key = crypto
      .createHash('sha256')
      .update(file)
      .update('\0')
      .update(JSON.stringify(rest, Object.keys(rest).sort()))
      .update('\0')
      .update(text)
      .digest('base64');
    const hit = this.entries.get(key);
    if (hit) {
      this.entries.delete(key);
      this.entries.set(key, hit); // most recently used last
      this.hits++;
      if (hit.countTokens !== countTokens && countTokens) {
        hit.chunked = {
          ...hit.chunked,
          chunks: hit.chunked.chunks.map((c) => ({ ...c, tokens: countTokens(c.text) })),
        };
        hit.countTokens = countTokens;
      }
      return hit.chunked;
    }
    const chunked = parse();
    this.entries.set(key, { chunked, countTokens, chars: text.length });
    this.chars += text.length;
    for (const [k, e] of this.entries) {
      if (this.chars <= this.maxChars) break;
      this.entries.delete(k);
      this.chars -= e.chars;
    }
    return chunked;
  }

  get size(): number {
    return this.entries.size;
  }
}
