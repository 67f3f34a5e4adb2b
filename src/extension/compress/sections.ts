/**
 * The compressed context as file sections: each section is a file header line
 * (`// ===== src/a.ts =====`, written by the engine's assembler) and the kept code after it.
 * Used to order sections by relevance in the preview and to count tokens per file in the
 * report. Pure: no vscode.
 */

export interface ContextSection {
  /** The file label of the header ('' for text before the first header). */
  file: string;
  /** The section's text, header line included, up to the next header. */
  text: string;
}

const HEADER = /^[ \t]*(?:\/\/|#|--)[ \t]+=====[ \t]+(.+?)[ \t]+=====[ \t]*$/;

/** Splits at header lines naming one of `files` (other lines that look like headers are code). */
export function splitSections(text: string, files: Iterable<string>): ContextSection[] {
  const known = new Set(files);
  const out: ContextSection[] = [];
  let cur: ContextSection = { file: '', text: '' };
  const lines = text.split(/(?<=\n)/);
  for (const line of lines) {
    const m = HEADER.exec(line.replace(/\r?\n$/, ''));
    if (m && known.has(m[1])) {
      if (cur.text !== '' || cur.file !== '') out.push(cur);
      cur = { file: m[1], text: line };
    } else cur.text += line;
  }
  if (cur.text !== '' || cur.file !== '') out.push(cur);
  return out;
}

/**
 * The same sections, most relevant file first (`rank` gives each file's best chunk rank, lower
 * is better; files without a rank keep their place after the ranked ones). The text stays
 * verbatim; only whole sections move, and each still ends with the newline it had.
 */
export function orderSections(sections: ContextSection[], bestRank: Map<string, number>): ContextSection[] {
  const lead = sections.filter((s) => s.file === '');
  const files = sections.filter((s) => s.file !== '');
  const key = (s: ContextSection) => bestRank.get(s.file) ?? Number.MAX_SAFE_INTEGER;
  const sorted = files
    .map((s, i) => ({ s, i }))
    .sort((a, b) => key(a.s) - key(b.s) || a.i - b.i)
    .map((x) => x.s);
  return [...lead, ...sorted].map((s, i, all) =>
    i < all.length - 1 && !s.text.endsWith('\n') ? { ...s, text: `${s.text}\n` } : s,
  );
}
