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

/** The file header line that precedes each file's kept code. */
export function fileHeader(file: string, language: string): string {
  const prefix = lineCommentPrefix(language) ?? '#';
  return `${prefix} ===== ${file} =====\n`;
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
