/**
 * How one (context, text) request is cut into forward passes of at most `cap` tokens after BOS,
 * shared by the local and the remote scorer so both score the same tokens with the same left
 * context. The first window gets as much context as fits; later windows keep half a window of
 * left context, so every scored token sees at least that much of what precedes it.
 */
export interface TokenWindow {
  /** [start, end) of the window in context ++ text. */
  start: number;
  end: number;
  /** Position (in context ++ text) of the window's first scored token. */
  firstScored: number;
  /** Index of that token among the text's tokens. */
  targetOffset: number;
  /** True when the window does not start at the first context token (the context was cut). */
  truncated: boolean;
}

export function planTokenWindows(contextLength: number, textLength: number, cap: number): TokenWindow[] {
  const c = contextLength;
  const total = c + textLength;
  if (textLength === 0) return [];
  if (total <= cap) return [{ start: 0, end: total, firstScored: c, targetOffset: 0, truncated: false }];
  const overlap = Math.floor(cap / 2);
  const windows: TokenWindow[] = [];
  let p = c; // next text position (index into context ++ text) to score
  let first = true;
  while (p < total) {
    const remaining = total - p;
    const left = first ? Math.min(p, cap - Math.min(remaining, cap - Math.min(p, overlap))) : Math.min(p, overlap);
    const start = p - left;
    const end = Math.min(total, start + cap);
    windows.push({ start, end, firstScored: p, targetOffset: p - c, truncated: start > 0 });
    p = end;
    first = false;
  }
  return windows;
}
