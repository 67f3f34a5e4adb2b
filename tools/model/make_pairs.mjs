// Build (function code, doc summary) pairs from HELD-OUT files (never in corpus.txt).
// Usage: node tools/model/make_pairs.mjs WORKDIR dev|test [perLang=40]
//   dev  -> WORKDIR/pairs-dev.json   (with token ids; used by py/tune_mixture.py to tune the mixture weights)
//   test -> bench/model/heldout-functions.json (text only; the fixed benchmark set of bench/model/docstring-ranking.mjs)
// Leakage check: a function is dropped when its first 160 characters occur anywhere in corpus.txt.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AutoTokenizer, env } from '@huggingface/transformers';
import { extractFunctions, langOf, sha1 } from './lib/extract.mjs';

env.allowRemoteModels = false;
const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '../..');
const [workArg, which = 'dev', perArg = '40'] = process.argv.slice(2);
const work = path.resolve(workArg ?? path.join(here, 'work'));
const PER = Number(perArg);
const split = JSON.parse(fs.readFileSync(path.join(work, 'split.json'), 'utf8'))[which];
const corpus = fs.readFileSync(path.join(work, 'corpus.txt'), 'utf8');

let seed = which === 'dev' ? 11 : 7;
const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
const byLang = {};
const names = new Set();
let leaked = 0;
for (const ent of [...split].sort((a, b) => (a.file < b.file ? -1 : 1))) {
  const lang = langOf(ent.file);
  let src;
  try {
    src = fs.readFileSync(ent.file, 'utf8');
  } catch {
    continue;
  }
  const fns = extractFunctions(src, lang).filter((fn) => !names.has(lang + fn.name));
  // at most 2 functions per file, deterministic pseudo-random choice
  const chosen = fns
    .map((fn) => [rnd(), fn])
    .sort((a, b) => a[0] - b[0])
    .slice(0, 2)
    .map((x) => x[1]);
  for (const fn of chosen) {
    if (corpus.includes(fn.code.slice(0, 160))) {
      leaked++;
      continue;
    }
    names.add(lang + fn.name);
    const key = lang === 'ts' || lang === 'js' ? 'js/ts' : lang;
    (byLang[key] ??= []).push({ ...fn, file: ent.file, source: ent.source, license: ent.license, pkg: ent.pkg });
  }
}
const items = [];
for (const [key, arr] of Object.entries(byLang)) {
  const pick = arr
    .map((x) => [rnd(), x])
    .sort((a, b) => a[0] - b[0])
    .slice(0, key === 'py' || key === 'js/ts' ? PER * 1.5 : PER)
    .map((x) => x[1]);
  items.push(...pick.map((x) => ({ ...x, group: key })));
}
// 9 distractors per query from the same language group
const groups = {};
items.forEach((it, i) => (groups[it.group] ??= []).push(i));
for (const [i, it] of items.entries()) {
  const pool = groups[it.group].filter((j) => j !== i);
  const d = [];
  while (d.length < Math.min(9, pool.length)) {
    const j = pool[Math.floor(rnd() * pool.length)];
    if (!d.includes(j)) d.push(j);
  }
  it.distractors = d;
}
const counts = Object.fromEntries(Object.entries(groups).map(([k, v]) => [k, v.length]));
if (which === 'dev') {
  const tok = await AutoTokenizer.from_pretrained(path.join(work, 'tok'));
  for (const it of items) {
    it.ctx_ids = tok.encode(it.code + '\n', { add_special_tokens: false }); // code + "\n\n" (code ends with "\n")
    it.query_ids = tok.encode(it.query, { add_special_tokens: false });
  }
  fs.writeFileSync(path.join(work, 'pairs-dev.json'), JSON.stringify({ bos: tok.bos_token_id, items }));
} else {
  const out = path.join(repo, 'bench', 'model', 'heldout-functions.json');
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(
    out,
    JSON.stringify(
      {
        description:
          'Held-out documented functions for bench/model/docstring-ranking.mjs. Built by tools/model/make_pairs.mjs from files of the ' +
          "'test' split (sha1(content) % 100 in [3, 8)) of the local sources listed in tools/model/corpus-manifest.json; none of these files is in the training corpus, " +
          'and no function whose first 160 characters occur in the corpus is kept. Each entry keeps its source file, package and license.',
        counts,
        items: items.map(({ name, lang, group, code, query, file, pkg, license, distractors }) => ({
          name,
          lang,
          group,
          file,
          pkg,
          license,
          query,
          code,
          distractors,
          codeSha1: sha1(code),
        })),
      },
      null,
      1,
    ),
  );
}
console.log(JSON.stringify({ which, counts, leaked }));
