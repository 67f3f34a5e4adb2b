/**
 * Finding the final answer a trace leads to: the anchor of stage 1 (docs/ALGORITHMS.md §2.2).
 *
 * Order (first that applies wins):
 * 1. `user`: an answer supplied by the caller (--answer-file, a data set field), if it has
 *    any non-whitespace character.
 * 2. `after-think`: the text after `</think>`, if it has any non-whitespace character.
 * 3. `answer-section`: the last line inside the steps (outside fences) that reads like a
 *    heading for the answer: optional `#`s / `**`, then `Final answer` (anything may follow
 *    on the line) or `Answer:`; the answer runs from that line to the end of the steps.
 * 4. `last-code-block`: the last closed fenced code block inside the steps.
 * 5. `none`: no answer; anchors then come from nothing and only surprisal decides.
 * For 3 and 4 the steps that overlap the answer are reported in `stepIndices` (they are
 * protected: removing the answer from its own trace would defeat the purpose).
 */
import type { SplitTrace } from './steps.js';

export type AnswerSource = 'user' | 'after-think' | 'answer-section' | 'last-code-block' | 'none';

export interface FinalAnswer {
  text: string;
  source: AnswerSource;
  /** Steps of the trace that hold (part of) the answer; empty for user/after-think/none. */
  stepIndices: number[];
}

const ANSWER_HEADING =
  /^[ \t]*(?:#{1,6}[ \t]*)?(?:\*\*|__)?[ \t]*(?:final[ \t]+answer\b|answer[ \t]*(?:\*\*|__)?[ \t]*:)/i;
const FENCE_LINE = /^[ \t]*(`{3,}|~{3,})/;

interface FenceBlock {
  start: number;
  end: number;
}

/** Closed fenced blocks inside [from, to): same opening/closing rule as splitTrace. */
export function fencedBlocks(text: string, from = 0, to = text.length): FenceBlock[] {
  const blocks: FenceBlock[] = [];
  const lineStarts: number[] = [];
  for (let p = from; p < to;) {
    lineStarts.push(p);
    const nl = text.indexOf('\n', p);
    if (nl < 0 || nl >= to) break;
    p = nl + 1;
  }
  const lineText = (i: number): string => {
    const s = lineStarts[i];
    const e = i + 1 < lineStarts.length ? lineStarts[i + 1] - 1 : to;
    return text.slice(s, e).replace(/\r$/, '');
  };
  let i = 0;
  while (i < lineStarts.length) {
    const m = FENCE_LINE.exec(lineText(i));
    if (!m) {
      i++;
      continue;
    }
    const marker = m[1];
    const close = new RegExp(`^[ \\t]*\\${marker[0]}{${marker.length},}[ \\t]*$`);
    let j = i + 1;
    while (j < lineStarts.length && !close.test(lineText(j))) j++;
    if (j >= lineStarts.length) {
      i++;
      continue;
    }
    blocks.push({ start: lineStarts[i], end: lineStarts[j] + lineText(j).length });
    i = j + 1;
  }
  return blocks;
}

function stepsOverlapping(split: SplitTrace, start: number, end: number): number[] {
  return split.steps.filter((s) => s.start < end && s.end > start).map((s) => s.index);
}

export function detectFinalAnswer(split: SplitTrace, userAnswer?: string): FinalAnswer {
  if (userAnswer !== undefined && userAnswer.trim() !== '') {
    return { text: userAnswer, source: 'user', stepIndices: [] };
  }
  if (split.hasCloseTag) {
    const after = split.input.slice(split.closeTagStart + '</think>'.length);
    if (after.trim() !== '') return { text: after.trim(), source: 'after-think', stepIndices: [] };
  }
  if (split.steps.length === 0) return { text: '', source: 'none', stepIndices: [] };
  const from = split.steps[0].start;
  const to = split.steps[split.steps.length - 1].end;
  const blocks = fencedBlocks(split.input, from, to);
  const inBlock = (p: number): boolean => blocks.some((b) => p >= b.start && p < b.end);

  // 3. last answer heading outside fences
  let heading = -1;
  for (let p = from; p < to;) {
    const nl = split.input.indexOf('\n', p);
    const lineEnd = nl < 0 || nl >= to ? to : nl;
    if (!inBlock(p) && ANSWER_HEADING.test(split.input.slice(p, lineEnd))) heading = p;
    p = lineEnd + 1;
  }
  if (heading >= 0) {
    const text = split.input.slice(heading, to).trim();
    if (text !== '') return { text, source: 'answer-section', stepIndices: stepsOverlapping(split, heading, to) };
  }
  // 4. last fenced code block
  const last = blocks[blocks.length - 1];
  if (last) {
    return {
      text: split.input.slice(last.start, last.end),
      source: 'last-code-block',
      stepIndices: stepsOverlapping(split, last.start, last.end),
    };
  }
  return { text: '', source: 'none', stepIndices: [] };
}
