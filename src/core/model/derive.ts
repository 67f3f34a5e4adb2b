/**
 * Quantities derived from one scored pass: per-line mean surprisal (fine stage) and the
 * log-prob of the token at a given offset (first token of a reasoning step). Pure functions
 * over ScoredToken offsets, so they are exact and testable without a model.
 */
import type { ScoredToken } from './scorer.js';

const LN2 = Math.log(2);

/** [start, end) UTF-16 offsets of each line of `text`; the newline belongs to its line. */
export function lineSpans(text: string): Array<[number, number]> {
  const spans: Array<[number, number]> = [];
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      spans.push([start, i + 1]);
      start = i + 1;
    }
  }
  if (start < text.length || text.length === 0) spans.push([start, text.length]);
  return spans;
}

/**
 * Mean surprisal in bits per token of each line, where a token belongs to the line holding
 * its first non-newline character (a token that is only newlines belongs to the line it
 * ends). Lines with no token of their own (blank lines, or lines fully covered by a token
 * that started earlier) get NaN: they are not valid values for spike detection.
 */
export function lineMeanSurprisal(text: string, tokens: ScoredToken[]): number[] {
  const lines = lineSpans(text);
  const sum = new Float64Array(lines.length);
  const count = new Int32Array(lines.length);
  let line = 0;
  for (const t of tokens) {
    let anchor = t.start;
    while (anchor < t.end && text.charCodeAt(anchor) === 10) anchor++;
    if (anchor >= t.end) anchor = t.start; // a pure-newline token: the line it ends
    while (line < lines.length - 1 && anchor >= lines[line][1]) line++;
    while (line > 0 && anchor < lines[line][0]) line--;
    sum[line] += -t.logprob / LN2;
    count[line]++;
  }
  return Array.from(sum, (s, i) =>
    count[i] > 0 && text.slice(lines[i][0], lines[i][1]).trim() !== '' ? s / count[i] : NaN,
  );
}

/** Index of the token whose span contains `offset`, else the first token starting after it, else -1. */
export function tokenIndexAt(tokens: ScoredToken[], offset: number): number {
  let lo = 0;
  let hi = tokens.length - 1;
  let after = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const t = tokens[mid];
    if (offset < t.start) {
      after = mid;
      hi = mid - 1;
    } else if (offset >= t.end) {
      lo = mid + 1;
    } else {
      // Tokens that split one character share its span: return the first of them.
      let first = mid;
      while (first > 0 && tokens[first - 1].start <= offset && offset < tokens[first - 1].end) first--;
      return first;
    }
  }
  return after;
}

/**
 * How query tokens count in AMI. 'uniform' (LongCodeZip): every query token alike.
 * 'surprisal': each token weighted by its surprisal without the chunk, so the tokens the
 * query's own prefix already predicts (function words, punctuation, the second half of a
 * split word) count little and the words that carry the query's information count most.
 */
export type AmiWeighting = 'uniform' | 'surprisal';

/**
 * Approximated mutual information `PPL(q) - PPL(q | c)` from the query-only pass (`base`)
 * and the pass with the context before the query (`conditioned`); both score the same query
 * text, so their tokens align one to one. With 'surprisal' weighting both perplexities are
 * taken over the same weighted mean, so the ranking is by the weighted mean log-prob gain.
 */
export function approximateMutualInformation(
  base: { tokens: Array<{ logprob: number }>; perplexity: number },
  conditioned: { tokens: Array<{ logprob: number }>; perplexity: number },
  weighting: AmiWeighting = 'uniform',
): number {
  if (weighting === 'uniform' || base.tokens.length !== conditioned.tokens.length) {
    return base.perplexity - conditioned.perplexity;
  }
  let weights = 0;
  let baseSum = 0;
  let condSum = 0;
  for (let i = 0; i < base.tokens.length; i++) {
    const w = Math.max(0, -base.tokens[i].logprob);
    weights += w;
    baseSum += w * base.tokens[i].logprob;
    condSum += w * conditioned.tokens[i].logprob;
  }
  if (!(weights > 0)) return base.perplexity - conditioned.perplexity;
  return Math.exp(-baseSum / weights) - Math.exp(-condSum / weights);
}
