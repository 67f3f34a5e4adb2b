/**
 * Splitting a reasoning trace into steps (docs/ALGORITHMS.md §2.1).
 *
 * Rules (exact):
 * - The trace is read line by line; a line ends at "\n" (a preceding "\r" belongs to the
 *   terminator). A line is blank when it holds only spaces/tabs (or "\r" leftovers).
 * - A step is a maximal run of non-blank lines. Blank lines separate steps, except inside a
 *   fenced code block: a line whose first non-whitespace characters are >= 3 backticks or
 *   >= 3 tildes opens a fence; the fence closes at the next line that starts (after
 *   whitespace) with >= as many of the same character and has nothing else but whitespace.
 *   A fence belongs to the step that opens it, blank lines inside it included.
 *   A fence that is never closed is treated as an ordinary line (so a stray ``` cannot
 *   swallow the rest of the trace into one step).
 * - `<think>` / `</think>` wrappers: only the text between the first `<think>` and the first
 *   `</think>` after it is split (if there is no `<think>`, from the start; if there is no
 *   `</think>`, to the end). Everything before the first step (the wrapper, a prompt before
 *   it) is the `prefix`, everything after the last step (the closing wrapper and whatever
 *   follows it, e.g. the final answer) is the `suffix`. Both are kept verbatim, never pruned.
 * - A step spans from the start of its first line (indentation included) to the last
 *   non-whitespace character of its last line. Offsets are UTF-16 offsets into the input,
 *   so `input.slice(step.start, step.end) === step.text` always.
 */

export interface TraceStep {
  /** 0-based position among the steps of the trace. */
  index: number;
  /** [start, end) offsets into the input text. */
  start: number;
  end: number;
  /** Verbatim slice of the input. */
  text: string;
}

export interface SplitTrace {
  /** The input, unchanged. */
  input: string;
  steps: TraceStep[];
  /** Offsets of the splittable region (after `<think>`, before `</think>`). */
  regionStart: number;
  regionEnd: number;
  /** Verbatim text before the first step (wrapper, prompt, leading whitespace). */
  prefix: string;
  /** Verbatim text after the last step (closing wrapper, answer, trailing whitespace). */
  suffix: string;
  /** Whether the input had a `<think>` and/or `</think>` tag. */
  hasOpenTag: boolean;
  hasCloseTag: boolean;
  /** Offset of `</think>` when present (its first character), else -1. */
  closeTagStart: number;
  /** "\r\n" when the region's line breaks are mostly CRLF, else "\n". */
  newline: '\n' | '\r\n';
}

interface Line {
  /** Offset of the first character of the line. */
  start: number;
  /** Offset just past the content (before "\r\n" / "\n"). */
  contentEnd: number;
  blank: boolean;
}

const OPEN_TAG = '<think>';
const CLOSE_TAG = '</think>';

function linesOf(text: string, from: number, to: number): Line[] {
  const lines: Line[] = [];
  let pos = from;
  while (pos < to) {
    let nl = text.indexOf('\n', pos);
    if (nl < 0 || nl >= to) nl = to;
    let contentEnd = nl;
    if (contentEnd > pos && text.charCodeAt(contentEnd - 1) === 13 /* \r */) contentEnd--;
    const content = text.slice(pos, contentEnd);
    lines.push({ start: pos, contentEnd, blank: /^[ \t\r\f\v]*$/.test(content) });
    pos = nl + 1;
  }
  return lines;
}

const FENCE_OPEN = /^[ \t]*(`{3,}|~{3,})/;

/** For each line index, whether it is inside (or on the edges of) a closed fence. */
function fencedLines(text: string, lines: Line[]): boolean[] {
  const inFence = new Array<boolean>(lines.length).fill(false);
  let i = 0;
  while (i < lines.length) {
    const content = text.slice(lines[i].start, lines[i].contentEnd);
    const m = FENCE_OPEN.exec(content);
    if (!m) {
      i++;
      continue;
    }
    const marker = m[1];
    const ch = marker[0];
    const close = new RegExp(`^[ \\t]*\\${ch}{${marker.length},}[ \\t]*$`);
    let j = i + 1;
    while (j < lines.length && !close.test(text.slice(lines[j].start, lines[j].contentEnd))) j++;
    if (j >= lines.length) {
      i++; // never closed: an ordinary line
      continue;
    }
    for (let k = i; k <= j; k++) inFence[k] = true;
    i = j + 1;
  }
  return inFence;
}

/** Split `input` into steps; see the module comment for the exact rules. */
export function splitTrace(input: string): SplitTrace {
  const openAt = input.indexOf(OPEN_TAG);
  const regionStart = openAt >= 0 ? openAt + OPEN_TAG.length : 0;
  const closeAt = input.indexOf(CLOSE_TAG, regionStart);
  const regionEnd = closeAt >= 0 ? closeAt : input.length;

  const lines = linesOf(input, regionStart, regionEnd);
  const fenced = fencedLines(input, lines);
  const steps: TraceStep[] = [];
  let runStart = -1;
  let runLast = -1;
  const flush = (): void => {
    if (runStart < 0) return;
    const start = lines[runStart].start;
    let end = lines[runLast].contentEnd;
    while (end > start && /\s/.test(input[end - 1])) end--;
    steps.push({ index: steps.length, start, end, text: input.slice(start, end) });
    runStart = -1;
  };
  for (let i = 0; i < lines.length; i++) {
    const separator = lines[i].blank && !fenced[i];
    if (separator) {
      flush();
      continue;
    }
    if (lines[i].blank && runStart < 0) continue; // cannot happen (fences start on non-blank lines)
    if (runStart < 0) runStart = i;
    runLast = i;
  }
  flush();

  let crlf = 0;
  let lf = 0;
  for (let p = input.indexOf('\n', regionStart); p >= 0 && p < regionEnd; p = input.indexOf('\n', p + 1)) {
    if (p > 0 && input[p - 1] === '\r') crlf++;
    else lf++;
  }

  const first = steps[0];
  const last = steps[steps.length - 1];
  return {
    input,
    steps,
    regionStart,
    regionEnd,
    prefix: first ? input.slice(0, first.start) : input,
    suffix: last ? input.slice(last.end) : '',
    hasOpenTag: openAt >= 0,
    hasCloseTag: closeAt >= 0,
    closeTagStart: closeAt,
    newline: crlf > lf ? '\r\n' : '\n',
  };
}

/** Just the steps (convenience for callers that do not need the wrappers). */
export function splitSteps(input: string): TraceStep[] {
  return splitTrace(input).steps;
}

/**
 * The output text for a set of kept steps: prefix + kept steps joined by one blank line
 * (in the trace's own newline style) + suffix. Steps are emitted verbatim, in input order.
 */
export function assembleTrace(split: SplitTrace, kept: ReadonlySet<number> | ((index: number) => boolean)): string {
  const isKept = typeof kept === 'function' ? kept : (i: number) => kept.has(i);
  if (split.steps.length === 0) return split.input;
  const parts: string[] = [];
  for (const s of split.steps) if (isKept(s.index)) parts.push(s.text);
  const sep = split.newline + split.newline;
  return split.prefix + parts.join(sep) + split.suffix;
}
