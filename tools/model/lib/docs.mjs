// Documented functions of a source file and their doc comments as plain descriptions (Python, JS/TS, Go,
// Rust), by line-based rules. Used to build needle-style tuning tasks (make_needle_tasks.mjs) and
// (code, description) training pairs (make_doc_pairs.mjs).

const HEADERS = {
  py: /^(\s*)(?:async\s+)?def\s+(\w+)\s*\(/,
  js: /^(\s*)(?:export\s+)?(?:default\s+)?(?:async\s+)?function\s*\*?\s*(\w+)\s*\(/,
  ts: /^(\s*)(?:export\s+)?(?:default\s+)?(?:async\s+)?function\s*\*?\s*(\w+)\s*[<(]/,
  go: /^()func\s+(?:\([^)]*\)\s*)?(\w+)\s*[[(]/,
  rs: /^(\s*)(?:pub(?:\([^)]*\))?\s+)?(?:const\s+)?(?:async\s+)?(?:unsafe\s+)?fn\s+(\w+)/,
};

/** Documented functions of a file: { name, docStart, docEnd, start, end } (0-based line indexes, inclusive). */
export function documented(lines, lang) {
  const out = [];
  for (let i = 0; i < lines.length; i++) {
    const h = lines[i].match(HEADERS[lang]);
    if (!h) continue;
    const ind = h[1];
    if (lang === 'py') {
      let j = i;
      while (j < lines.length && !/:\s*(#.*)?$/.test(lines[j])) j++;
      const d = j + 1;
      if (d >= lines.length || !/^\s*[rRuU]?("""|''')/.test(lines[d])) continue;
      const q = lines[d].trim().match(/^[rRuU]?("""|''')/)[1];
      let e = d;
      if (!(lines[d].trim().length > 3 + 1 && lines[d].trim().slice(4).includes(q))) {
        e = d + 1;
        while (e < lines.length && !lines[e].includes(q)) e++;
      }
      let end = e + 1;
      while (
        end < lines.length &&
        (!lines[end].trim() || lines[end].startsWith(ind + ' ') || lines[end].startsWith(ind + '\t'))
      )
        end++;
      while (end - 1 > e && !lines[end - 1].trim()) end--;
      if (end - 1 - e < 3) continue;
      const doc = lines
        .slice(d, e + 1)
        .join('\n')
        .replace(/^\s*[rRuU]?("""|''')/, '')
        .replace(/("""|''')\s*$/, '');
      out.push({ name: h[2], docStart: d, docEnd: e, start: i, end: end - 1, doc });
    } else {
      if (/\}\s*;?\s*$/.test(lines[i])) continue; // one-line bodies
      // doc comment lines directly above (Rust attributes between them and the header are skipped)
      let j = i - 1;
      while (lang === 'rs' && j >= 0 && lines[j].trim().startsWith('#[')) j--;
      const docEnd = j;
      if (j < 0) continue;
      const t = lines[j].trim();
      if (t.endsWith('*/')) {
        while (j >= 0 && !lines[j].trim().startsWith('/**')) j--;
        if (j < 0) continue;
      } else if (t.startsWith('//')) {
        while (j - 1 >= 0 && lines[j - 1].trim().startsWith('//')) j--;
      } else continue;
      const docStart = j;
      // body: to the line `${ind}}`
      let end = i;
      if (!/\{\s*$/.test(lines[i])) {
        while (end < lines.length && !/\{\s*$/.test(lines[end])) end++;
      }
      while (end < lines.length && lines[end] !== ind + '}') end++;
      if (end >= lines.length || end - i < 4 || end - i > 120) continue;
      const doc = lines
        .slice(docStart, docEnd + 1)
        .map((l) =>
          l
            .trim()
            .replace(/^\/\*\*|\*\/$|^\*|^\/\/\/?/g, '')
            .trim(),
        )
        .join('\n');
      if (lines.slice(docStart, docEnd + 1).some((l) => /\*\//.test(l) && !l.trim().endsWith('*/'))) continue;
      out.push({ name: h[2], docStart, docEnd, start: docEnd + 1 === i ? i : docEnd + 1, end, doc });
    }
  }
  return out;
}

/** The doc as a plain description: no @tags/examples, paragraphs joined, at most ~3 sentences. */
export function cleanDoc(doc, name) {
  const kept = [];
  for (const l of doc.split('\n')) {
    const t = l.trim();
    if (/^(@|:param|:return|:raise|Args:|Returns:|Raises:|Example|# Example|```|>>>)/.test(t)) break;
    kept.push(t);
  }
  let s = kept.join(' ').replace(/\s+/g, ' ').trim();
  if (name && s.startsWith(name + ' ')) s = s.slice(name.length + 1);
  const sentences = s.match(/[^.!?]+[.!?]+(\s|$)/g) ?? [s];
  s = sentences.slice(0, 3).join('').trim();
  const words = s.split(/\s+/).length;
  if (words < 6 || words > 90) return null;
  if (/https?:|TODO/.test(s)) return null;
  return s.charAt(0).toUpperCase() + s.slice(1);
}
