/**
 * In-memory LRU of score results keyed by (model, dtype, exact text hash). Re-compressing
 * after editing one function re-scores only that chunk: every other (chunk, query) pair
 * hits here.
 */
import crypto from 'node:crypto';
import type { ModelInfo } from '../types.js';
import type { ScoreResult } from './scorer.js';

export class ScoreCache {
  private readonly entries = new Map<string, ScoreResult>();
  private tokens = 0;
  hits = 0;
  misses = 0;

  /** Bounded by stored tokens (each token costs ~100 bytes with its text and offsets). */
  constructor(private readonly maxTokens = 2_000_000) {}

  key(model: ModelInfo, context: string, text: string): string {
    const h = crypto.createHash('sha256');
    h.update(model.id).update('\0').update(model.dtype).update('\0');
    h.update(String(context.length)).update('\0').update(context).update('\0').update(text);
    return h.digest('base64');
  }

  get(key: string): ScoreResult | undefined {
    const hit = this.entries.get(key);
    if (hit) {
      this.entries.delete(key);
      this.entries.set(key, hit); // most recently used goes last
      this.hits++;
    } else {
      this.misses++;
    }
    return hit;
  }

  set(key: string, value: ScoreResult): void {
    const old = this.entries.get(key);
    if (old) {
      this.tokens -= old.tokens.length;
      this.entries.delete(key);
    }
    this.entries.set(key, value);
    this.tokens += value.tokens.length;
    for (const [k, v] of this.entries) {
      if (this.tokens <= this.maxTokens) break;
      this.entries.delete(k);
      this.tokens -= v.tokens.length;
    }
  }

  /** Live entries, least recently used first. */
  protected entriesForSave(): IterableIterator<[string, ScoreResult]> {
    return this.entries.entries();
  }

  clear(): void {
    this.entries.clear();
    this.tokens = 0;
  }

  get size(): number {
    return this.entries.size;
  }
}
