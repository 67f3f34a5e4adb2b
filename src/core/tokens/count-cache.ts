/**
 * A cache of token counts keyed by a hash of the text, for one tokenizer. The warm path of a
 * compression (every score served from the score cache) used to spend most of its time
 * re-tokenizing unchanged chunks, lines and queries just to count them; with this cache a
 * count is a hash and a map lookup. In memory it is a bounded LRU; it can be saved to and
 * loaded from a small binary file next to the score cache (cache-folder.ts), so a new process
 * does not re-tokenize either.
 *
 * File format (little-endian): "CZTOKCNT", u32 version, u32 byte length of the tokenizer id,
 * the id (UTF-8), u32 entry count, then per entry 20 bytes of SHA-1 of the text (UTF-8) and the
 * number as a float64, oldest first. (The same cache holds other per-text numbers: the
 * word-association normalizer of a chunk, word-association.ts.) A file of another tokenizer, another version, or with a size that
 * does not add up is ignored. Writes are atomic (temp file + rename) and merge with what other
 * runs saved since; temp files of killed writers are removed by the next save.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { removeOrphanSaveTemps } from '../files/orphan-temps.js';
import type { TokenCounter } from './estimate.js';

const MAGIC = Buffer.from('CZTOKCNT', 'latin1');
const VERSION = 1;
const KEY_BYTES = 20;
const ENTRY_BYTES = KEY_BYTES + 8;
/** Default bound: ~300k texts, about 30 MB in memory and 8.4 MB on disk. */
export const DEFAULT_COUNT_CACHE_ENTRIES = 300_000;

export class TokenCountCache {
  /** Key (SHA-1 as a 20-character latin1 string) -> count; least recently used first. */
  private readonly entries = new Map<string, number>();
  hits = 0;
  misses = 0;
  /** Entries set since the last load or save (nothing to write when 0). */
  private dirty = 0;

  constructor(readonly maxEntries = DEFAULT_COUNT_CACHE_ENTRIES) {}

  /**
   * The key of a text, or null for a text that is not cached: one that is not well-formed
   * UTF-16 (a lone surrogate would hash like U+FFFD and could share another text's key).
   */
  static key(text: string): string | null {
    if (!(text as unknown as { isWellFormed(): boolean }).isWellFormed()) return null;
    return crypto.hash('sha1', text, 'binary');
  }

  /** A counter that answers from the cache and asks `counter` only for texts it has not seen. */
  wrap(counter: TokenCounter): TokenCounter {
    return (text: string) => this.lookup(text, counter);
  }

  /** The cached number for `text`, or `compute(text)` (then cached). Empty texts are not cached. */
  lookup(text: string, compute: (text: string) => number): number {
    if (text.length === 0) return compute(text);
    const key = TokenCountCache.key(text);
    if (key === null) return compute(text);
    const hit = this.entries.get(key);
    if (hit !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, hit); // most recently used goes last
      this.hits++;
      return hit;
    }
    this.misses++;
    const n = compute(text);
    this.put(key, n);
    this.dirty++;
    return n;
  }

  private put(key: string, n: number): void {
    this.entries.delete(key);
    this.entries.set(key, n);
    if (this.entries.size > this.maxEntries) {
      for (const k of this.entries.keys()) {
        this.entries.delete(k);
        if (this.entries.size <= this.maxEntries) break;
      }
    }
  }

  get size(): number {
    return this.entries.size;
  }

  clear(): void {
    this.entries.clear();
    this.dirty = 0;
  }

  /**
   * Adds the entries of `file` saved for `tokenizer` (entries already in memory are newer and
   * stay); returns how many the file held, 0 for a missing, foreign or corrupt file.
   */
  load(file: string, tokenizer: string): number {
    const entries = readFile(file, tokenizer);
    if (!entries) return 0;
    // File entries are older than what this process counted: they go first, ours stay last.
    const mine = [...this.entries];
    this.entries.clear();
    for (const [k, n] of entries) this.put(k, n);
    for (const [k, n] of mine) this.put(k, n);
    return entries.length;
  }

  /**
   * Writes the entries atomically, merged with the ones other runs saved since (ours win and
   * count as newer; the bound drops the oldest). Does nothing when nothing was counted since
   * the last load or save and the file is within the bound. `maxEntries` bounds the file (default: the in-memory bound).
   * Returns false when the file could not be written (it is only a cache).
   */
  save(file: string, tokenizer: string, maxEntries = this.maxEntries): boolean {
    try {
      if (this.dirty === 0) {
        // Nothing new: rewrite only to bring the file within a lower bound.
        const size = fs.statSync(file, { throwIfNoEntry: false })?.size ?? 0;
        const head = MAGIC.length + 12 + Buffer.byteLength(tokenizer);
        if (size <= head + Math.max(0, maxEntries) * ENTRY_BYTES) return true;
      }
      const merged = new Map<string, number>();
      for (const [k, n] of readFile(file, tokenizer) ?? []) merged.set(k, n);
      for (const [k, n] of this.entries) {
        merged.delete(k);
        merged.set(k, n);
      }
      let skip = Math.max(0, merged.size - Math.max(0, Math.floor(maxEntries)));
      const id = Buffer.from(tokenizer, 'utf8');
      const count = merged.size - skip;
      const buf = Buffer.alloc(MAGIC.length + 8 + id.length + 4 + count * ENTRY_BYTES);
      let o = MAGIC.copy(buf, 0);
      o = buf.writeUInt32LE(VERSION, o);
      o = buf.writeUInt32LE(id.length, o);
      o += id.copy(buf, o);
      o = buf.writeUInt32LE(count, o);
      for (const [k, n] of merged) {
        if (skip > 0) {
          skip--;
          continue;
        }
        o += buf.write(k, o, KEY_BYTES, 'latin1');
        o = buf.writeDoubleLE(n, o);
      }
      fs.mkdirSync(path.dirname(file), { recursive: true });
      removeOrphanSaveTemps(file);
      const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
      try {
        fs.writeFileSync(tmp, buf);
        fs.renameSync(tmp, file);
      } finally {
        fs.rmSync(tmp, { force: true });
      }
      this.dirty = 0;
      return true;
    } catch {
      return false;
    }
  }
}

/** The entries of a count file, oldest first; null when it is missing, foreign or corrupt. */
function readFile(file: string, tokenizer: string): Array<[string, number]> | null {
  let buf: Buffer;
  try {
    buf = fs.readFileSync(file);
  } catch {
    return null;
  }
  const id = Buffer.from(tokenizer, 'utf8');
  const head = MAGIC.length + 8;
  if (buf.length < head || !buf.subarray(0, MAGIC.length).equals(MAGIC)) return null;
  if (buf.readUInt32LE(MAGIC.length) !== VERSION) return null;
  const idLen = buf.readUInt32LE(MAGIC.length + 4);
  if (idLen !== id.length || buf.length < head + idLen + 4) return null;
  if (!buf.subarray(head, head + idLen).equals(id)) return null;
  const count = buf.readUInt32LE(head + idLen);
  const start = head + idLen + 4;
  if (buf.length !== start + count * ENTRY_BYTES) return null;
  const out: Array<[string, number]> = new Array(count);
  for (let i = 0, o = start; i < count; i++, o += ENTRY_BYTES) {
    out[i] = [buf.toString('latin1', o, o + KEY_BYTES), buf.readDoubleLE(o + KEY_BYTES)];
  }
  return out;
}
