/**
 * Line arithmetic on a file string and the line-based splitter used for code between
 * definitions and for the fallback chunker (unknown languages, unusable parses).
 * Every chunk produced here starts at a line start and ends after a newline (or at EOF).
 */

/** Offsets of line starts; `starts[i]` is the UTF-16 offset of 0-based line i. */
export class LineIndex {
  readonly starts: number[];

  constructor(readonly text: string) {
    const starts = [0];
    let i = text.indexOf('\n');
    while (i !== -1) {
      starts.push(i + 1);
      i = text.indexOf('\n', i + 1);
    }
    // A trailing newline does not open a new (empty) line.
    if (starts.length > 1 && starts[starts.length - 1] === text.length) starts.pop();
    this.starts = starts;
  }

  get lineCount(): number {
    return this.text.length === 0 ? 0 : this.starts.length;
  }

  /** 0-based line containing `offset` (offsets at EOF map to the last line). */
  rowOf(offset: number): number {
    const s = this.starts;
    let lo = 0;
    let hi = s.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (s[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  lineStart(row: number): number {
    return row >= this.starts.length ? this.text.length : this.starts[row];
  }

  /** Offset just after the newline ending `row` (or EOF). */
  lineEnd(row: number): number {
    return row + 1 >= this.starts.length ? this.text.length : this.starts[row + 1];
  }

  /** 1-based inclusive line range of the non-empty slice [start, end). */
  lines(start: number, end: number): [number, number] {
    return [this.rowOf(start) + 1, this.rowOf(Math.max(start, end - 1)) + 1];
  }
}

const BLANK = /^[ \t\r\f\v]*$/;

export function isBlankLine(text: string, index: LineIndex, row: number): boolean {
  const s = index.lineStart(row);
  let e = index.lineEnd(row);
  if (e > s && text.charCodeAt(e - 1) === 10) e--;
  return BLANK.test(text.slice(s, e));
}

export interface LineSplitOptions {
  /** Hard cap on lines per piece. */
  maxLines: number;
  /** Cap on tokens per piece (pieces only exceed it when a single line does). */
  maxTokens: number;
  /** Cut at the next natural boundary once a piece has this many lines (Infinity: only cut when a cap forces it). */
  preferLines: number;
  countTokens: (text: string) => number;
}

/**
 * Splits the whole-line region [start, end) into pieces. Natural boundaries are the line
 * after a run of blank lines (blank lines stay with the piece above) and a non-blank line
 * at column 0 that follows an indented line (a dedent back to top level). Pieces are
 * filled greedily up to the caps; a single over-long paragraph is cut at the line cap,
 * preferably at a column-0 line.
 */
export function splitLines(
  text: string,
  index: LineIndex,
  start: number,
  end: number,
  opts: LineSplitOptions,
): Array<[number, number]> {
  if (start >= end) return [];
  const firstRow = index.rowOf(start);
  const lastRow = index.rowOf(end - 1);
  // Natural segments (row ranges, inclusive).
  const segments: Array<[number, number]> = [];
  let segStart = firstRow;
  let prevBlank = false;
  let prevIndented = false;
  for (let row = firstRow; row <= lastRow; row++) {
    const s = index.lineStart(row);
    const blank = isBlankLine(text, index, row);
    const c = text.charCodeAt(s);
    const atCol0 = !blank && c !== 32 && c !== 9;
    const closing = c === 125 || c === 41 || c === 93; // } ) ]
    if (row > segStart && !blank && (prevBlank || (atCol0 && prevIndented && !closing))) {
      segments.push([segStart, row - 1]);
      segStart = row;
    }
    if (!blank) prevIndented = !atCol0;
    prevBlank = blank;
  }
  segments.push([segStart, lastRow]);

  const pieces: Array<[number, number]> = [];
  let cur: [number, number] | null = null;
  let curTokens = 0;
  const flush = () => {
    if (cur) pieces.push(cur);
    cur = null;
    curTokens = 0;
  };
  for (const [a, b] of segments) {
    const segText = text.slice(index.lineStart(a), index.lineEnd(b));
    const segTokens = opts.countTokens(segText);
    const segLines = b - a + 1;
    if (cur) {
      const c: [number, number] = cur;
      const lines = c[1] - c[0] + 1;
      if (lines >= opts.preferLines || lines + segLines > opts.maxLines || curTokens + segTokens > opts.maxTokens)
        flush();
    }
    if (segLines > opts.maxLines || segTokens > opts.maxTokens) {
      flush();
      for (const piece of cutLongSegment(text, index, a, b, opts)) pieces.push(piece);
      continue;
    }
    if (cur) {
      cur = [(cur as [number, number])[0], b];
      curTokens += segTokens;
    } else {
      cur = [a, b];
      curTokens = segTokens;
    }
  }
  flush();
  return pieces.map(([a, b]) => [Math.max(start, index.lineStart(a)), Math.min(end, index.lineEnd(b))]);
}

function cutLongSegment(
  text: string,
  index: LineIndex,
  a: number,
  b: number,
  opts: LineSplitOptions,
): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let s = a;
  let tokens = 0;
  for (let row = a; row <= b; row++) {
    const lineTokens = opts.countTokens(text.slice(index.lineStart(row), index.lineEnd(row)));
    const lines = row - s;
    if (row > s && (lines >= opts.maxLines || tokens + lineTokens > opts.maxTokens)) {
      // Prefer to cut at a column-0 line within the last quarter of the piece.
      let cut = row;
      for (let r = row; r > s + Math.floor((row - s) * 0.75); r--) {
        const c = text.charCodeAt(index.lineStart(r));
        if (c !== 32 && c !== 9 && !isBlankLine(text, index, r)) {
          cut = r;
          break;
        }
      }
      out.push([s, cut - 1]);
      s = cut;
      tokens = 0;
      for (let r = cut; r < row; r++) tokens += opts.countTokens(text.slice(index.lineStart(r), index.lineEnd(r)));
    }
    tokens += lineTokens;
  }
  out.push([s, b]);
  return out;
}
