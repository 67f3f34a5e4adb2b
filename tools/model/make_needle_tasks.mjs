// Needle-style retrieval tasks built from the model corpus's HELD-OUT 'dev' split, for tuning the model's
// mixture on the compressor's real job (rank a function among its package's code for a description)
// without touching the benchmark sets. Same format as the needle benchmark's tasks.jsonl:
//   needle = a documented function of a 'dev' file (never in corpus.txt); its doc comment is removed from the
//   file and becomes the query (cleaned of comment markers and @tags); the context is that file plus sibling
//   files of the same language from its directory (any split) up to ~8k-16k tokens.
// Usage: node tools/model/make_needle_tasks.mjs WORKDIR OUT.jsonl [perLang=10]
import fs from 'node:fs';
import path from 'node:path';
import { cleanDoc, documented } from './lib/docs.mjs';
import { langOf } from './lib/extract.mjs';

const [workArg, outArg, perArg = '10'] = process.argv.slice(2);
const PER = Number(perArg);
const split = JSON.parse(fs.readFileSync(path.join(workArg, 'split.json'), 'utf8')).dev;
let seed = 4242;
const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
const shuffle = (a) => {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
};
const estTokens = (s) => Math.ceil(s.length / 3.6);

const byLang = {};
for (const ent of shuffle([...split].sort((a, b) => (a.file < b.file ? -1 : 1)))) {
  const lang = langOf(ent.file);
  if (!lang || (byLang[lang]?.length ?? 0) >= PER) continue;
  let src;
  try {
    src = fs.readFileSync(ent.file, 'utf8');
  } catch {
    continue;
  }
  if (estTokens(src) > 14000) continue;
  const lines = src.split('\n');
  const fns = documented(lines, lang)
    .map((f) => ({ ...f, query: cleanDoc(f.doc, f.name) }))
    .filter((f) => f.query);
  if (fns.length === 0) continue;
  const f = fns[Math.floor(rnd() * fns.length)];
  const cut = f.docEnd - f.docStart + 1;
  const kept = [...lines.slice(0, f.docStart), ...lines.slice(f.docEnd + 1)];
  const needleStart = f.start > f.docEnd ? f.start - cut : f.start; // python: header stays above the docstring
  const needleEnd = f.end - cut;
  const rel = (p) => path.relative(path.dirname(path.dirname(ent.file)), p);
  const files = [{ path: rel(ent.file), content: kept.join('\n') }];
  let tokens = estTokens(files[0].content);
  const dir = path.dirname(ent.file);
  const siblings = shuffle(
    fs
      .readdirSync(dir)
      .map((n) => path.join(dir, n))
      .filter((p) => p !== ent.file && langOf(p) === lang && fs.statSync(p).isFile()),
  );
  for (const p of siblings) {
    if (tokens >= 8000) break;
    const c = fs.readFileSync(p, 'utf8');
    if (tokens + estTokens(c) > 16000 || c.includes('\0')) continue;
    files.push({ path: rel(p), content: c });
    tokens += estTokens(c);
  }
  if (tokens < 3000) continue;
  shuffle(files);
  const code = kept.slice(needleStart, needleEnd + 1).join('\n');
  const id = `${lang}.${path.basename(ent.file)}.${f.name}`;
  (byLang[lang] ??= []).push({
    id,
    language: { py: 'python', js: 'javascript', ts: 'typescript', go: 'go', rs: 'rust' }[lang],
    files,
    query: f.query,
    needle: { path: rel(ent.file), name: f.name, startLine: needleStart + 1, endLine: needleEnd + 1, code },
  });
}
const tasks = Object.values(byLang).flat();
fs.writeFileSync(outArg, tasks.map((t) => JSON.stringify(t)).join('\n') + '\n');
console.log(Object.fromEntries(Object.entries(byLang).map(([k, v]) => [k, v.length])), tasks.length, 'tasks');
