/**
 * What the released LongCodeZip would spend on the same passes, for the cost benchmark
 * (bench/needle/cost.ts reports ours next to it). Not used to make any decision.
 */
import type { ScoreResult } from '../model/scorer.js';

/** Released LongCodeZip scores line i with lines 1..i as input: the sum of prefix token counts. */
export function releasedLineCost(text: string, scored: Pick<ScoreResult, 'tokens'>): number {
  const perLine = new Map<number, number>();
  let line = 0;
  const breaks: number[] = [];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) breaks.push(i);
  for (const t of scored.tokens) {
    while (line < breaks.length && t.start > breaks[line]) line++;
    perLine.set(line, (perLine.get(line) ?? 0) + 1);
  }
  let prefix = 0;
  let total = 0;
  const nLines = breaks.length + 1;
  for (let i = 0; i < nLines; i++) {
    prefix += perLine.get(i) ?? 0;
    total += prefix + 1;
  }
  return total;
}
