/**
 * Assembles the compressed context: each file with kept lines gets its header, kept lines
 * verbatim in original order, and ONE marker per omitted run (what and which lines). Blank
 * lines between kept lines stay (they cost little and keep the code readable); blank lines
 * next to an omission go with it. Nothing else is added.
 */
import type { Chunk, ChunkedFile } from '../types.js';
import { fileHeader, leadingIndent, omissionMarker, type OmittedSummary } from './markers.js';

/** Per flat chunk index (files' chunks in order): kept line ranges, 1-based inclusive file lines. */
export type ChunkSelection = Map<number, { keptLines: Array<[number, number]> }>;

export function assembleContext(files: ChunkedFile[], selection: ChunkSelection): string {
  const out: string[] = [];
  let flatBase = 0;
  for (const f of files) {
    const chunks = f.chunks;
    const base = flatBase;
    flatBase += chunks.length;
    if (!chunks.some((_, k) => (selection.get(base + k)?.keptLines.length ?? 0) > 0)) continue;
    const text = chunks.map((c) => c.text).join('');
    const lines = text.split(/(?<=\n)/);
    if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
    const kept = new Uint8Array(lines.length);
    chunks.forEach((_, k) => {
      for (const [a, b] of selection.get(base + k)?.keptLines ?? []) for (let l = a; l <= b; l++) kept[l - 1] = 1;
    });
    // Blank lines between two kept lines are kept too.
    const blank = lines.map((l) => l.trim() === '');
    let lastKept = -1;
    for (let i = 0; i < lines.length; i++) {
      if (blank[i]) continue;
      if (kept[i]) {
        if (lastKept >= 0 && lastKept < i - 1 && kept[lastKept]) {
          let allBlank = true;
          for (let j = lastKept + 1; j < i; j++) if (!blank[j]) allBlank = false;
          if (allBlank) for (let j = lastKept + 1; j < i; j++) kept[j] = 1;
        }
      }
      lastKept = i;
    }
    out.push(fileHeader(f.file, f.language));
    let i = 0;
    while (i < lines.length) {
      if (kept[i]) {
        out.push(lines[i]);
        i++;
        continue;
      }
      let j = i;
      while (j < lines.length && !kept[j]) j++;
      const run = lines.slice(i, j);
      if (run.some((l) => l.trim() !== '')) {
        ensureNewline(out);
        const firstNonBlank = i + run.findIndex((l) => l.trim() !== '');
        const lastNonBlank = i + run.length - 1 - [...run].reverse().findIndex((l) => l.trim() !== '');
        const summary = summarize(chunks, firstNonBlank + 1, lastNonBlank + 1);
        out.push(omissionMarker(f.language, leadingIndent(lines[firstNonBlank]), summary));
      }
      i = j;
    }
    ensureNewline(out);
  }
  return out.join('');
}

function ensureNewline(out: string[]): void {
  const last = out[out.length - 1];
  if (last !== undefined && !last.endsWith('\n')) out.push('\n');
}

/** Definitions wholly inside [start, end] (file lines), counted by kind; code chunks are just lines. */
function summarize(chunks: Chunk[], start: number, end: number): OmittedSummary {
  const definitions: Record<string, number> = {};
  let defLines = 0;
  for (const c of chunks) {
    if (c.kind === 'code' || c.kind === 'header' || c.kind === 'block') continue;
    if (c.startLine >= start && c.endLine <= end && c.text.trim() !== '') {
      // A definition nested in another omitted one is counted once, as part of its parent.
      const parentOmitted = chunks.some(
        (p) =>
          p !== c &&
          p.kind !== 'code' &&
          p.startLine <= c.startLine &&
          p.endLine >= c.endLine &&
          p.startLine >= start &&
          p.endLine <= end &&
          (p.startLine < c.startLine || p.endLine > c.endLine),
      );
      if (parentOmitted) continue;
      definitions[c.kind] = (definitions[c.kind] ?? 0) + 1;
      defLines += c.endLine - c.startLine + 1;
    }
  }
  return { definitions, lines: end - start + 1 - defLines, startLine: start, endLine: end };
}
