/**
 * A score cache that survives the process (CLI runs, benchmark sweeps, extension restarts).
 * One file per (model, dtype); compact binary columns per entry; token texts are not stored
 * (they are slices of the scored text, rebuilt on load). Safe by construction: a version
 * header, a size bound (oldest entries go first), atomic writes (temp file + rename), and a
 * corrupt or foreign file is ignored, never trusted.
 */
import fs from 'node:fs';
import path from 'node:path';
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

  constructor(
    private readonly file: string,
    private readonly model: ModelInfo,
    maxTokens = 1_500_000,
  ) {
    super(maxTokens);
  }

  /** Loads what the file holds; returns the number of entries, 0 for a missing/corrupt/foreign file. */
  load(): number {
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
        if (ids.length !== lp.length || ids.length !== st.length || ids.length !== en.length) continue;
        const tokens = Array.from(ids, (id, i) => ({
          id,
          text: e.t.slice(st[i], en[i]),
          logprob: lp[i],
          start: st[i],
          end: en[i],
        }));
        const total = tokens.reduce((s, t) => s + t.logprob, 0);
        super.set(e.k, {
          tokens,
          totalLogprob: total,
          perplexity: tokens.length > 0 ? Math.exp(-total / tokens.length) : 1,
          contextTruncated: e.tr === 1,
          tokensProcessed: e.tp,
        });
        this.texts.set(e.k, e.t);
        n++;
      } catch {
        // one bad entry does not spoil the rest
      }
    }
    return n;
  }

  override set(key: string, value: ScoreResult): void {
    super.set(key, value);
    const text = rebuildText(value);
    this.texts.set(key, text);
  }

  /** Writes all live entries atomically. Errors (read-only disk...) are swallowed: it is only a cache. */
  save(): void {
    try {
      const entries: StoredEntry[] = [];
      for (const [k, v] of this.entriesForSave()) {
        const text = this.texts.get(k) ?? rebuildText(v);
        entries.push({
          k,
          t: text,
          ids: buf(Int32Array.from(v.tokens, (t) => t.id)),
          lp: buf(Float32Array.from(v.tokens, (t) => t.logprob)),
          st: buf(Int32Array.from(v.tokens, (t) => t.start)),
          en: buf(Int32Array.from(v.tokens, (t) => t.end)),
          tr: v.contextTruncated ? 1 : 0,
          tp: v.tokensProcessed,
        });
      }
      const data: StoredFile = {
        format: FORMAT,
        version: VERSION,
        model: this.model.id,
        dtype: this.model.dtype,
        entries,
      };
      fs.mkdirSync(path.dirname(this.file), { recursive: true });
      const tmp = `${this.file}.${process.pid}.${Date.now()}.tmp`;
      fs.writeFileSync(tmp, JSON.stringify(data));
      fs.renameSync(tmp, this.file);
    } catch {
      // ignore
    }
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
