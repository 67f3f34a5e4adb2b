/**
 * Parsed files kept between runs (the extension's warm worker, the MCP server, and the CLI
 * through a file in its cache folder): a file whose path, text and chunking options are
 * unchanged is not parsed again. Parsing is most of a warm run's time on big scopes
 * (bench/results/speed.md). Token counts are recounted when the target tokenizer's counter
 * differs from the one the entry was made with (cheap: the counters cache by text).
 *
 * On disk only the layout is kept (chunk boundaries, names, kinds), never the code: a hit
 * slices the current text, whose hash is part of the key. The file name carries the version of
 * ContextZip that wrote it, so a new chunker never reads an old layout.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { removeOrphanSaveTemps } from '../files/orphan-temps.js';
import type { ChunkingOptions } from './index.js';
import { estimateTokens, type TokenCounter } from '../tokens/estimate.js';
import type { ChunkedFile } from '../types.js';

interface Entry {
  chunked: ChunkedFile;
  countTokens: TokenCounter | undefined;
  chars: number;
}

/** A chunk on disk: [name, kind, startLine, endLine, parent, startOffset, endOffset, language, headerLines]. */
type ChunkRow = [string, string, number, number, string | null, number, number, string, number];
interface Layout {
  language: string;
  method: ChunkedFile['method'];
  hadParseErrors: boolean;
  note?: string;
  chunks: ChunkRow[];
}

const FORMAT = 'contextzip-chunk-layouts-v1';

export class ChunkedFileCache {
  private readonly entries = new Map<string, Entry>();
  /** Layouts loaded from disk, not used yet in this process. */
  private readonly layouts = new Map<string, Layout>();
  private chars = 0;
  private changed = false;
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
    const layout = this.layouts.get(key);
    if (layout && !this.entries.has(key)) {
      this.layouts.delete(key);
      this.hits++;
      return this.remember(key, text, countTokens, fromLayout(file, text, layout, countTokens));
    }
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
    this.changed = true;
    return this.remember(key, text, countTokens, parse());
  }

  private remember(key: string, text: string, countTokens: TokenCounter | undefined, chunked: ChunkedFile) {
    this.entries.set(key, { chunked, countTokens, chars: text.length });
    this.chars += text.length;
    for (const [k, e] of this.entries) {
      if (this.chars <= this.maxChars) break;
      this.entries.delete(k);
      this.chars -= e.chars;
    }
    return chunked;
  }

  /** Loads the layouts a run saved (a missing or unreadable file is an empty cache). */
  load(file: string): number {
    try {
      const data = JSON.parse(fs.readFileSync(file, 'utf8')) as { format?: string; layouts?: Record<string, Layout> };
      if (data.format !== FORMAT || typeof data.layouts !== 'object' || data.layouts === null) return 0;
      for (const [k, v] of Object.entries(data.layouts)) if (isLayout(v)) this.layouts.set(k, v);
    } catch {
      return 0; // only a cache: parse again
    }
    return this.layouts.size;
  }

  /**
   * Writes the layouts of the files this process holds (the scope of the last runs), atomically;
   * nothing when no file was parsed. Never throws: it is only a cache.
   */
  save(file: string): boolean {
    if (!this.changed) return false;
    const layouts: Record<string, Layout> = {};
    for (const [k, e] of this.entries) layouts[k] = toLayout(e.chunked);
    const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
    try {
      removeOrphanSaveTemps(file);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(tmp, JSON.stringify({ format: FORMAT, layouts }));
      fs.renameSync(tmp, file);
      this.changed = false;
      return true;
    } catch {
      fs.rmSync(tmp, { force: true });
      return false;
    }
  }

  /** Forgets every parsed file (in memory and loaded from disk). */
  clear(): void {
    this.entries.clear();
    this.layouts.clear();
    this.chars = 0;
  }

  get size(): number {
    return this.entries.size;
  }
}

function toLayout(f: ChunkedFile): Layout {
  return {
    language: f.language,
    method: f.method,
    hadParseErrors: f.hadParseErrors,
    ...(f.note !== undefined ? { note: f.note } : {}),
    chunks: f.chunks.map((c) => [
      c.name,
      c.kind,
      c.startLine,
      c.endLine,
      c.parent,
      c.startOffset,
      c.endOffset,
      c.language,
      c.headerLines,
    ]),
  };
}

function fromLayout(file: string, text: string, l: Layout, countTokens: TokenCounter | undefined): ChunkedFile {
  const count = countTokens ?? estimateTokens; // the chunker's own default
  return {
    file,
    language: l.language,
    method: l.method,
    hadParseErrors: l.hadParseErrors,
    ...(l.note !== undefined ? { note: l.note } : {}),
    chunks: l.chunks.map(([name, kind, startLine, endLine, parent, startOffset, endOffset, language, headerLines]) => {
      const chunkText = text.slice(startOffset, endOffset);
      return {
        file,
        name,
        kind: kind as ChunkedFile['chunks'][number]['kind'],
        startLine,
        endLine,
        tokens: count(chunkText),
        parent,
        text: chunkText,
        startOffset,
        endOffset,
        language,
        headerLines,
      };
    }),
  };
}

function isLayout(v: unknown): v is Layout {
  const l = v as Layout;
  return (
    typeof l === 'object' &&
    l !== null &&
    typeof l.language === 'string' &&
    Array.isArray(l.chunks) &&
    l.chunks.every((c) => Array.isArray(c) && c.length === 9 && typeof c[5] === 'number' && typeof c[6] === 'number')
  );
}
