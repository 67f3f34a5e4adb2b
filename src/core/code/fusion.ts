/**
 * The fused ranking (the default): a weighted sum of per-run z-scores of three relevance
 * signals of each chunk toward the query:
 *   ami         the model's approximate mutual information (LongCodeZip's signal);
 *   lexical     BM25F over identifier-split, stemmed words, the definition's name a field of its own;
 *   association the model's word-association gain (src/core/model/word-association.ts), when the
 *               model has that component.
 * z-scores put the three on one scale within a run whatever their units. The weights were fitted
 * on needle tasks built from held-out repositories of our training corpus (never on a benchmark
 * set; bench/results/relevance-levers.md); a model ships its own in config.json
 * (`contextzip.ranking.weights`).
 */
import { zScores } from './rank-math.js';

export interface FusionWeights {
  ami: number;
  lexical: number;
  association: number;
}

export interface RelevanceSignals {
  ami: number[];
  lexical: number[];
  /** Absent when the model has no word-association component. */
  association?: number[];
}

/** Weights for models without their own: AMI + lexical only, fitted on the same held-out tasks. */
export const DEFAULT_FUSION_WEIGHTS: FusionWeights = { ami: 0.7, lexical: 0.3, association: 0 };

/** Fused score of each chunk; the association weight is dropped when that signal is absent. */
export function fuseSignals(signals: RelevanceSignals, weights: FusionWeights): number[] {
  const za = zScores(signals.ami);
  const zl = zScores(signals.lexical);
  const zs = signals.association ? zScores(signals.association) : null;
  const wa = zs ? weights.association : 0;
  return za.map((_, i) => weights.ami * za[i] + weights.lexical * zl[i] + (zs ? wa * zs[i] : 0));
}
