/**
 * Omission markers: one line per gap, in the language's own comment syntax (the released
 * LongCodeZip uses "#" for TypeScript and Rust too), indented like the omitted code, saying
 * what was omitted and which lines.
 */

const HASH_COMMENT = new Set([
  'python',
  'ruby',
  'bash',
  'shell',
  'perl',
  'r',
  'yaml',
  'toml',
  'makefile',
  'dockerfile',
  'elixir',
  'julia',
  'nim',
  'powershell',
]);
const DASH_COMMENT = new Set(['sql', 'lua', 'haskell']);

export function lineCommentPrefix(language: string): string | null {
  if (HASH_COMMENT.has(language)) return '#';
  if (DASH_COMMENT.has(language)) return '--';
  if (language === 'plaintext' || language === 'markdown' || language === '') return null;
  return '//';
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
