/** Per-list z-scores (0 for a constant list); non-finite inputs count as the list's minimum. */
export function zScores(xs: number[]): number[] {
  const finite = xs.filter(Number.isFinite);
  if (finite.length === 0) return xs.map(() => 0);
  const min = Math.min(...finite);
  const v = xs.map((x) => (Number.isFinite(x) ? x : min));
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  const sd = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length);
  return v.map((x) => (sd > 0 ? (x - mean) / sd : 0));
}
