/**
 * One compression run's access to the model: batches go through `score`, which counts the
 * model tokens the algorithm needs (cache hits included and reported apart) and the time spent,
 * and reports progress per stage.
 */
import type { CancellationSignal } from '../errors.js';
import type { Scorer, ScoreRequest, ScoreResult } from '../model/scorer.js';

export type { ScoreRequest };

/** 'parse': chunking the sources (compress-sources.ts); 'coarse' and 'fine': model batches. */
export type CompressionStage = 'parse' | 'coarse' | 'fine' | 'assemble';

export class ScoringSession {
  modelTokens = 0;
  cachedTokens = 0;
  /** Model tokens the released LongCodeZip would process for the same passes (cost-accounting.ts). */
  releasedTokens = 0;
  scoreMs = 0;

  constructor(
    readonly scorer: Scorer,
    private readonly signal?: CancellationSignal,
    private readonly onProgress?: (stage: CompressionStage, done: number, total: number) => void,
  ) {}

  async score(requests: ScoreRequest[], stage: CompressionStage): Promise<ScoreResult[]> {
    const ts = performance.now();
    const res = await this.scorer.score(requests, {
      signal: this.signal,
      onProgress: (d, t) => this.onProgress?.(stage, d, t),
    });
    this.scoreMs += performance.now() - ts;
    for (const r of res) {
      this.modelTokens += r.tokensProcessed;
      if (r.cached) this.cachedTokens += r.tokensProcessed;
    }
    return res;
  }
}
