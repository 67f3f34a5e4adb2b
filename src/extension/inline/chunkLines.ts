/**
 * Where a run's chunks are in a document now, and what each line became. The run's line
 * numbers are those of the text it compressed; edits made since shift them (lines inserted or
 * removed above a chunk move it, inside it stretch or shrink it). Pure: no vscode.
 */
import type { ChunkExplanation } from '../compress/explain.js';

/** A line's fate in the run, for decorations. */
export type LineFate = 'kept' | 'partialKept' | 'partialDropped' | 'dropped';

export interface PlacedChunk {
  e: ChunkExplanation;
  /** Current 1-based inclusive lines of the chunk and of its kept ranges. */
  start: number;
  end: number;
  kept: Array<[number, number]>;
}

/** An edit in run-relative terms: lines [from, to] (1-based, inclusive) replaced by `added` newlines' worth. */
export interface LineEdit {
  /** First and last line touched by the replaced range. */
  from: number;
  to: number;
  /** Newlines in the replacement text minus newlines in the replaced range. */
  delta: number;
  /** The edit starts at column 0 of `from`: line `from` itself moves with it. */
  atLineStart?: boolean;
}

export function placeChunks(explanations: ChunkExplanation[]): PlacedChunk[] {
  return explanations.map((e) => ({
    e,
    start: e.chunk.startLine,
    end: e.chunk.endLine,
    kept: e.chunk.keptLines.map(([a, b]) => [a, b] as [number, number]),
  }));
}

function shift(line: number, edit: LineEdit): number {
  if (line < edit.from && !(edit.atLineStart && line === edit.from)) return line;
  if (line > edit.to || (edit.atLineStart && edit.from === edit.to && line === edit.from)) return line + edit.delta;
  // inside the edited lines: stay, but not past the edit's new last line
  return Math.max(edit.from, Math.min(line, edit.to + edit.delta));
}

/** Applies edits in document order from the bottom up (positions refer to the text before the edits). */
export function applyLineEdits(chunks: PlacedChunk[], edits: LineEdit[]): void {
  const ordered = [...edits].sort((a, b) => b.from - a.from);
  for (const edit of ordered) {
    if (edit.delta === 0) continue;
    for (const p of chunks) {
      p.start = shift(p.start, edit);
      p.end = Math.max(p.start, shift(p.end, edit));
      p.kept = p.kept.map(([a, b]) => {
        const na = shift(a, edit);
        return [na, Math.max(na, shift(b, edit))];
      });
    }
  }
}

const PRIORITY: Record<LineFate, number> = { kept: 3, partialKept: 2, partialDropped: 1, dropped: 0 };

/**
 * Line ranges (1-based, inclusive, merged) per fate. A line shared by two chunks (one ends
 * where the next begins) takes the better fate. Unranked blank chunks are left undecorated.
 */
export function lineFates(chunks: PlacedChunk[], lineCount: number): Record<LineFate, Array<[number, number]>> {
  const fate = new Map<number, LineFate>();
  const set = (line: number, f: LineFate) => {
    if (line < 1 || line > lineCount) return;
    const cur = fate.get(line);
    if (cur === undefined || PRIORITY[f] > PRIORITY[cur]) fate.set(line, f);
  };
  for (const p of chunks) {
    if (p.e.reason === 'blank' || p.e.reason === 'fit') continue;
    const status = p.e.chunk.status;
    if (status === 'kept') for (let l = p.start; l <= p.end; l++) set(l, 'kept');
    else if (status === 'dropped') for (let l = p.start; l <= p.end; l++) set(l, 'dropped');
    else {
      const keptSet = new Set<number>();
      for (const [a, b] of p.kept) for (let l = a; l <= b; l++) keptSet.add(l);
      for (let l = p.start; l <= p.end; l++) set(l, keptSet.has(l) ? 'partialKept' : 'partialDropped');
    }
  }
  const out: Record<LineFate, Array<[number, number]>> = { kept: [], partialKept: [], partialDropped: [], dropped: [] };
  const lines = [...fate.keys()].sort((a, b) => a - b);
  for (const l of lines) {
    const f = fate.get(l)!;
    const list = out[f];
    const last = list[list.length - 1];
    if (last && last[1] === l - 1) last[1] = l;
    else list.push([l, l]);
  }
  return out;
}

/** The chunk a (1-based) line belongs to; the later chunk wins on a shared line. */
export function chunkAtLine(chunks: PlacedChunk[], line: number): PlacedChunk | undefined {
  let found: PlacedChunk | undefined;
  for (const p of chunks) {
    if (p.start <= line && line <= p.end && p.e.reason !== 'blank') found = p;
  }
  return found;
}
