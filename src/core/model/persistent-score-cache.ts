/**
 * A score cache that survives the process (CLI runs, benchmark sweeps, extension restarts).
 * One file per (model, dtype); compact binary columns per entry; token texts are not stored
 * (they are slices of the scored text, rebuilt on load). Safe by construction: a version
 * header, a size bound (oldest entries go first), atomic writes (temp file + rename), entries
 * checked one by one on load (NaN or positive log-probs, spans outside the text: dropped), a
 * corrupt or foreign file ignored, never trusted. An optional byte bound compacts the file
 * (the oldest entries go until it fits; cache-folder.ts gives it most of the folder's cap). Runs in parallel merge rather than overwrite
 * each other: a save re-reads the file and keeps the entries other runs wrote since. Temp files
 * of killed saves are removed by the next save.
 */
import fs from 'node:fs';
import path from 'node:path';
import { removeOrphanSaveTemps } from '../files/orphan-temps.js';
import type { ModelInfo } from '../types.js';
import { ScoreCache } from './score-cache.js';
import type { ScoreResult } from './scorer.js';

const FORMAT = 'contextzip-score-cache';
const VERSION = 1;

interface StoredEntry {
  k: string;
  /** The scored text (needed to rebuild token texts from offsets). */
  t: string;
  ids: string;
  lp: string;
  st: string;
  en: string;
  tr: 0 | 1;
  tp: number;
}

interface StoredFile {
  format: string;
  version: number;
  model: string;
  dtype: string;
  entries: StoredEntry[];
}

/** The cache file for one model fingerprint (see modelFingerprint). */
export function scoreCacheFile(dir: string, fingerprint: string): string {
  return path.join(dir, `scores-${fingerprint}.json`);
}

export class PersistentScoreCache extends ScoreCache {
  private readonly texts = new Map<string, string>();

  private readonly maxTokensSaved: number;

  constructor(
    readonly file: string,
    private readonly model: ModelInfo,
    maxTokens = 1_500_000,
    /** Bound on the file's size in bytes (oldest entries dropped first); none by default. */
    private readonly maxBytes = Infinity,
  ) {
    super(maxTokens);
    this.maxTokensSaved = maxTokens;
  }

  /** Loads what the file holds; returns the number of entries, 0 for a missing/corrupt/foreign file. */
  load(): number {
    return this.loadInto((k, v, t) => {
      super.set(k, v);
      this.texts.set(k, t);
    });
  }

  /** Reads the file's valid entries and hands each to `add`; returns how many. */
  private loadInto(add: (key: string, value: ScoreResult, text: string) => void): number {
    let data: StoredFile;
    try {
      data = JSON.parse(fs.readFileSync(this.file, 'utf8')) as StoredFile;
    } catch {
      return 0;
    }
    if (
      data?.format !== FORMAT ||
      data.version !== VERSION ||
      data.model !== this.model.id ||
      data.dtype !== this.model.dtype ||
      !Array.isArray(data.entries)
    )
      return 0;
    let n = 0;
    for (const e of data.entries) {
      try {
        const ids = new Int32Array(b64(e.ids));
        const lp = new Float32Array(b64(e.lp));
        const st = new Int32Array(b64(e.st));
        const en = new Int32Array(b64(e.en));
        if (!validEntry(e, ids, lp, st, en)) continue;
        const tokens = Array.from(ids, (id, i) => ({
          id,
          text: e.t.slice(st[i], en[i]),
          logprob: lp[i],
          start: st[i],
          end: en[i],
        }));
        const total = tokens.reduce((s, t) => s + t.logprob, 0);
        add(
          e.k,
          {
            tokens,
            totalLogprob: total,
            perplexity: tokens.length > 0 ? Math.exp(-total / tokens.length) : 1,
            contextTruncated: e.tr === 1,
            tokensProcessed: e.tp,
          },
          e.t,
        );
        n++;
      } catch {
        // one bad entry does not spoil the rest
      }
    }
    return n;
  }

  /** Entries set since the last load or save (a save without new entries writes nothing). */
  private dirty = false;

  override clear(): void {
    super.clear();
    this.texts.clear();
    this.dirty = false;
  }

  override set(key: string, value: ScoreResult): void {
    super.set(key, value);
    this.dirty = true;
    const text = rebuildText(value);
    this.texts.set(key, text);
  }

  /**
   * Writes all live entries atomically, merged with the entries other runs saved since this one
   * loaded (ours win on the same key; the size bounds drop the oldest). Writes nothing when
   * nothing was scored since the last load or save (unless the file is over its byte bound).
   * Errors (read-only
   * disk, an unusable folder...) are swallowed: it is only a cache.
   */
  save(): void {
    try {
      // Nothing new: leave the file alone (or absent, after a clear) unless it is over the bound.
      if (!this.dirty && !((fs.statSync(this.file, { throwIfNoEntry: false })?.size ?? 0) > this.maxBytes)) return;
      const live = new Map<string, { value: ScoreResult; text: string }>();
      this.loadInto((k, v, t) => live.set(k, { value: v, text: t }));
      const mine = new Set<string>();
      for (const [k, v] of this.entriesForSave()) {
        mine.add(k);
        live.delete(k);
        live.set(k, { value: v, text: this.texts.get(k) ?? rebuildText(v) });
      }
      // Texts of entries the in-memory bound evicted are not needed any more (long-lived worker).
      for (const k of this.texts.keys()) if (!mine.has(k)) this.texts.delete(k);
      // The newest entries last; keep within the same token bound as in memory.
      let tokens = 0;
      for (const { value } of live.values()) tokens += value.tokens.length;
      for (const [k, { value }] of live) {
        if (tokens <= this.maxTokensSaved) break;
        live.delete(k);
        tokens -= value.tokens.length;
      }
      const entries: string[] = [];
      for (const [k, { value: v, text }] of live) {
        const entry: StoredEntry = {
          k,
          t: text,
          ids: buf(Int32Array.from(v.tokens, (t) => t.id)),
          lp: buf(Float32Array.from(v.tokens, (t) => t.logprob)),
          st: buf(Int32Array.from(v.tokens, (t) => t.start)),
          en: buf(Int32Array.from(v.tokens, (t) => t.end)),
          tr: v.contextTruncated ? 1 : 0,
          tp: v.tokensProcessed,
        };
        entries.push(JSON.stringify(entry));
      }
      const data: Omit<StoredFile, 'entries'> = {
        format: FORMAT,
        version: VERSION,
        model: this.model.id,
        dtype: this.model.dtype,
      };
      // {"format":...,"entries":[e1,e2,...]}: the head, the entries with commas, the closing.
      const head = JSON.stringify(data).slice(0, -1) + ',"entries":[';
      let bytes = Buffer.byteLength(head) + 2;
      const sizes = entries.map((e) => Buffer.byteLength(e) + 1);
      for (const n of sizes) bytes += n;
      let first = 0;
      while (first < entries.length && bytes > this.maxBytes) bytes -= sizes[first++];
      if (!ensureDir(path.dirname(this.file))) return;
      removeOrphanSaveTemps(this.file);
      const tmp = `${this.file}.${process.pid}.${Date.now()}.tmp`;
      try {
        fs.writeFileSync(tmp, `${head}${entries.slice(first).join(',')}]}`);
        fs.renameSync(tmp, this.file);
        this.dirty = false;
      } finally {
        fs.rmSync(tmp, { force: true });
      }
    } catch {
      // ignore
    }
  }
}

/** An entry is used only when every number is what a scorer can produce. */
function validEntry(e: StoredEntry, ids: Int32Array, lp: Float32Array, st: Int32Array, en: Int32Array): boolean {
  if (typeof e.k !== 'string' || typeof e.t !== 'string') return false;
  if (!(Number.isInteger(e.tp) && e.tp >= 0) || (e.tr !== 0 && e.tr !== 1)) return false;
  const n = ids.length;
  if (lp.length !== n || st.length !== n || en.length !== n) return false;
  for (let i = 0; i < n; i++) {
    if (!(lp[i] <= 1e-4) || !Number.isFinite(lp[i])) return false; // log-probs are finite and <= 0
    if (ids[i] < 0 || st[i] < 0 || en[i] < st[i] || en[i] > e.t.length) return false;
  }
  return true;
}

/**
 * Creates `dir` and its missing parents one level at a time; false when that is impossible
 * (a file in the way, no permission, a pseudo file system such as /proc, where a recursive
 * mkdir could loop). Then the cache is simply not persisted.
 */
export function ensureDir(dir: string): boolean {
  const missing: string[] = [];
  let d = path.resolve(dir);
  for (;;) {
    try {
      if (fs.statSync(d).isDirectory()) break;
      return false;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') return false;
    }
    missing.push(d);
    const up = path.dirname(d);
    if (up === d || missing.length > 64) return false;
    d = up;
  }
  for (const m of missing.reverse()) {
    try {
      fs.mkdirSync(m);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') return false;
    }
  }
  try {
    fs.accessSync(dir, fs.constants.W_OK);
    return fs.statSync(dir).isDirectory();
  } catch {
    return false;
  }
}

/** The continuation text, rebuilt from token spans (exact: spans tile the text). */
function rebuildText(v: ScoreResult): string {
  let text = '';
  // Tokens that split one character share its span; append only what is new.
  for (const t of v.tokens) if (t.end > text.length) text += t.text.slice(Math.max(0, text.length - t.start));
  return text;
}

function buf(a: Int32Array | Float32Array): string {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
}

function b64(s: string): ArrayBuffer {
  const b = Buffer.from(s, 'base64');
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);
}
