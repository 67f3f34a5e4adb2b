/**
 * Sections of files no grammar covers but whose structure is plain to see: Markdown, reST and
 * AsciiDoc headings, INI/TOML `[tables]`, top-level YAML keys. Such files are chunked by these
 * sections (and paragraphs inside long ones) so they are ranked like code, a section at a
 * time, instead of as one opaque block.
 */
import type { SectionStart } from './tile.js';

export type SectionFormat = 'markdown' | 'rst' | 'ini' | 'yaml' | 'text';

const FORMATS: Array<[RegExp, SectionFormat]> = [
  [/\.(md|markdown|mdx|mdown|mkd)$/i, 'markdown'],
  [/\.(rst)$/i, 'rst'],
  [/\.(adoc|asciidoc)$/i, 'markdown'],
  [/\.(ini|cfg|conf|toml|properties|editorconfig)$/i, 'ini'],
  [/\.(ya?ml)$/i, 'yaml'],
  [/\.(txt|text)$/i, 'text'],
  [/(^|\/)(README|CHANGELOG|CHANGES|NOTES|LICENSE|COPYING|CONTRIBUTING|AUTHORS)$/i, 'text'],
];

/** The section format of a path, or null when the file is not prose or config. */
export function sectionFormatOf(file: string): SectionFormat | null {
  for (const [re, f] of FORMATS) if (re.test(file)) return f;
  return null;
}

/** Section starts of `text` in `format` (0-based rows, titles without markup). */
export function findSections(text: string, format: SectionFormat): SectionStart[] {
  const lines = text.split('\n').map((l) => l.replace(/\r$/, ''));
  const out: SectionStart[] = [];
  if (format === 'markdown' || format === 'text') {
    let fence: string | null = null;
    lines.forEach((line, row) => {
      const f = /^\s{0,3}(`{3,}|~{3,})/.exec(line);
      if (f) {
        if (fence === null) fence = f[1][0];
        else if (f[1][0] === fence) fence = null;
        return;
      }
      if (fence !== null) return;
      const atx = /^\s{0,3}(#{1,6}|={1,6})\s+(.+?)\s*#*\s*$/.exec(line);
      if (atx) return void out.push({ row, title: atx[2] });
      const next = lines[row + 1];
      if (line.trim() && next !== undefined && /^\s{0,3}(=+|-+)\s*$/.test(next) && !/^\s*[-*+]\s/.test(line))
        out.push({ row, title: line.trim() });
    });
  } else if (format === 'rst') {
    lines.forEach((line, row) => {
      const next = lines[row + 1];
      const t = line.trim();
      if (t && next !== undefined && /^([=\-~^"'`#*+:.])\1{2,}\s*$/.test(next) && next.trim().length >= t.length)
        out.push({ row, title: t });
    });
  } else if (format === 'ini') {
    lines.forEach((line, row) => {
      const m = /^\s*\[{1,2}([^\]]+)\]{1,2}\s*(?:[#;].*)?$/.exec(line);
      if (m) out.push({ row, title: `[${m[1].trim()}]` });
    });
  } else if (format === 'yaml') {
    lines.forEach((line, row) => {
      const m = /^([A-Za-z_][\w.-]*)\s*:/.exec(line);
      if (m) out.push({ row, title: m[1] });
    });
  }
  return out;
}
