/* eslint-disable @typescript-eslint/no-unused-expressions, no-useless-escape -- corpus tooling: short-circuit statements, escaped regex brackets */
// Documented functions for more languages, a sibling of docs.mjs (whose behaviour is unchanged and reused here).
//   documentedMore(lines, lang) -> [{ name, kind, docStart, docEnd, start, end, doc }]  (0-based, inclusive)
//     lang: py | js | ts | go | rs | java | c | cpp | cs | rb | php
//     start = first line of the function WITHOUT its doc: decorators / annotations / attributes / template lines
//     included (Python: decorators above the def; the docstring itself is inside start..end, see codeWithoutDoc).
//     py, go, rs: docs.mjs `documented` (decorators added); js/ts: docs.mjs plus methods, arrow functions and
//     function expressions; java, c, cpp, cs, rb, php: rules below. Brace bodies are matched on a copy of the
//     text with strings and comments blanked, and the closing brace must sit at the header's indentation.
//   codeWithoutDoc(lines, f) -> the function's text without its doc comment, verbatim
//   describe(doc, lang, name, { maxSentences, maxWords }) -> plain-English description or null
import { documented } from './docs.mjs';

const KEYWORDS = new Set(
  'if for while switch catch return function new typeof await else do super this throw delete void yield case in of instanceof sizeof defined using namespace typedef goto static_assert decltype alignof noexcept try lock foreach fixed checked unchecked nameof when where select from let var const synchronized assert import package elif with and or not def end unless until begin rescue ensure module class struct enum interface union operator template'.split(
    ' ',
  ),
);
const JAVA_MODS = new Set(
  'public protected private static final abstract synchronized native default strictfp transient volatile sealed non-sealed'.split(
    ' ',
  ),
);
const CS_MODS = new Set(
  'public private protected internal static virtual override abstract async sealed extern unsafe new partial readonly required file'.split(
    ' ',
  ),
);

/** Blank out string/char literal contents and comments (same length, newlines kept). */
export function mask(text, lang) {
  const out = text.split('');
  const n = text.length;
  const blank = (a, b) => {
    for (let k = a; k < b && k < n; k++) if (out[k] !== '\n') out[k] = ' ';
  };
  const hashComment = lang === 'py' || lang === 'rb' || lang === 'php';
  const slashComment = lang !== 'py' && lang !== 'rb';
  const js = lang === 'js' || lang === 'ts';
  let i = 0;
  let prevSig = '';
  while (i < n) {
    const c = text[i];
    const c2 = text[i + 1];
    if (slashComment && c === '/' && c2 === '/') {
      const e = text.indexOf('\n', i);
      blank(i, e < 0 ? n : e);
      i = e < 0 ? n : e;
      continue;
    }
    if (slashComment && c === '/' && c2 === '*') {
      let e;
      if (lang === 'rs') {
        let d = 1;
        e = i + 2;
        while (e < n && d > 0) {
          if (text[e] === '/' && text[e + 1] === '*') (d++, (e += 2));
          else if (text[e] === '*' && text[e + 1] === '/') (d--, (e += 2));
          else e++;
        }
      } else {
        e = text.indexOf('*/', i + 2);
        e = e < 0 ? n : e + 2;
      }
      blank(i, e);
      i = e;
      continue;
    }
    if (hashComment && c === '#' && !(lang === 'php' && c2 === '[')) {
      const e = text.indexOf('\n', i);
      blank(i, e < 0 ? n : e);
      i = e < 0 ? n : e;
      continue;
    }
    // raw / verbatim / triple-quoted strings
    if ((lang === 'py' || lang === 'java' || lang === 'cs') && text.startsWith('"""', i)) {
      const e = text.indexOf('"""', i + 3);
      const end = e < 0 ? n : e + 3;
      blank(i + 1, end - 1);
      i = end;
      prevSig = '"';
      continue;
    }
    if (lang === 'py' && text.startsWith("'''", i)) {
      const e = text.indexOf("'''", i + 3);
      const end = e < 0 ? n : e + 3;
      blank(i + 1, end - 1);
      i = end;
      continue;
    }
    if (lang === 'rs' && (c === 'r' || (c === 'b' && c2 === 'r')) && !/\w/.test(text[i - 1] || '')) {
      const m = text.slice(i, i + 80).match(/^b?r(#*)"/);
      if (m) {
        const close = '"' + m[1];
        const e = text.indexOf(close, i + m[0].length);
        const end = e < 0 ? n : e + close.length;
        blank(i + m[0].length, end - close.length);
        i = end;
        continue;
      }
    }
    if (lang === 'cpp' && c === 'R' && c2 === '"' && !/\w/.test(text[i - 1] || '')) {
      const m = text.slice(i, i + 40).match(/^R"([^(\s]*)\(/);
      if (m) {
        const close = ')' + m[1] + '"';
        const e = text.indexOf(close, i);
        const end = e < 0 ? n : e + close.length;
        blank(i + m[0].length, end - close.length);
        i = end;
        continue;
      }
    }
    if (
      lang === 'cs' &&
      (c === '@' || c === '$') &&
      (c2 === '"' || ((c2 === '@' || c2 === '$') && text[i + 2] === '"'))
    ) {
      const verbatim = c === '@' || c2 === '@';
      let k = text.indexOf('"', i) + 1;
      while (k < n) {
        if (text[k] === '\\' && !verbatim) k += 2;
        else if (text[k] === '"' && verbatim && text[k + 1] === '"') k += 2;
        else if (text[k] === '"') break;
        else k++;
      }
      blank(text.indexOf('"', i) + 1, k);
      i = k + 1;
      continue;
    }
    if ((js || lang === 'go') && c === '`') {
      let k = i + 1;
      while (k < n && text[k] !== '`') k += text[k] === '\\' && js ? 2 : 1;
      blank(i + 1, k);
      i = k + 1;
      prevSig = '"';
      continue;
    }
    if (lang === 'rs' && c === "'") {
      const m = text.slice(i, i + 12).match(/^'(\\(x[0-9a-fA-F]{2}|u\{[0-9a-fA-F]+\}|.)|[^'\\\n])'/);
      if (m) {
        blank(i + 1, i + m[0].length - 1);
        i += m[0].length;
      } else i++;
      continue;
    }
    if (js && c === '/' && c2 !== '/' && c2 !== '*' && (/[(,=:[!&|?{};+\-*%<>~^]/.test(prevSig) || prevSig === '')) {
      // regex literal
      let k = i + 1;
      let cls = false;
      while (k < n && text[k] !== '\n') {
        if (text[k] === '\\') k += 2;
        else if (text[k] === '[') ((cls = true), k++);
        else if (text[k] === ']') ((cls = false), k++);
        else if (text[k] === '/' && !cls) break;
        else k++;
      }
      if (k < n && text[k] === '/') {
        blank(i + 1, k);
        i = k + 1;
        prevSig = '"';
        continue;
      }
    }
    if (c === '"' || (c === "'" && lang !== 'rs') || (lang === 'rb' && false)) {
      let k = i + 1;
      while (k < n && text[k] !== c) {
        if (text[k] === '\\') k += 2;
        else if (text[k] === '\n' && lang !== 'py' && lang !== 'rb' && lang !== 'php') break;
        else k++;
      }
      blank(i + 1, k);
      i = k + 1;
      prevSig = '"';
      continue;
    }
    if (!/\s/.test(c)) prevSig = /[\w$]/.test(c) ? 'a' : c;
    i++;
  }
  return out.join('');
}

/**
 * From header line h (masked lines), find the body: the first '{' at paren depth 0 within 12 lines and before
 * any ';' at depth 0; then its matching '}'. Returns { open, close } line indexes or null.
 */
function braceBody(m, h, { arrow = false } = {}) {
  let paren = 0;
  let open = -1;
  let openCol = -1;
  for (let i = h; i < m.length && i < h + 12; i++) {
    const l = m[i];
    if (i > h && !l.trim()) return null;
    for (let k = 0; k < l.length; k++) {
      const ch = l[k];
      if (ch === '(' || ch === '[') paren++;
      else if (ch === ')' || ch === ']') paren--;
      else if (ch === ';' && paren <= 0) return null;
      else if (ch === '{' && paren <= 0) {
        open = i;
        openCol = k;
        break;
      }
    }
    if (open >= 0) break;
  }
  if (open < 0) return null;
  const before = m
    .slice(h, open + 1)
    .join('\n')
    .slice(0, -(m[open].length - openCol))
    .trimEnd();
  if (arrow ? !/=>$/.test(before) : /=>$|=$/.test(before)) return null;
  let d = 0;
  for (let i = open; i < m.length; i++) {
    const l = m[i];
    for (let k = i === open ? openCol : 0; k < l.length; k++) {
      if (l[k] === '{') d++;
      else if (l[k] === '}') {
        d--;
        if (d === 0) return { open, close: i, closeCol: k };
      }
    }
  }
  return null;
}

const indentOf = (l) => l.match(/^\s*/)[0];

/** Doc comment directly above line `at` (allowing `blank` blank lines): { docStart, docEnd, doc } or null. */
function docAbove(lines, at, lang, { blankOk = 0, skip = null } = {}) {
  let j = at - 1;
  while (skip && j >= 0 && skip(lines[j])) j--;
  let blanks = 0;
  while (j >= 0 && !lines[j].trim() && blanks < blankOk) (j--, blanks++);
  if (j < 0) return null;
  const t = lines[j].trim();
  const docEnd = j;
  if (t.endsWith('*/')) {
    if (/^\/\*.*\*\/.*\S.*\*\/$/.test(t)) return null;
    while (j >= 0 && !lines[j].trim().startsWith('/*')) j--;
    if (j < 0) return null;
    const first = lines[j].trim();
    const javadoc = first.startsWith('/**') || first.startsWith('/*!');
    if (!javadoc && !(lang === 'c' || lang === 'cpp')) return null;
    if (first.startsWith('/**/')) return null;
    // the comment must occupy whole lines
    if (lines.slice(j, docEnd + 1).some((l, k) => k < docEnd - j && /\*\//.test(l))) return null;
    if (j > 0 && /\S/.test(lines[j].slice(0, lines[j].indexOf('/*')))) return null;
    const doc = lines
      .slice(j, docEnd + 1)
      .map((l) =>
        l
          .replace(/^\s*\/\*[*!]?/, '')
          .replace(/\*+\/\s*$/, '')
          .replace(/^\s*\*(?!\/)/, ''),
      )
      .join('\n');
    return { docStart: j, docEnd, doc };
  }
  const lineRe =
    lang === 'cs'
      ? /^\s*\/\/\/(?!\/)/
      : lang === 'rb'
        ? /^\s*#(?![!{])/
        : lang === 'c' || lang === 'cpp'
          ? /^\s*\/\/[\/!]?/
          : lang === 'php'
            ? null
            : lang === 'java' || lang === 'js' || lang === 'ts'
              ? null
              : /^\s*\/\//;
  if (!lineRe || !lineRe.test(lines[j])) return null;
  const ind = indentOf(lines[j]);
  while (j - 1 >= 0 && lineRe.test(lines[j - 1]) && indentOf(lines[j - 1]) === ind) j--;
  const raw = lines.slice(j, docEnd + 1);
  const doc = raw.map((l) => l.replace(lineRe, '').replace(/^ /, '')).join('\n');
  return { docStart: j, docEnd, doc };
}

// ---------- per-language candidate headers ----------

const JS_METHOD =
  /^(\s*)(?:(?:public|private|protected|static|async|override|readonly|abstract|get|set|declare|export|default|accessor)\s+)*\*?\s*(#?[A-Za-z_$][\w$]*)\s*(?:<[^>()]*(?:<[^>()]*>[^>()]*)*>)?\s*\(/;
const JS_VAR =
  /^(\s*)(?:export\s+)?(?:default\s+)?(?:const|let|var)\s+([A-Za-z_$][\w$]*)\b[^=]*=\s*(?:async\s+)?(?:function\b|\(|[A-Za-z_$][\w$]*\s*=>|<)/;
const JS_MEMBER = /^(\s*)(?:[\w$]+\.)+([A-Za-z_$][\w$]*)\s*=\s*(?:async\s+)?(?:function\b|\(|[A-Za-z_$][\w$]*\s*=>)/;
const JS_PROP =
  /^(\s*)(?:['"]?)([A-Za-z_$][\w$]*)(?:['"]?)\s*:\s*(?:async\s+)?(?:function\b|\([^)]*\)\s*(?::\s*[^=]+)?=>|[A-Za-z_$][\w$]*\s*=>)/;
const JS_FIELD =
  /^(\s*)(?:(?:public|private|protected|static|readonly|override|declare)\s+)*(#?[A-Za-z_$][\w$]*)\s*(?::\s*[^=]+)?=\s*(?:async\s+)?(?:function\b|\([^)]*\)\s*(?::\s*[^=]+)?=>|[A-Za-z_$][\w$]*\s*=>)/;

const JAVA_HDR =
  /^(\s*)(?:(?:public|protected|private|static|final|abstract|synchronized|native|default|strictfp)\s+)*(?:<[^>]+(?:<[^>]*>)?[^>]*>\s+)?([\w$.]+(?:<[^()]*>)?(?:\[\])*)\s+([A-Za-z_$][\w$]*)\s*\(/;
const CS_HDR =
  /^(\s*)(?:(?:public|private|protected|internal|static|virtual|override|abstract|async|sealed|extern|unsafe|new|partial|readonly)\s+)*([\w.]+(?:<[^()]*>)?[?]?(?:\[[,\s]*\])*[?]?)\s+([A-Za-z_]\w*)\s*(?:<[^()]*>)?\s*\(/;
const PHP_HDR =
  /^(\s*)(?:(?:public|private|protected|static|abstract|final|readonly)\s+)*function\s+&?([A-Za-z_]\w*)\s*\(/;
const CPP_HDR = /^(\s*)([A-Za-z_][\w\s\*&:<>,~\[\]]*?[\s\*&>])?((?:[A-Za-z_]\w*(?:<[^()]*>)?::)*~?[A-Za-z_]\w*)\s*\(/;
const RB_HDR = /^(\s*)def\s+(?:self\.|[A-Za-z_]\w*\.)?([A-Za-z_]\w*[?!=]?|\[\]=?|[+\-*\/%<>=!~^&|]+)(?=\s|\(|;|$)/;

function braceFunctions(lines, lang) {
  const text = lines.join('\n');
  const m = mask(text, lang).split('\n');
  const out = [];
  const taken = [];
  const inside = (i) => taken.some(([a, b]) => i > a && i <= b);
  for (let i = 0; i < lines.length; i++) {
    const ml = m[i];
    if (!ml.trim() || /^\s*[}\])]/.test(ml) || /^\s*[#@]/.test(ml)) {
      if (!(lang === 'php' && /^\s*#\[/.test(ml))) continue;
      continue;
    }
    let name = null;
    let kind = 'function';
    let arrow = false;
    let hdrStart = i;
    let h;
    if (lang === 'js' || lang === 'ts') {
      if ((h = ml.match(JS_VAR))) ((name = h[2]), (arrow = !/function\b/.test(ml.slice(ml.indexOf('=')))));
      else if ((h = ml.match(JS_MEMBER)))
        ((name = h[2]), (kind = 'method'), (arrow = !/=\s*(async\s+)?function\b/.test(ml)));
      else if ((h = ml.match(JS_PROP)))
        ((name = h[2]), (kind = 'method'), (arrow = !/:\s*(async\s+)?function\b/.test(ml)));
      else if ((h = ml.match(JS_FIELD)) && h[1].length > 0)
        ((name = h[2]), (kind = 'method'), (arrow = !/=\s*(async\s+)?function\b/.test(ml)));
      else if (
        (h = ml.match(/^(\s*)(?:export\s+)?(?:default\s+)?(?:async\s+)?function\s*\*?\s*([A-Za-z_$][\w$]*)\s*[<(]/))
      )
        name = h[2];
      else if ((h = ml.match(JS_METHOD)) && h[1].length > 0 && !KEYWORDS.has(h[2])) ((name = h[2]), (kind = 'method'));
      if (name === 'constructor') name = null;
    } else if (lang === 'java') {
      h = ml.match(JAVA_HDR);
      if (h && !JAVA_MODS.has(h[2]) && !KEYWORDS.has(h[2]) && !KEYWORDS.has(h[3]) && h[2] !== 'new')
        ((name = h[3]), (kind = 'method'));
    } else if (lang === 'cs') {
      h = ml.match(CS_HDR);
      if (
        h &&
        !CS_MODS.has(h[2]) &&
        !KEYWORDS.has(h[2]) &&
        !KEYWORDS.has(h[3]) &&
        !/^(return|await|new|throw|yield|var|using|else)$/.test(h[2])
      )
        ((name = h[3]), (kind = 'method'));
    } else if (lang === 'php') {
      h = ml.match(PHP_HDR);
      if (h) ((name = h[2]), (kind = h[1].length ? 'method' : 'function'));
      if (name && /^__construct$/.test(name)) name = null;
    } else if (lang === 'c' || lang === 'cpp') {
      h = ml.match(CPP_HDR);
      if (h) {
        const words = (h[2] ?? '').trim().split(/\s+/).filter(Boolean);
        const full = h[3];
        const base = full.split('::').pop();
        if (
          KEYWORDS.has(base) ||
          words.some(
            (w) =>
              KEYWORDS.has(w.replace(/[*&]/g, '')) && !/^(const|struct|enum|union|unsigned|signed|long|short)$/.test(w),
          )
        )
          h = null;
        else if (/^(return|else|case|goto|delete|throw|co_return|co_await)$/.test(words[0] ?? '')) h = null;
        else if (!words.length) {
          // K&R / BSD style: return type on the previous line
          const p = i > 0 ? m[i - 1] : '';
          if (
            /^\s*[A-Za-z_][\w\s\*&:<>,]*$/.test(p) &&
            p.trim() &&
            !/[;{}]\s*$/.test(p) &&
            !KEYWORDS.has(p.trim().split(/\s+/)[0]) &&
            indentOf(p) === h[1]
          )
            hdrStart = i - 1;
          else if (!(lang === 'cpp' && full.includes('::'))) h = null; // constructors Foo::Foo(...)
        }
        if (h && /^[A-Z0-9_]+$/.test(base) && hdrStart === i && !words.length) h = null; // macro invocations
        if (h) {
          name = base;
          kind = full.includes('::') || h[1].length ? 'method' : 'function';
          if (full.includes('::') && full.split('::').slice(-2)[0].replace(/<.*$/, '') === base.replace(/^~/, ''))
            name = null; // ctor/dtor
          if (name && name.startsWith('~')) name = null;
        }
      }
    }
    if (!name || inside(i)) continue;
    const body = braceBody(m, i, { arrow });
    if (!body) continue;
    const ind = indentOf(lines[hdrStart]);
    // the closing brace at the header's indentation (or on the header line itself for short bodies)
    if (body.close > body.open) {
      const cl = m[body.close];
      if (indentOf(cl) !== ind || !/^\s*\}/.test(cl)) continue;
    } else continue;
    // annotations / attributes / decorators / template lines above
    let start = hdrStart;
    while (start - 1 >= 0) {
      const p = lines[start - 1].trim();
      if (
        ((lang === 'java' || lang === 'ts' || lang === 'js') &&
          /^@[A-Za-z]/.test(p) &&
          !/^@(param|return|throws)/.test(p)) ||
        (lang === 'cs' && /^\[[A-Za-z].*\]$/.test(p)) ||
        (lang === 'php' && /^#\[.*\]$/.test(p)) ||
        (lang === 'cpp' && /^template\s*</.test(p))
      )
        start--;
      else break;
    }
    const blankOk = lang === 'js' || lang === 'ts' || lang === 'java' ? 1 : 0;
    const d = docAbove(lines, start, lang, { blankOk });
    taken.push([hdrStart, body.close]);
    if (!d) continue;
    out.push({ name, kind, docStart: d.docStart, docEnd: d.docEnd, start, end: body.close, doc: d.doc, nested: false });
  }
  return out;
}

function rubyFunctions(lines) {
  const out = [];
  for (let i = 0; i < lines.length; i++) {
    const h = lines[i].match(RB_HDR);
    if (!h) continue;
    const ind = h[1];
    if (/\bend\s*$/.test(lines[i]) || /^\s*def\s+[^(]*(\([^)]*\))?\s*=[^=~]/.test(lines[i])) continue;
    let end = i + 1;
    while (end < lines.length && !(lines[end].startsWith(ind + 'end') && /^end\b/.test(lines[end].slice(ind.length)))) {
      if (lines[end].trim() && !lines[end].startsWith(ind)) break;
      end++;
    }
    if (end >= lines.length || !lines[end].startsWith(ind + 'end')) continue;
    let start = i;
    while (start - 1 >= 0 && /^\s*sig\s*\{.*\}\s*$/.test(lines[start - 1])) start--;
    let j = start - 1;
    if (j < 0 || !/^\s*#/.test(lines[j]) || indentOf(lines[j]) !== ind) continue;
    const docEnd = j;
    while (j - 1 >= 0 && /^\s*#/.test(lines[j - 1]) && indentOf(lines[j - 1]) === ind) j--;
    const raw = lines.slice(j, docEnd + 1);
    if (raw.some((l) => /:nodoc:|rubocop:|frozen_string_literal|typed:\s/.test(l))) {
      // keep only the part after such a directive
      let k = raw.length - 1;
      while (k >= 0 && !/:nodoc:|rubocop:|frozen_string_literal|typed:\s/.test(raw[k])) k--;
      if (/:nodoc:/.test(raw[k] ?? '')) continue;
      j += k + 1;
      if (j > docEnd) continue;
    }
    const doc = lines
      .slice(j, docEnd + 1)
      .map((l) => l.replace(/^\s*#/, '').replace(/^ /, ''))
      .join('\n');
    out.push({ name: h[2], kind: ind.length ? 'method' : 'function', docStart: j, docEnd, start, end, doc });
  }
  return out;
}

/** Documented functions of a file (see the header of this module). */
export function documentedMore(lines, lang) {
  if (lang === 'py' || lang === 'go' || lang === 'rs') {
    return documented(lines, lang).map((f) => {
      let start = f.start;
      if (lang === 'py') {
        const ind = indentOf(lines[f.start]);
        while (start - 1 >= 0 && lines[start - 1].startsWith(ind + '@')) start--;
      }
      const kind =
        lang === 'py'
          ? indentOf(lines[f.start]).length
            ? 'method'
            : 'function'
          : lang === 'go'
            ? /^func\s*\(/.test(lines[f.start])
              ? 'method'
              : 'function'
            : indentOf(lines[f.start]).length
              ? 'method'
              : 'function';
      return { ...f, start, kind };
    });
  }
  if (lang === 'rb') return rubyFunctions(lines);
  const res = braceFunctions(lines, lang);
  if (lang === 'js' || lang === 'ts') {
    // docs.mjs finds function declarations too; keep its result where ours has nothing at that line
    const have = new Set(res.map((f) => f.start));
    for (const f of documented(lines, lang))
      if (!have.has(f.start) && !res.some((r) => f.start >= r.start && f.start <= r.end))
        res.push({ ...f, kind: 'function' });
    res.sort((a, b) => a.start - b.start);
  }
  return res;
}

/** The function's text without its doc comment (Python: without the docstring lines), verbatim. */
export function codeWithoutDoc(lines, f) {
  if (f.docStart > f.start && f.docEnd <= f.end)
    return [...lines.slice(f.start, f.docStart), ...lines.slice(f.docEnd + 1, f.end + 1)].join('\n');
  return lines.slice(f.start, f.end + 1).join('\n');
}

// ---------- descriptions ----------

const CUT =
  /^(@[a-zA-Z]|\{@inheritDoc\}|:(param|parameter|arg|argument|key|keyword|type|rtype|return|returns|raise|raises|except|exception|var|ivar|cvar|yield|yields|meta)\b|(Args|Arguments|Parameters|Params|Returns?|Raises|Throws|Yields|Examples?|Example usage|Usage|Attributes|Keyword [Aa]rguments|Other Parameters|See Also|References|Warns|Warnings?|Notes?|Todo|Options|Errors|Panics|Safety)\s*:?\s*$|(Args|Arguments|Parameters|Returns?|Raises|Yields|Examples?):\s|#{1,4}\s|```|~~~|>>>|<pre>|<code>|<example>|<code |\.\.\s+\w+::|={3,}\s*$|-{3,}\s*$|\* @|Example:|For example:$)/;

function xmlDoc(doc) {
  const s = doc.match(/<summary>([\s\S]*?)<\/summary>/i);
  if (s) return s[1];
  if (/<inheritdoc/i.test(doc)) return '';
  return doc.replace(/<(param|returns|remarks|exception|typeparam|example|value|seealso)\b[\s\S]*$/i, '');
}

function inlineMarkup(s) {
  return s
    .replace(/\{@(?:link|linkplain)\s+([^}\s]+)(?:\s+([^}]+))?\}/g, (_, a, b) =>
      b ? b : '`' + a.replace(/^#/, '').replace(/#/, '.') + '`',
    )
    .replace(/\{@(?:code|literal)\s+([^}]*)\}/g, '`$1`')
    .replace(/\{@\w+\s*([^}]*)\}/g, '$1')
    .replace(/<see\s+(?:c?ref|langword|href)="(?:[A-Z]:)?([^"]+)"\s*\/>/g, '`$1`')
    .replace(/<see\s+c?ref="(?:[A-Z]:)?[^"]+"\s*>([\s\S]*?)<\/see>/g, '$1')
    .replace(/<(?:paramref|typeparamref)\s+name="([^"]+)"\s*\/>/g, '`$1`')
    .replace(/<c>([\s\S]*?)<\/c>/g, '`$1`')
    .replace(
      /<\/?(?:p|br|b|i|em|strong|tt|code|ul|ol|li|para|a|span|div|dl|dt|dd|h\d|blockquote|list|item|description|term|listheader|summary|sup|sub|u|small|big|table|tr|td|th)\b[^>]*>/gi,
      ' ',
    )
    .replace(/<[A-Za-z][^<>]*\/>/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;|&apos;/g, "'")
    .replace(/&nbsp;/g, ' ')
    .replace(/&amp;/g, '&')
    .replace(/:[a-z]+(?::[a-z]+)?:`~?([^`<]+?)(?:\s*<[^>]+>)?`/g, '`$1`')
    .replace(/``([^`]+)``/g, '`$1`')
    .replace(/\[([^\]]+)\]\((?:[^()]|\([^)]*\))*\)/g, '$1')
    .replace(/\[(`[^`\]]+`)\](?:\[[^\]]*\])?/g, '$1')
    .replace(/\[([A-Za-z_][\w:.]*)\](?!\()/g, '$1')
    .replace(/\bL<([^>]+)>/g, '$1');
}

/**
 * Plain-English description of a raw doc text (comment markers already removed): the part before the first
 * block tag / section header / code block, markup reduced, sentences ending in ':' dropped, at most
 * maxSentences sentences and maxWords words. Leading own name ("Foo does ...") is kept; see stripName.
 */
export function describe(doc, lang, { maxSentences = 3, maxWords = 110, minWords = 4 } = {}) {
  if (lang === 'cs' || /<summary>/i.test(doc)) doc = xmlDoc(doc);
  let lines = doc.split('\n');
  // dedent (python docstrings: first line is unindented)
  const rest = lines.slice(1).filter((l) => l.trim());
  const minInd = Math.min(...(rest.length ? rest : ['']).map((l) => indentOf(l).replace(/\t/g, '    ').length));
  lines = [
    lines[0].trim(),
    ...lines
      .slice(1)
      .map((l) => l.replace(/\t/g, '    ').slice(Math.min(minInd, indentOf(l).replace(/\t/g, '    ').length))),
  ];
  const kept = [];
  let base = null;
  for (let k = 0; k < lines.length; k++) {
    const l = lines[k];
    let t = l.trim();
    if (/^[@\\](brief|details|description|summary|short|fn\s+\S+)\b/.test(t))
      t = t.replace(/^[@\\](brief|details|description|summary|short|fn\s+\S+)\s*/, '');
    if (CUT.test(t) || /^\\[a-z]+\b/.test(t)) break;
    if (/^[-=~^]{3,}$/.test((lines[k + 1] ?? '').trim()) && t) break; // numpy / rst section header
    if (t && base === null && k > 0) base = indentOf(l).length;
    if (
      t &&
      (lang === 'go' || lang === 'rs' || lang === 'rb' || lang === 'py') &&
      k > 0 &&
      indentOf(l).length >= (base ?? 0) + 2 &&
      !/^[-*+]\s|^\d+[.)]\s/.test(t)
    ) {
      if (lang !== 'py' || /^[\w.]+\(|=|>>>|^\$ /.test(t)) break; // indented code block
    }
    if (!t && kept.length && /::\s*$/.test(kept[kept.length - 1])) break;
    kept.push(t);
  }
  let s = inlineMarkup(kept.join('\n'))
    .replace(/::\s*$/, ':')
    .replace(/\s+/g, ' ')
    .trim();
  if (!s) return null;
  // sentences
  const sent = [];
  for (const x of s.split(/(?<=[.!?])\s+(?=[A-Z0-9`"'(\[])/)) {
    if (sent.length && /\b(e\.g|i\.e|etc|vs|cf|approx|resp|incl|Dr|Mr|Mrs|No|Vol|Fig)\.$/i.test(sent[sent.length - 1]))
      sent[sent.length - 1] += ' ' + x;
    else if (x.trim()) sent.push(x.trim());
  }
  const out = [];
  let words = 0;
  for (const x of sent) {
    if (/:$/.test(x)) break;
    const w = x.split(/\s+/).length;
    if (out.length >= maxSentences || (out.length && words + w > maxWords)) break;
    out.push(x);
    words += w;
  }
  while (out.length && /:$/.test(out[out.length - 1])) out.pop();
  s = out.join(' ').trim();
  if (!s || s.endsWith(':')) return null;
  if (words > maxWords + 40) return null;
  const n = s.split(/\s+/).filter((w) => /[A-Za-z]/.test(w)).length;
  if (n < minWords) return null;
  if (/\b(TODO|FIXME|XXX)\b|copyright|licen[cs]ed? under|SPDX|inheritdoc|@inheritDoc|\$Id[:$]/i.test(s)) return null;
  if ((s.match(/[;{}]/g) ?? []).length >= 3) return null; // commented-out code
  if (!/^[`"'(\[]?[A-Za-z]/.test(s)) return null;
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** "Name does X." -> "Does X." (pairs), as docs.mjs cleanDoc does. */
export function stripName(s, name) {
  if (!s || !name) return s;
  const esc = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const m = s.match(new RegExp('^`?' + esc + '(\\(\\))?`?(:|\\s+-+)?\\s+'));
  if (!m) return s;
  s = s.slice(m[0].length);
  if (s.split(/\s+/).length < 4) return null;
  return s.charAt(0).toUpperCase() + s.slice(1);
}

export const LANG_NAMES = {
  py: 'python',
  ts: 'typescript',
  js: 'javascript',
  go: 'go',
  java: 'java',
  rs: 'rust',
  c: 'c',
  cpp: 'cpp',
  cs: 'csharp',
  rb: 'ruby',
  php: 'php',
};

/** Language key of a path ('.h' goes to hLang: 'c' or 'cpp'). */
export function langOfPath(p, hLang = 'c') {
  if (p.endsWith('.py')) return 'py';
  if (/\.(ts|tsx|mts|cts)$/.test(p)) return p.endsWith('.d.ts') ? null : 'ts';
  if (/\.(js|mjs|cjs|jsx)$/.test(p)) return 'js';
  if (p.endsWith('.go')) return 'go';
  if (p.endsWith('.java')) return 'java';
  if (p.endsWith('.rs')) return 'rs';
  if (p.endsWith('.c')) return 'c';
  if (/\.(cc|cpp|cxx|hpp|hh|hxx)$/.test(p)) return 'cpp';
  if (p.endsWith('.h')) return hLang;
  if (p.endsWith('.cs')) return 'cs';
  if (p.endsWith('.rb')) return 'rb';
  if (p.endsWith('.php')) return 'php';
  return null;
}
