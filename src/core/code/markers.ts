/**
 * Omission markers: one line per gap, in the language's own comment syntax (the released
 * LongCodeZip uses "#" for TypeScript and Rust too), indented like the omitted code, saying
 * what was omitted and which lines.
 */
import { LANGUAGE_IDS, lineCommentPrefixes } from '../chunk/languages.js';

/**
 * The line-comment prefix of a language the chunker knows (the chunker's language table is
 * the one source of comment syntax), or null for plain text, where markers stand bare.
 */
export function lineCommentPrefix(language: string): string | null {
  return (LANGUAGE_IDS as readonly string[]).includes(language) ? lineCommentPrefixes(language)[0] : null;
}

/** Control characters (C0, DEL, C1) and the Unicode line and paragraph separators. */
// eslint-disable-next-line no-control-regex
const UNSAFE_IN_LINE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/**
 * A file name as it stands in one output line: verbatim, unless it holds a line break or
 * another control character (legal in POSIX file names), or starts with a double quote; then
 * as a JSON string literal (`"a\nb.py"`), so a header or report line stays one line and the
 * name can be read back unambiguously.
 */
export function lineSafeFileName(file: string): string {
  if (!UNSAFE_IN_LINE.test(file) && !file.startsWith('"')) return file;
  // JSON.stringify leaves DEL, C1 controls and U+2028/U+2029 as they are: escape them too.
  return JSON.stringify(file).replace(
    /[\u007f-\u009f\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** The file header line that precedes each file's kept code. */
export function fileHeader(file: string, language: string): string {
  const prefix = lineCommentPrefix(language) ?? '#';
  return `${prefix} ===== ${lineSafeFileName(file)} =====\n`;
}

export interface OmittedSummary {
  /** Counts per kind of definition omitted, e.g. {function: 3, class: 1}. */
  definitions: Record<string, number>;
  /** Lines omitted that belong to no omitted definition (code between, or inside a kept function). */
  lines: number;
  startLine: number;
  endLine: number;
}

const PLURAL: Record<string, string> = {
  class: 'classes',
  impl: 'impls',
  code: 'code blocks',
  header: 'headers',
  block: 'blocks',
};

export function describeOmission(summary: OmittedSummary): string {
  const parts = Object.entries(summary.definitions)
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([kind, n]) => `${n} ${n === 1 ? kind : (PLURAL[kind] ?? `${kind}s`)}`);
  const span =
    summary.startLine === summary.endLine ? `L${summary.startLine}` : `L${summary.startLine}–L${summary.endLine}`;
  if (parts.length === 0) {
    const n = summary.endLine - summary.startLine + 1;
    return `… ${n} line${n === 1 ? '' : 's'} omitted (${span})`;
  }
  return `… ${parts.join(', ')} omitted (${span})`;
}

/** A full marker line: indentation + comment prefix + description + newline. */
export function omissionMarker(language: string, indent: string, summary: OmittedSummary): string {
  const prefix = lineCommentPrefix(language);
  const text = describeOmission(summary);
  return `${indent}${prefix ? `${prefix} ` : ''}${text}\n`;
}

/** Leading whitespace of the first non-blank line of `text` ('' if none). */
export function leadingIndent(text: string): string {
  for (const line of text.split('\n')) {
    if (line.trim() !== '') return /^[ \t]*/.exec(line)![0];
  }
  return '';
}
