#!/usr/bin/env node
// (code, description) pairs from whole permissively licensed repositories (see CORPUS.md, corpus-sources.json).
// Walks SRC/<owner+name>/... (files extracted from the repository snapshots and decontaminated), assigns every
// repository to 'train' or 'heldout' (split.json, computed here when missing: sha1("owner/name") % 100 < HELDOUT_PCT
// -> heldout, then per primary language the repositories with the smallest buckets are moved to heldout until
// the language has >= MIN_HELDOUT), and for the TRAIN repositories only writes one JSON line per documented
// function: {repo, lang, path, name, code, doc}
//   code = the function without its doc comment (signature + body, verbatim; decorators/annotations kept)
//   doc  = the doc comment's description (lib/docs_more.mjs `describe`: text before the first tag / section /
//          code block, markup reduced, 1-3 sentences, >= 4 words), a leading own name dropped ("Foo does x" -> "Does x")
// Pairs are deduplicated by sha1(code). The output still has to go through
//   node ../shared/tools/decontaminate.mjs jsonl --fields code,doc < OUT > CLEAN
// Usage: node tools/model/make_repo_pairs.mjs --src /work/corpus/src --manifest /work/corpus/extract-manifest.json
//          --split /work/corpus/split.json --out /work/corpus/pairs-raw.jsonl [--stats stats.json] [--heldout-pct 20]
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { documentedMore, codeWithoutDoc, describe, stripName, LANG_NAMES, langOfPath } from './lib/docs_more.mjs';

const args = process.argv.slice(2);
const opt = (k, d) => (args.includes(k) ? args[args.indexOf(k) + 1] : d);
const SRC = opt('--src', '/work/corpus/src');
const MANIFEST = opt('--manifest', '/work/corpus/extract-manifest.json');
const SPLIT = opt('--split', '/work/corpus/split.json');
const OUT = opt('--out', '/work/corpus/pairs-raw.jsonl');
const STATS = opt('--stats', OUT.replace(/\.jsonl$/, '') + '.stats.json');
const HELDOUT_PCT = Number(opt('--heldout-pct', '20'));
const MIN_HELDOUT = Number(opt('--min-heldout', '3'));
const MAX_CODE_CHARS = 8000;
const MAX_CODE_LINES = 200;

const sha1 = (s) => crypto.createHash('sha1').update(s).digest('hex');
const manifest = JSON.parse(fs.readFileSync(MANIFEST, 'utf8'));

function* walk(dir) {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) yield* walk(p);
    else if (e.isFile()) yield p;
  }
}

// ---- repositories present, their languages (counted on the files left after decontamination) ----
const repos = [];
for (const key of fs.readdirSync(SRC).sort()) {
  const repo = key.replace('+', '/');
  const m = manifest[repo];
  if (!m || m.status !== 'ok') continue;
  const files = [...walk(path.join(SRC, key))].map((p) => path.relative(path.join(SRC, key), p)).sort();
  const langs = {};
  for (const f of files) {
    const l = langOfPath(f, m.hLang);
    if (l) langs[l] = (langs[l] ?? 0) + 1;
  }
  const primary = Object.entries(langs).sort((a, b) => b[1] - a[1])[0]?.[0];
  if (!primary) continue;
  repos.push({ repo, key, files, langs, primary, hLang: m.hLang });
}

// ---- split by repository ----
let split;
if (fs.existsSync(SPLIT)) split = JSON.parse(fs.readFileSync(SPLIT, 'utf8'));
else {
  const bucket = (r) => parseInt(sha1(r).slice(0, 8), 16) % 100;
  split = {
    rule: `sha1("owner/name") % 100 < ${HELDOUT_PCT} -> heldout; then per primary language the smallest buckets until >= ${MIN_HELDOUT} heldout`,
    repos: {},
  };
  for (const r of repos)
    split.repos[r.repo] = {
      split: bucket(r.repo) < HELDOUT_PCT ? 'heldout' : 'train',
      bucket: bucket(r.repo),
      primary: LANG_NAMES[r.primary],
    };
  for (const lang of new Set(repos.map((r) => r.primary))) {
    const mine = repos.filter((r) => r.primary === lang).sort((a, b) => bucket(a.repo) - bucket(b.repo));
    let n = mine.filter((r) => split.repos[r.repo].split === 'heldout').length;
    for (const r of mine) {
      if (n >= MIN_HELDOUT) break;
      if (split.repos[r.repo].split === 'train') {
        split.repos[r.repo].split = 'heldout';
        split.repos[r.repo].promoted = true;
        n++;
      }
    }
  }
  fs.writeFileSync(SPLIT, JSON.stringify(split, null, 1));
}

// ---- pairs ----
const out = fs.createWriteStream(OUT);
const seen = new Set();
const stats = { perLang: {}, perRepo: {}, files: 0, functions: 0, described: 0, dupes: 0, tooLong: 0 };
for (const r of repos) {
  if (split.repos[r.repo]?.split !== 'train') continue;
  let n = 0;
  for (const rel of r.files) {
    const lang = langOfPath(rel, r.hLang);
    if (!lang) continue;
    let text;
    try {
      text = fs.readFileSync(path.join(SRC, r.key, rel), 'utf8');
    } catch {
      continue;
    }
    stats.files++;
    const lines = text.split('\n');
    let fns;
    try {
      fns = documentedMore(lines, lang);
    } catch {
      continue;
    }
    for (const f of fns) {
      stats.functions++;
      let doc = describe(f.doc, lang);
      doc = stripName(doc, f.name);
      if (!doc) continue;
      stats.described++;
      const code = codeWithoutDoc(lines, f).replace(/\s+$/, '');
      const nl = code.split('\n').length;
      if (nl < 3 || code.length < 60 || code.length > MAX_CODE_CHARS || nl > MAX_CODE_LINES) {
        stats.tooLong++;
        continue;
      }
      const h = sha1(code);
      if (seen.has(h)) {
        stats.dupes++;
        continue;
      }
      seen.add(h);
      const L = LANG_NAMES[lang];
      out.write(JSON.stringify({ repo: r.repo, lang: L, path: rel, name: f.name, code, doc }) + '\n');
      stats.perLang[L] = (stats.perLang[L] ?? 0) + 1;
      n++;
    }
  }
  stats.perRepo[r.repo] = n;
  process.stderr.write(`${r.repo} ${n}\n`);
}
out.end();
stats.total = Object.values(stats.perLang).reduce((a, b) => a + b, 0);
fs.writeFileSync(STATS, JSON.stringify(stats, null, 1));
console.log(JSON.stringify({ total: stats.total, perLang: stats.perLang }));
