// Shared helpers for the embedded-model pipeline: deterministic file split and
// (function code, doc summary) extraction for Python, JS/TS, Go and Rust.
// Used by the corpus builder (training pairs from TRAIN files only) and by
// bench/model/docstring-ranking.mjs (held-out TEST files only).
import crypto from 'node:crypto';

export const SEP = '<|endoftext|>';

/** sha1 hex of a string. */
export const sha1 = (s) => crypto.createHash('sha1').update(s).digest('hex');

/**
 * Deterministic split by CONTENT hash (identical copies of a file always land in the same split).
 * 'dev'  (3%): held out from training, used to tune the mixture weights.
 * 'test' (5%): held out from training, used only by the benchmark.
 * 'train': everything else.
 */
export function splitOf(text) {
  const b = parseInt(sha1(text).slice(0, 8), 16) % 100;
  if (b < 3) return 'dev';
  if (b < 8) return 'test';
  return 'train';
}

export function langOf(file) {
  if (file.endsWith('.py')) return 'py';
  if (/\.(ts|tsx|mts|cts)$/.test(file)) return 'ts';
  if (/\.(js|mjs|cjs|jsx)$/.test(file)) return 'js';
  if (file.endsWith('.go')) return 'go';
  if (file.endsWith('.rs')) return 'rs';
  return null;
}

/** The comment prefix a query gets in this language (the query is a doc-comment-like English line). */
export const commentPrefix = (lang) => (lang === 'py' ? '# ' : '// ');

/** First sentence of a doc text, cleaned; null when unusable as a query. */
function summary(doc, name) {
  let s = doc.replace(/\s+/g, ' ').trim();
  const m = s.match(/^(.*?[.!?])(\s|$)/);
  if (m) s = m[1];
  s = s.replace(/[.:]$/, '').trim();
  // Go/Rust style "Name does X": drop the leading identifier so the query is not the name itself.
  if (name && s.startsWith(name + ' ')) {
    s = s.slice(name.length + 1);
    s = s.charAt(0).toUpperCase() + s.slice(1);
  }
  const words = s.split(/\s+/);
  if (words.length < 4 || words.length > 20) return null;
  if (!/^[A-Z][a-z]/.test(s)) return null;
  if (/[{}`<>]|@|\bTODO\b|https?:/.test(s)) return null;
  return s;
}

/** Take lines of a brace-delimited body starting at lines[0] until the closing line `${ind}}`. */
function braceBody(lines, ind, maxLines = 60) {
  const out = [lines[0]];
  if (/\}\s*;?\s*$/.test(lines[0]) && !/\{\s*$/.test(lines[0])) return null;
  for (let i = 1; i < lines.length && i < maxLines; i++) {
    out.push(lines[i]);
    if (lines[i].startsWith(ind + '}') && !lines[i].startsWith(ind + '} else')) return out;
    if (lines[i].trim() && !lines[i].startsWith(ind)) return null;
  }
  return null;
}

/**
 * Extract documented functions from a source text.
 * Returns [{ name, lang, code, doc, query }], where `code` is the function WITHOUT its doc
 * comment/docstring and `query` is `commentPrefix + summary + '\n'`.
 */
export function extractFunctions(src, lang, { maxCodeChars = 1200, minCodeChars = 100 } = {}) {
  const res = [];
  const push = (name, code, doc) => {
    const q = summary(doc, name);
    if (!q) return;
    code = code.trimEnd() + '\n';
    if (code.length < minCodeChars || code.length > maxCodeChars || code.split('\n').length < 4) return;
    res.push({ name, lang, code, doc: q, query: commentPrefix(lang) + q + '\n' });
  };
  if (lang === 'py') {
    const re = /^( *)((?:async )?def (\w+)\([^\n]*\n?[^\n]*:\n)\1 {4}[rRuU]?("""|''')([\s\S]*?)\4[^\n]*\n/gm;
    for (const m of src.matchAll(re)) {
      const [whole, ind, header, name, , doc] = m;
      const rest = src.slice(m.index + whole.length).split('\n');
      const body = [];
      for (const l of rest) {
        if (l.trim() && !l.startsWith(ind + ' ')) break;
        body.push(l);
        if (body.length > 60) break;
      }
      while (body.length && !body[body.length - 1].trim()) body.pop();
      if (body.length < 2) continue;
      push(name, ind + header.replace(/^ */, '') + body.join('\n'), doc);
    }
  } else if (lang === 'js' || lang === 'ts') {
    const re =
      /^( *)\/\*\*((?:(?!\*\/)[\s\S])*?)\*\/\n\1((?:export )?(?:default )?(?:async )?(?:function\s*\*?\s*(\w+)|(?:public |private |protected |static |async |override )*(\w+)\s*(?:<[^>\n]*>)?\()[^\n]*)\n/gm;
    for (const m of src.matchAll(re)) {
      const [whole, ind, docRaw, first, fname, mname] = m;
      const name = fname ?? mname;
      if (!name || /^(if|for|while|switch|catch|return|constructor)$/.test(name)) continue;
      const doc = docRaw
        .split('\n')
        .map((l) => l.replace(/^\s*\* ?/, ''))
        .filter((l) => !l.trim().startsWith('@'))
        .join(' ');
      const rest = src.slice(m.index + whole.length - first.length - 1).split('\n');
      const body = braceBody(rest, ind);
      if (!body) continue;
      push(name, body.join('\n'), doc);
    }
  } else if (lang === 'go' || lang === 'rs') {
    const cm = lang === 'go' ? '//' : '///';
    const hdr =
      lang === 'go'
        ? /^func (?:\([^)]*\) )?(\w+)/
        : /^(?:pub(?:\([^)]*\))? )?(?:const )?(?:async )?(?:unsafe )?fn (\w+)/;
    const lines = src.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const ind = lines[i].match(/^ */)[0];
      const t = lines[i].slice(ind.length);
      const h = t.match(hdr);
      if (!h) continue;
      let j = i - 1;
      const doc = [];
      while (j >= 0 && lines[j].trim().startsWith('#[') && lang === 'rs') j--;
      while (j >= 0 && lines[j].startsWith(ind + cm) && !lines[j].startsWith(ind + cm + '/')) {
        doc.unshift(lines[j].slice(ind.length + cm.length));
        j--;
      }
      if (!doc.length) continue;
      const para = [];
      for (const d of doc) {
        if (!d.trim()) break;
        if (d.trim().startsWith('#') || d.trim().startsWith('```')) break;
        para.push(d);
      }
      const body = braceBody(lines.slice(i), ind);
      if (!body) continue;
      push(h[1], body.join('\n'), para.join(' '));
    }
  }
  return res;
}

/** The needle benchmark's repositories: never trained or tuned on, in any corpus. */
export const BENCHMARK_REPOSITORIES = [
  'pallets/click',
  'mobxjs/mobx',
  'chartjs/Chart.js',
  'go-chi/chi',
  'apache/commons-cli',
  'sharkdp/bat',
];
