/**
 * Turns definitions into chunks that tile the file.
 *
 * Boundary rules (all chunks start at a line start and end after a newline, or at EOF):
 * 1. A definition owns whole lines: from the start of the line where its first glued
 *    decorator/attribute/doc comment (or the definition itself) begins, through the end of
 *    the line where it ends, including that line's newline. Leading indentation belongs to
 *    the definition. A definition that shares its first line with other code, or its last
 *    line with code other than `;`, `,` or a line comment, owns no lines and is left inside
 *    the surrounding code (or its parent) instead.
 * 2. Blank lines belong to the chunk above them; blank lines at the very start of a file
 *    (or of a split class body, which is never the case since its header is above) belong
 *    to the chunk below.
 * 3. Code between definitions (imports, statements, fields) forms `code` chunks; a run is
 *    one chunk unless it exceeds the line/token caps, in which case it is cut at blank lines,
 *    dedents to column 0, or finally at the line cap.
 * 4. A top-level statement that is not a definition but holds some (an object literal of
 *    functions, a `describe(...)` call, an IIFE, an `if __name__` block) is code when it is
 *    at most `maxClassTokens`, else it is cut around its definitions as in rule 3.
 * 5. A container (class, struct, impl, trait, interface, enum, module, namespace) whose
 *    tokens exceed `maxClassTokens` and that has member definitions of its own is split into
 *    a `header` chunk (its decorators, doc comment and signature up to the line where the
 *    body opens), code chunks and member chunks (parent = the container's name), and a
 *    trailing `code` chunk for the closing line(s) named `end of <name>`. Smaller
 *    containers stay whole. Splitting recurses into nested containers.
 */
import type { Chunk, ChunkKind } from '../types.js';
import type { TokenCounter } from '../tokens/estimate.js';
import { CONTAINER_KINDS, type Definition } from './definitions.js';
import { LineIndex, isBlankLine, splitLines } from './lines.js';

export interface TileOptions {
  file: string;
  language: string;
  maxClassTokens: number;
  maxCodeLines: number;
  maxCodeTokens: number;
  countTokens: TokenCounter;
  lineComments: readonly string[];
}

interface Piece {
  start: number;
  end: number;
  name: string;
  kind: ChunkKind;
  parent: string | null;
  /** Header lines counted from the piece's first line (0 for code). */
  headerLines: number;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export function tileDefinitions(text: string, defs: Definition[], opts: TileOptions): Chunk[] {
  const index = new LineIndex(text);
  const pieces: Piece[] = [];
  const comments = opts.lineComments.map(escapeRegExp).join('|');
  const restOk = new RegExp(`^[\\s;,]*(?:(?:${comments}).*|/\\*.*\\*/[\\s;,]*)?$`);

  /** Owned line span of a definition, or null if it does not own whole lines within [lo, hi). */
  const span = (d: Definition, lo: number, hi: number): [number, number] | null => {
    const row = index.rowOf(d.start);
    const s = index.lineStart(row);
    if (text.slice(s, d.start).trim() !== '') return null;
    const endRow = index.rowOf(Math.max(d.start, d.end - 1));
    const e = index.lineEnd(endRow);
    if (!restOk.test(text.slice(d.end, e).replace(/\r?\n$/, ''))) return null;
    if (s < lo || e > hi) return null;
    return [s, e];
  };

  // Adjacent code regions (e.g. a gap, then a small statement holding definitions) form one run.
  let pending: { start: number; end: number; parent: string | null } | null = null;
  const pushCode = (start: number, end: number, parent: string | null) => {
    if (start >= end) return;
    if (pending && pending.end === start && pending.parent === parent) pending.end = end;
    else {
      flushCode();
      pending = { start, end, parent };
    }
  };
  const pushPiece = (p: Piece) => {
    flushCode();
    pieces.push(p);
  };
  const flushCode = () => {
    if (!pending) return;
    const { start, end, parent } = pending;
    pending = null;
    splitCode(start, end, parent);
  };
  const splitCode = (start: number, end: number, parent: string | null) => {
    // Leading blank lines belong to the chunk above (merged in finishPieces).
    let row = index.rowOf(Math.min(start, text.length - 1));
    let codeStart = start;
    while (codeStart < end && isBlankLine(text, index, row)) {
      codeStart = index.lineEnd(row);
      row++;
    }
    if (codeStart > start)
      pieces.push({ start, end: Math.min(codeStart, end), name: '', kind: 'code', parent, headerLines: 0 });
    start = codeStart;
    if (start >= end) return;
    for (const [a, b] of splitLines(text, index, start, end, {
      maxLines: opts.maxCodeLines,
      maxTokens: opts.maxCodeTokens,
      preferLines: Infinity,
      countTokens: opts.countTokens,
    })) {
      pieces.push({ start: a, end: b, name: '', kind: 'code', parent, headerLines: 0 });
    }
  };

  const headerLinesOf = (d: Definition, s: number, e: number): number => {
    const startRow = index.rowOf(s);
    const lastRow = index.rowOf(e - 1);
    const headerEnd = d.bodyRow >= 0 ? d.bodyRow : d.nodeRow;
    return Math.max(1, Math.min(lastRow, Math.max(headerEnd, startRow)) - startRow + 1);
  };

  const emitLevel = (lo: number, hi: number, items: Definition[], parent: string | null) => {
    let cursor = lo;
    for (const d of items) {
      const sp = span(d, cursor, hi);
      if (!sp) continue;
      // A small statement holding definitions stays part of the surrounding code run.
      if (d.synthetic && opts.countTokens(text.slice(sp[0], sp[1])) <= opts.maxClassTokens) continue;
      pushCode(cursor, sp[0], parent);
      emitDefinition(d, sp[0], sp[1], parent ?? d.owner);
      cursor = sp[1];
    }
    pushCode(cursor, hi, parent);
  };

  const emitDefinition = (d: Definition, s: number, e: number, parent: string | null) => {
    if (d.synthetic) {
      emitLevel(s, e, d.children, parent);
      return;
    }
    if (
      CONTAINER_KINDS.has(d.kind) &&
      d.children.length > 0 &&
      opts.countTokens(text.slice(s, e)) > opts.maxClassTokens
    ) {
      const startRow = index.rowOf(s);
      const lastRow = index.rowOf(e - 1);
      // Header: up to and including the line where the body opens.
      const headerRow = d.bodyRow >= startRow ? d.bodyRow : d.nodeRow;
      const headerEnd = index.lineEnd(headerRow);
      // Tail: the definition's last line when it holds only the closing of the body.
      let tailStart = index.lineStart(lastRow);
      const lastLine = text.slice(tailStart, e);
      if (!/^\s*[}\])]/.test(lastLine) && !/^\s*end\b/.test(lastLine)) tailStart = e;
      const members = d.children.filter((c) => {
        const sp = span(c, headerEnd, tailStart);
        return sp !== null;
      });
      if (headerEnd < tailStart && members.length > 0) {
        pushPiece({
          start: s,
          end: headerEnd,
          name: d.name,
          kind: 'header',
          parent,
          headerLines: headerRow - startRow + 1,
        });
        emitLevel(headerEnd, tailStart, members, d.name);
        if (tailStart < e)
          pushPiece({
            start: tailStart,
            end: e,
            name: `end of ${d.name}`,
            kind: 'code',
            parent: d.name,
            headerLines: 0,
          });
        return;
      }
    }
    pushPiece({ start: s, end: e, name: d.name, kind: d.kind, parent, headerLines: headerLinesOf(d, s, e) });
  };

  emitLevel(0, text.length, defs, null);
  flushCode();
  return finishPieces(text, index, pieces, opts);
}

/** Code chunks for the whole file by lines only (the fallback chunker). */
export function tileByLines(text: string, opts: TileOptions & { preferLines: number }): Chunk[] {
  const index = new LineIndex(text);
  const pieces: Piece[] = splitLines(text, index, 0, text.length, {
    maxLines: opts.maxCodeLines,
    maxTokens: opts.maxCodeTokens,
    preferLines: opts.preferLines,
    countTokens: opts.countTokens,
  }).map(([start, end]) => ({ start, end, name: '', kind: 'code' as ChunkKind, parent: null, headerLines: 0 }));
  return finishPieces(text, index, pieces, opts);
}

const IMPORT_LINE =
  /^\s*(?:import\b|from\s+\S+\s+import\b|export\s+(?:\*|\{[^}]*\})\s+from\b|package\s|use\s|using\s|#\s*include\b|require(?:_once)?\b|(?:const|let|var)\s+[\w{}\s,]+=\s*require\(|extern\s+crate\b|mod\s+\w+\s*;|\)|["'`][^"'`]*["'`]\s*;?$|\w+\s+["'`][^"'`]*["'`]$|[\w.]+\s*,?$)/;

function codeName(text: string, startLine: number, endLine: number, lineComments: readonly string[]): string {
  const lines = text.split('\n').filter((l) => {
    const t = l.trim();
    if (t === '') return false;
    return !(lineComments.some((c) => t.startsWith(c)) || t.startsWith('/*') || t.startsWith('*'));
  });
  if (
    lines.length > 0 &&
    /^\s*(?:import|from|package|use|using|#\s*include|require)\b/.test(lines[0]) &&
    lines.every((l) => IMPORT_LINE.test(l))
  )
    return 'imports';
  return startLine === endLine ? `L${startLine}` : `L${startLine}-L${endLine}`;
}

/** Merges whitespace-only pieces into the piece above and builds Chunk objects. */
function finishPieces(text: string, index: LineIndex, pieces: Piece[], opts: TileOptions): Chunk[] {
  const merged: Piece[] = [];
  let pendingStart = -1;
  for (const p of pieces) {
    if (p.start >= p.end) continue;
    const blank = text.slice(p.start, p.end).trim() === '';
    if (blank && p.kind === 'code') {
      if (merged.length > 0) merged[merged.length - 1].end = p.end;
      else if (pendingStart < 0) pendingStart = p.start;
      continue;
    }
    if (pendingStart >= 0) {
      const addRows = index.rowOf(p.start) - index.rowOf(pendingStart);
      merged.push({ ...p, start: pendingStart, headerLines: p.headerLines > 0 ? p.headerLines + addRows : 0 });
      pendingStart = -1;
    } else merged.push({ ...p });
  }
  if (pendingStart >= 0)
    merged.push({ start: pendingStart, end: text.length, name: '', kind: 'code', parent: null, headerLines: 0 });

  return merged.map((p) => {
    const chunkText = text.slice(p.start, p.end);
    const [startLine, endLine] = index.lines(p.start, p.end);
    return {
      file: opts.file,
      name: p.name || codeName(chunkText, startLine, endLine, opts.lineComments),
      kind: p.kind,
      startLine,
      endLine,
      tokens: opts.countTokens(chunkText),
      parent: p.parent,
      text: chunkText,
      startOffset: p.start,
      endOffset: p.end,
      language: opts.language,
      headerLines: Math.min(p.headerLines, endLine - startLine + 1),
    };
  });
}

/** True when chunks tile `text` exactly with consistent line numbers. */
export function checkTiling(text: string, chunks: readonly Chunk[]): string | null {
  let offset = 0;
  const index = new LineIndex(text);
  for (const [i, c] of chunks.entries()) {
    if (c.startOffset !== offset) return `chunk ${i} starts at ${c.startOffset}, expected ${offset}`;
    if (c.endOffset <= c.startOffset) return `chunk ${i} is empty`;
    if (c.text.length !== c.endOffset - c.startOffset) return `chunk ${i} text length mismatch`;
    const [a, b] = index.lines(c.startOffset, c.endOffset);
    if (a !== c.startLine || b !== c.endLine) return `chunk ${i} lines ${c.startLine}-${c.endLine}, expected ${a}-${b}`;
    offset = c.endOffset;
  }
  if (offset !== text.length) return `chunks end at ${offset}, file has ${text.length}`;
  return null;
}

/** A titled section of a prose or config file: its first 0-based row and its title. */
export interface SectionStart {
  row: number;
  title: string;
}

/**
 * Tiles a prose or config file by its sections (Markdown headings, INI/TOML tables): each
 * section is one `section` chunk named by its title, split further at paragraphs when it
 * exceeds the caps (the pieces after the first are named "TITLE (cont.)"). Text before the
 * first heading is a section of its own, named by its lines.
 */
export function tileSections(
  text: string,
  sections: SectionStart[],
  opts: TileOptions & { preferLines: number },
): Chunk[] {
  const index = new LineIndex(text);
  const starts = [...sections].sort((a, b) => a.row - b.row);
  if (starts.length === 0 || starts[0].row > 0) starts.unshift({ row: 0, title: '' });
  const pieces: Piece[] = [];
  starts.forEach((sec, k) => {
    const start = index.lineStart(sec.row);
    const end = k + 1 < starts.length ? index.lineStart(starts[k + 1].row) : text.length;
    if (start >= end) return;
    const parts = splitLines(text, index, start, end, {
      maxLines: opts.maxCodeLines,
      maxTokens: opts.maxCodeTokens,
      preferLines: opts.preferLines,
      countTokens: opts.countTokens,
    });
    parts.forEach(([a, b], j) => {
      const title = sec.title ? (j === 0 ? sec.title : `${sec.title} (cont.)`) : '';
      pieces.push({
        start: a,
        end: b,
        name: title,
        kind: 'section',
        parent: null,
        headerLines: j === 0 && sec.title ? 1 : 0,
      });
    });
  });
  return finishPieces(text, index, pieces, opts);
}
