/**
 * Fine-stage blocks (docs/ALGORITHMS.md §1.3): split a function's lines after surprisal spikes.
 * A spike is a local maximum of per-line surprisal that stands above a neighbour by at
 * least tau = mean + k * std of the line values. Blank lines carry no value and never
 * create a boundary; they stay inside the block they fall in.
 */

export interface LineBlock {
  /** 0-based line indices into the function, [startLine, endLine] inclusive. */
  startLine: number;
  endLine: number;
}

export interface SpikeOptions {
  /** k in tau = mean + k * std (0.2 in LongCodeZip). */
  k?: number;
  /** tau when fewer than 3 valid values exist. */
  fallbackTau?: number;
}

/** Indices (into `values`) of spike lines. NaN values (blank lines) are skipped over. */
export function findSurprisalSpikes(values: number[], options: SpikeOptions = {}): number[] {
  const k = options.k ?? 0.2;
  const valid = values.map((v, i) => ({ v, i })).filter((x) => Number.isFinite(x.v));
  let tau = options.fallbackTau ?? 0.5;
  if (valid.length >= 3) {
    const mean = valid.reduce((s, x) => s + x.v, 0) / valid.length;
    const variance = valid.reduce((s, x) => s + (x.v - mean) ** 2, 0) / valid.length;
    tau = mean + k * Math.sqrt(variance);
  }
  const spikes: number[] = [];
  // Interior points of the valid sequence only (1 <= i <= n-2), neighbours are the
  // nearest valid lines on each side.
  for (let j = 1; j < valid.length - 1; j++) {
    const prev = valid[j - 1].v;
    const cur = valid[j].v;
    const next = valid[j + 1].v;
    if (cur >= prev && cur >= next && Math.max(cur - prev, cur - next) >= tau) spikes.push(valid[j].i);
  }
  return spikes;
}

/** Blocks end after each spike line; the last block runs to the end. */
export function splitBlocksAtSurprisalSpikes(values: number[], options: SpikeOptions = {}): LineBlock[] {
  const n = values.length;
  if (n === 0) return [];
  const blocks: LineBlock[] = [];
  let start = 0;
  for (const s of findSurprisalSpikes(values, options)) {
    if (s >= start && s < n - 1) {
      blocks.push({ startLine: start, endLine: s });
      start = s + 1;
    }
  }
  blocks.push({ startLine: start, endLine: n - 1 });
  return blocks;
}
