#!/usr/bin/env node
/* eslint-disable @typescript-eslint/no-unused-expressions, no-useless-escape -- corpus tooling: short-circuit statements, escaped regex brackets */
// Needle-function tasks from the HELD-OUT repositories of the repository corpus (split.json, written by
// make_repo_pairs.mjs), in the format of shared/bench/needle-dev/tasks.jsonl and following its README's
// construction rules as far as line-based rules allow (lib/docs_more.mjs instead of tree-sitter):
//  - files of the task language (400-50,000 characters, tests/examples/vendor/generated already left out when
//    the corpus was extracted); per directory, files sorted by path are packed greedily into contexts of
//    28,000-56,000 characters including the `// ===== file: PATH =====` header lines; contexts never mix directories;
//  - needle candidates: documented functions/methods (not nested, not constructors, not in Rust test modules),
//    10-80 lines without the doc comment, a name unique among the context's functions, a query of >= 8 words
//    not starting with Deprecated/See/Note/Same as/Override..., no TODO/FIXME; not trivially named by the query
//    (every word of the name in the query, or a one-word lower-case name used as prose); unambiguous (first
//    sentence not elsewhere in the context, no other doc in the context with token Jaccard >= 0.75);
//  - query: describe() of the doc (whole sentences up to ~110 words), own name -> "this function"/"this method",
//    parameter names -> "the given argument" (code-formatted, or identifier-like anywhere);
//  - the needle's doc comment is deleted from its file (Python: and one following blank line; JS/TS/Java: and the
//    blank line between doc and function); line numbers refer to the edited file and to the canonical concatenation;
//  - selection: at most PER_REPO needles per repository (seeded), up to 4 contexts per repository and language
//    chosen round-robin over directories by number of candidates, at most 4 per context and 2 per file, spread
//    over five relative-position buckets, preferring candidates whose name shares fewer words with the query.
// Usage: npx tsx tools/model/make_repo_needle_tasks.mjs --src /work/corpus/src --split /work/corpus/split.json
//          --manifest /work/corpus/extract-manifest.json --out /work/corpus/tasks-raw.jsonl [--per-repo 10]
//          [--langs python,typescript,javascript,go,java,rust] [--files-dir DIR (writes each task's files for decontamination)]
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { documentedMore, describe, LANG_NAMES, langOfPath, mask } from './lib/docs_more.mjs';
// Run with tsx: the task sampling uses the engine's own seeded RNG (src/core/random.ts).
import { seededRandom } from '../../src/core/random.js';

const args = process.argv.slice(2);
const opt = (k, d) => (args.includes(k) ? args[args.indexOf(k) + 1] : d);
const SRC = opt('--src', '/work/corpus/src');
const SPLIT = opt('--split', '/work/corpus/split.json');
const MANIFEST = opt('--manifest', '/work/corpus/extract-manifest.json');
const OUT = opt('--out', '/work/corpus/tasks-raw.jsonl');
const PER_REPO = Number(opt('--per-repo', '10'));
const LANGS = opt('--langs', 'python,typescript,javascript,go,java,rust').split(',');
const FILES_DIR = opt('--files-dir', '');
const MIN_CTX = 28000;
const MAX_CTX = 56000;

const split = JSON.parse(fs.readFileSync(SPLIT, 'utf8'));
const manifest = JSON.parse(fs.readFileSync(MANIFEST, 'utf8'));
const sha1 = (s) => crypto.createHash('sha1').update(s).digest('hex');
const KEY = Object.fromEntries(Object.entries(LANG_NAMES).map(([k, v]) => [v, k]));
// file extensions the benchmark harness recognises for each task language
const TASK_EXT = { py: /\.py$/, ts: /\.tsx?$/, js: /\.(js|mjs|cjs|jsx)$/, go: /\.go$/, java: /\.java$/, rs: /\.rs$/ };

const header = (lang, p) => `${lang === 'py' ? '#' : '//'} ===== file: ${p} =====`;

function* walk(dir) {
  for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) yield* walk(p);
    else if (e.isFile()) yield p;
  }
}

// ---- words, stemming ----
const splitWords = (name) =>
  name
    .replace(/^[_$#]+/, '')
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w.toLowerCase());
const stem = (w) =>
  w
    .replace(/(ies)$/, 'y')
    .replace(/(ing|ed|es|s|er)$/, '')
    .slice(0, 6) || w;
const words = (s) => (s.toLowerCase().match(/[a-z0-9]+/g) ?? []).flatMap((w) => w);
const tokenSet = (s) => new Set(words(s).filter((w) => w.length > 1));
function jaccard(a, b) {
  let i = 0;
  for (const x of a) if (b.has(x)) i++;
  return i / (a.size + b.size - i || 1);
}

// ---- all function names of a file (documented or not) ----
const NAME_RES = {
  py: [/^\s*(?:async\s+)?def\s+(\w+)/],
  go: [/^func\s+(?:\([^)]*\)\s*)?(\w+)/],
  rs: [/^\s*(?:pub(?:\([^)]*\))?\s+)?(?:const\s+)?(?:async\s+)?(?:unsafe\s+)?(?:extern\s+"[^"]*"\s+)?fn\s+(\w+)/],
  java: [
    /^\s*(?:(?:public|protected|private|static|final|abstract|synchronized|native|default)\s+)*(?:<[^>]+>\s+)?[\w$.<>\[\],? ]+\s+(\w+)\s*\([^;]*$/,
  ],
  js: [
    /^\s*(?:export\s+)?(?:default\s+)?(?:async\s+)?function\s*\*?\s*([\w$]+)/,
    /^\s+(?:(?:public|private|protected|static|async|override|readonly|abstract|get|set)\s+)*\*?([\w$#]+)\s*(?:<[^>]*>)?\([^;]*\)\s*(?::[^;{]*)?\{\s*$/,
    /^\s*(?:export\s+)?(?:const|let|var)\s+([\w$]+)\s*(?::[^=]+)?=\s*(?:async\s+)?(?:function\b|\([^)]*\)\s*(?::[^=]+)?=>|[\w$]+\s*=>)/,
    /^\s*(?:[\w$]+\.)+([\w$]+)\s*=\s*(?:async\s+)?(?:function\b|\([^)]*\)\s*=>)/,
    /^\s*([\w$]+)\s*:\s*(?:async\s+)?(?:function\b|\([^)]*\)\s*=>)/,
  ],
};
NAME_RES.ts = NAME_RES.js;
const KW = new Set(
  'if for while switch catch return function new typeof await else do super this throw delete void yield case'.split(
    ' ',
  ),
);
function allNames(lines, lang) {
  const out = [];
  for (const l of lines)
    for (const re of NAME_RES[lang]) {
      const m = l.match(re);
      if (m && !KW.has(m[1])) {
        out.push(m[1]);
        break;
      }
    }
  return out;
}

// ---- parameters ----
function paramNames(sigText, lang) {
  const i = sigText.indexOf('(');
  if (i < 0) return [];
  let d = 0;
  let j = i;
  for (; j < sigText.length; j++) {
    if ('([{<'.includes(sigText[j])) d++;
    else if (')]}>'.includes(sigText[j]) && !(sigText[j] === '>' && sigText[j - 1] === '=')) {
      d--;
      if (d === 0) break;
    }
  }
  // split the parameter list at top-level commas
  const inner = sigText.slice(i + 1, j);
  const items = [];
  let cur = '';
  d = 0;
  for (const ch of inner) {
    if ('([{<'.includes(ch)) d++;
    else if (')]}>'.includes(ch)) d--;
    if (ch === ',' && d === 0) (items.push(cur), (cur = ''));
    else cur += ch;
  }
  if (cur.trim()) items.push(cur);
  const names = [];
  for (let it of items) {
    it = it.replace(/\/\/.*$|\/\*.*?\*\//gm, '').trim();
    if (!it) continue;
    let m;
    if (lang === 'py') m = it.match(/^\**\s*([A-Za-z_]\w*)/);
    else if (lang === 'js' || lang === 'ts')
      m = it.replace(/^(?:public|private|protected|readonly|override)\s+/g, '').match(/^(?:\.\.\.)?([A-Za-z_$][\w$]*)/);
    else if (lang === 'rs') m = it.match(/^(?:mut\s+)?([A-Za-z_]\w*)\s*:/);
    else if (lang === 'java') m = it.replace(/\s*\[\]\s*$/, '').match(/([A-Za-z_$][\w$]*)\s*$/);
    else if (lang === 'go') m = it.match(/^([A-Za-z_]\w*)(?:\s+\S|$)/);
    if (m && !/^(self|cls|this|_)$/.test(m[1])) names.push(m[1]);
  }
  if (lang === 'go') {
    // `a, b int`: single tokens are names only when some item has a type after the name
    const typed = items.some((x) => /^\s*[A-Za-z_]\w*\s+\S/.test(x));
    if (!typed) return [];
  }
  return [...new Set(names)];
}

const identLike = (p) => /_|[a-z][A-Z]|\d/.test(p) && p.length > 1;
const esc = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function makeQuery(desc, name, kind, params) {
  const self = kind === 'method' ? 'this method' : 'this function';
  let q = desc;
  const n = esc(name);
  // own name: self.name / this.name / name() / `name` / bare word, not when qualified by another symbol
  q = q.replace(new RegExp('`(?:self\\.|this\\.|#)?' + n + '(?:\\(\\))?`', 'g'), self);
  q = q.replace(
    new RegExp('(?<![\\w$.:#])(?:self\\.|this\\.)?' + n + '(?:\\(\\))?(?![\\w$]|\\.[A-Za-z_]|::)', 'g'),
    self,
  );
  // Go/Rust style "Name does x" with the name's case changed (lexChar: "LexChar scans ..."): only as the first word
  if (name.length >= 4) q = q.replace(new RegExp('^`?' + n + '`?(?=\\s)', 'i'), self);
  for (const p of params) {
    if (p === name || p.length < 2) continue;
    const pe = esc(p);
    q = q.replace(
      new RegExp('\\b(the|a|an)\\s+`' + pe + '`\\s+(argument|parameter|param|arg|value|option|options)\\b', 'gi'),
      'the given $2',
    );
    q = q.replace(new RegExp('\\b(the|a|an)\\s+`' + pe + '`', 'gi'), 'the given argument');
    q = q.replace(new RegExp('`' + pe + '`', 'g'), 'the given argument');
    if (identLike(p)) {
      q = q.replace(new RegExp('\\b(the|a|an)\\s+' + pe + '(?![\\w$])', 'g'), 'the given argument');
      q = q.replace(new RegExp('(?<![\\w$.])' + pe + '(?![\\w$])', 'g'), 'the given argument');
    }
  }
  q = q.replace(/(^|[.!?]\s+)(this (?:function|method))/g, (m, a, b) => a + b.charAt(0).toUpperCase() + b.slice(1));
  return q.charAt(0).toUpperCase() + q.slice(1);
}

const BAD_START =
  /^(Deprecated|See|Note|Same as|Override|Overrides|Overridden|Alias|Implementation of|Implements|Inherited|Internal|Private|Equivalent to|Shorthand|Use |Please|Do not|Don't|Copied|Ported|Adapted|Generated|Callback|Helper|Exported for testing|For testing|Test)\b/i;

// Rust: line ranges of `#[cfg(test)] mod ... { }` / `mod tests { }`
function rustTestRanges(lines) {
  const r = [];
  for (let i = 0; i < lines.length; i++) {
    const m = lines[i].match(/^(\s*)(?:pub\s+)?mod\s+(\w+)\s*\{\s*$/);
    if (!m) continue;
    if (!(m[2] === 'tests' || m[2] === 'test' || /#\[cfg\(test\)\]/.test(lines[i - 1] ?? ''))) continue;
    let e = i + 1;
    while (e < lines.length && lines[e] !== m[1] + '}') e++;
    r.push([i, e]);
  }
  return r;
}

function pyNested(lines, start) {
  const ind = lines[start].match(/^\s*/)[0].length;
  if (!ind) return false;
  for (let k = start - 1; k >= 0; k--) {
    const l = lines[k];
    if (!l.trim()) continue;
    const i2 = l.match(/^\s*/)[0].length;
    if (i2 < ind) return /^\s*(async\s+)?def\s/.test(l) || !/^\s*class\s/.test(l);
  }
  return false;
}

// ---- build ----
const tasks = [];
const stats = { repos: {}, contexts: 0, candidates: 0 };
const heldout = Object.entries(split.repos)
  .filter(([, v]) => v.split === 'heldout')
  .map(([r]) => r)
  .sort();
const shortName = (repo) =>
  repo
    .split('/')[1]
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-');
const shortCount = {};
for (const r of heldout) shortCount[shortName(r)] = (shortCount[shortName(r)] ?? 0) + 1;
const tag = (repo) =>
  shortCount[shortName(repo)] > 1 ? repo.toLowerCase().replace(/[^a-z0-9]+/g, '-') : shortName(repo);

for (const repo of heldout) {
  const m = manifest[repo];
  const key = repo.replace('/', '+');
  const root = path.join(SRC, key);
  if (!m || !fs.existsSync(root)) continue;
  const rnd = seededRandom(parseInt(sha1('needle:' + repo).slice(0, 8), 16));
  const all = [...walk(root)].map((p) => path.relative(root, p).split(path.sep).join('/'));
  const perLangCands = [];
  for (const L of LANGS) {
    const lang = KEY[L];
    const files = all.filter((p) => TASK_EXT[lang].test(p) && langOfPath(p, m.hLang) === lang && !p.endsWith('.d.ts'));
    if (!files.length) continue;
    // contexts per directory
    const byDir = new Map();
    for (const p of files) {
      const content = fs.readFileSync(path.join(root, p), 'utf8');
      if (content.length < 400 || content.length > 50000) continue;
      const d = path.posix.dirname(p);
      if (!byDir.has(d)) byDir.set(d, []);
      byDir.get(d).push({ path: p, content });
    }
    const contexts = [];
    for (const [dir, fl] of [...byDir.entries()].sort()) {
      fl.sort((a, b) => (a.path < b.path ? -1 : 1));
      let cur = [];
      let size = 0;
      const flush = () => {
        if (size >= MIN_CTX) contexts.push({ dir, files: cur });
        cur = [];
        size = 0;
      };
      for (const f of fl) {
        const s = header(lang, f.path).length + 1 + f.content.length;
        if (size + s > MAX_CTX) flush();
        if (s > MAX_CTX) continue;
        cur.push(f);
        size += s;
      }
      flush();
    }
    // candidates per context
    for (const ctx of contexts) {
      const fileLines = ctx.files.map((f) => f.content.split('\n'));
      const names = {};
      fileLines.forEach((ls) => allNames(ls, lang).forEach((n) => (names[n] = (names[n] ?? 0) + 1)));
      const docs = [];
      const perFile = fileLines.map((ls, fi) => {
        let fns = [];
        try {
          fns = documentedMore(ls, lang);
        } catch {
          fns = [];
        }
        const testR = lang === 'rs' ? rustTestRanges(ls) : [];
        return fns.map((f) => {
          const desc = describe(f.doc, lang, { maxSentences: 8, maxWords: 110, minWords: 8 });
          if (desc) docs.push({ fi, start: f.start, set: tokenSet(desc), first: desc.split(/(?<=[.!?])\s/)[0] });
          return { ...f, fi, desc, inTest: testR.some(([a, b]) => f.start > a && f.start < b) };
        });
      });
      const cands = [];
      for (const fns of perFile) {
        for (const f of fns) {
          const ls = fileLines[f.fi];
          if (!f.desc || f.inTest) continue;
          if (f.docStart < 0 || f.docEnd < f.docStart) continue;
          if (lang === 'py' && pyNested(ls, f.start + (ls[f.start].trim().startsWith('@') ? 0 : 0))) {
            // find the def line (start may be a decorator)
            let dl = f.start;
            while (ls[dl].trim().startsWith('@')) dl++;
            if (pyNested(ls, dl)) continue;
          }
          if (
            lang === 'rs' &&
            ls.slice(Math.max(0, f.start - 3), f.start + 1).some((l) => /#\[(tokio::)?test\]/.test(l))
          )
            continue;
          if (names[f.name] !== 1) continue;
          if (BAD_START.test(f.desc) || /\b(TODO|FIXME)\b/.test(f.desc)) continue;
          // edited file: remove doc lines (+ blank line rules)
          const delA = f.docStart;
          let delB = f.docEnd;
          if (lang === 'py') {
            if (delB + 1 < ls.length && !ls[delB + 1].trim() && delB + 1 <= f.end) delB++;
          } else if ((lang === 'js' || lang === 'ts' || lang === 'java') && delB + 1 < f.start && !ls[delB + 1].trim())
            delB++;
          const cut = delB - delA + 1;
          const edited = [...ls.slice(0, delA), ...ls.slice(delB + 1)];
          const s = f.start > delB ? f.start - cut : f.start;
          const e = f.end - cut;
          const span = e - s + 1;
          if (span < 10 || span > 80) continue;
          // params from the signature
          let sl = s;
          while (sl < e && /^\s*(@|#\[)/.test(edited[sl])) sl++;
          let sig = mask(edited.slice(sl, Math.min(e + 1, sl + 15)).join('\n'), lang);
          if (lang === 'go') sig = sig.replace(/^\s*func\s*\([^)]*\)\s*/, 'func ');
          const params = paramNames(sig, lang);
          const query = makeQuery(f.desc, f.name, f.kind, params);
          const qWords = words(query);
          if (qWords.length < 8) continue;
          const nameWords = splitWords(f.name);
          const qStems = new Set(qWords.map(stem));
          const leak = nameWords.filter((w) => qStems.has(stem(w))).length / (nameWords.length || 1);
          if (leak === 1) continue;
          if (/^[a-z]+$/.test(f.name) && new RegExp('\\b' + f.name + '\\b', 'i').test(f.desc.replace(/`[^`]*`/g, '')))
            continue;
          // unambiguous
          const mine = docs.find((d) => d.fi === f.fi && d.start === f.start);
          if (!mine) continue;
          if (docs.some((d) => d !== mine && jaccard(d.set, mine.set) >= 0.75)) continue;
          const firstRaw =
            f.doc
              .split('\n')
              .map((l) => l.trim())
              .filter(Boolean)[0] ?? '';
          const probe = mine.first.slice(0, 60);
          const others = ctx.files.map((x, k) => (k === f.fi ? edited.join('\n') : x.content)).join('\n');
          if (probe.length > 20 && others.includes(probe)) continue;
          if (firstRaw.length > 20 && others.includes(firstRaw)) continue;
          cands.push({ f, edited, s, e, query, leak, fi: f.fi });
        }
      }
      stats.candidates += cands.length;
      if (cands.length) contexts.length && perLangCands.push({ lang, ctx, cands });
    }
  }
  // choose contexts: round-robin over directories by number of candidates, up to 4 per language
  const chosen = [];
  const byLangDir = {};
  for (const c of perLangCands) ((byLangDir[c.lang] ??= {})[c.ctx.dir] ??= []).push(c);
  for (const lang of Object.keys(byLangDir)) {
    const dirs = Object.values(byLangDir[lang]).map((l) => l.sort((a, b) => b.cands.length - a.cands.length));
    dirs.sort((a, b) => b[0].cands.length - a[0].cands.length);
    let taken = 0;
    for (let round = 0; taken < 4; round++) {
      let any = false;
      for (const d of dirs) if (d[round] && taken < 4) (chosen.push(d[round]), taken++, (any = true));
      if (!any) break;
    }
  }
  // pick needles: round-robin over chosen contexts, position buckets, low name leak first
  const picks = [];
  const per = new Map();
  const pools = chosen.map((c) => {
    // relative position of each candidate in its context
    const lineCounts = c.ctx.files.map((x) => x.content.split('\n').length - 1);
    const total = lineCounts.reduce((a, b) => a + b + 1, 0);
    for (const k of c.cands) {
      let off = 0;
      for (let q = 0; q < k.fi; q++) off += 1 + lineCounts[q];
      k.rel = (off + 1 + k.s + 1) / total;
      k.bucket = Math.min(4, Math.floor(k.rel * 5));
      k.r = rnd();
    }
    return { c, list: [...c.cands].sort((a, b) => a.leak - b.leak || a.r - b.r), usedBuckets: new Set(), perFile: {} };
  });
  let guard = 0;
  while (picks.length < PER_REPO && pools.some((p) => p.list.length) && guard++ < 1000) {
    for (const p of pools) {
      if (picks.length >= PER_REPO) break;
      if ((per.get(p) ?? 0) >= 4) continue;
      let idx = p.list.findIndex((k) => !p.usedBuckets.has(k.bucket) && (p.perFile[k.fi] ?? 0) < 2);
      if (idx < 0) idx = p.list.findIndex((k) => (p.perFile[k.fi] ?? 0) < 2);
      if (idx < 0) {
        p.list = [];
        continue;
      }
      const k = p.list.splice(idx, 1)[0];
      p.usedBuckets.add(k.bucket);
      if (p.usedBuckets.size >= 5) p.usedBuckets.clear();
      p.perFile[k.fi] = (p.perFile[k.fi] ?? 0) + 1;
      per.set(p, (per.get(p) ?? 0) + 1);
      picks.push({ pool: p, k });
    }
  }
  // emit
  const ctxIds = new Map();
  let nn = 0;
  for (const { pool, k } of picks) {
    const c = pool.c;
    const L = LANG_NAMES[c.lang];
    if (!ctxIds.has(c)) ctxIds.set(c, ctxIds.size);
    const files = c.ctx.files.map((x, i) => ({ path: x.path, content: i === k.fi ? k.edited.join('\n') : x.content }));
    // canonical concatenation
    let off = 0;
    let cs = 0;
    for (let i = 0; i < files.length; i++) {
      if (i === k.fi) cs = off + 1 + (k.s + 1);
      off += 1 + (files[i].content.split('\n').length - 1);
    }
    const code = k.edited.slice(k.s, k.e + 1).join('\n');
    const concat = files.map((x) => header(c.lang, x.path) + '\n' + x.content).join('');
    const cl = concat.split('\n');
    if (cl.slice(cs - 1, cs - 1 + (k.e - k.s + 1)).join('\n') !== code) {
      console.error('validation failed', repo, k.f.name);
      continue;
    }
    const docLines = k.f.doc
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l.length > 25);
    const fileText = files[k.fi].content;
    const origDoc = c.ctx.files[k.fi].content
      .split('\n')
      .slice(k.f.docStart, k.f.docEnd + 1)
      .join('\n');
    if (
      fileText
        .split('\n')
        .slice(Math.max(0, k.s - 3), k.e + 1)
        .join('\n')
        .includes(docLines[0] ?? '\u0000')
    ) {
      console.error('doc still present', repo, k.f.name);
      continue;
    }
    nn++;
    const totalLines = cl.length - 1;
    tasks.push({
      id: `${L}.${tag(repo)}.${String(nn).padStart(2, '0')}`,
      language: L,
      repo,
      commit: m.commit,
      license: m.licence,
      contextId: `${tag(repo)}#${ctxIds.get(c)}`,
      contextTokensEst: Math.round(files.reduce((a, x) => a + x.content.length, 0) / 3.5),
      files,
      query: k.query,
      needle: {
        path: files[k.fi].path,
        name: k.f.name,
        kind: k.f.kind,
        startLine: k.s + 1,
        endLine: k.e + 1,
        contextStartLine: cs,
        contextEndLine: cs + (k.e - k.s),
        relativePosition: Math.round((cs / totalLines) * 1000) / 1000,
        nameLeak: Math.round(k.leak * 100) / 100,
        code,
        originalDoc: origDoc,
      },
    });
  }
  stats.repos[repo] = nn;
  process.stderr.write(`${repo} ${nn}\n`);
}
fs.writeFileSync(OUT, tasks.map((t) => JSON.stringify(t)).join('\n') + '\n');
if (FILES_DIR) {
  fs.rmSync(FILES_DIR, { recursive: true, force: true });
  for (const t of tasks)
    for (const f of t.files) {
      const p = path.join(FILES_DIR, t.id, f.path);
      fs.mkdirSync(path.dirname(p), { recursive: true });
      fs.writeFileSync(p, f.content);
    }
}
const perLang = {};
for (const t of tasks) perLang[t.language] = (perLang[t.language] ?? 0) + 1;
console.log(JSON.stringify({ tasks: tasks.length, perLang, perRepo: stats.repos }));
