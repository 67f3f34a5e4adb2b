#!/usr/bin/env node
// Writes tools/model/corpus-sources.json from the corpus work files (extract-manifest.json, split.json,
// pair stats, task file, decontamination logs).
// Usage: node build_manifest.mjs --corpus /work/corpus --pairs-stats F --pairs F --tasks F --out F
import fs from 'node:fs';
import path from 'node:path';
import { LANG_NAMES } from '../lib/docs_more.mjs';
import { BENCHMARK_REPOSITORIES } from '../lib/extract.mjs';

const args = process.argv.slice(2);
const opt = (k, d) => (args.includes(k) ? args[args.indexOf(k) + 1] : d);
const C = opt('--corpus', '/work/corpus');
const OUT = opt('--out', '/work/main/tools/model/corpus-sources.json');
const PSTATS = opt('--pairs-stats', path.join(C, 'pairs-raw2.stats.json'));
const PAIRS = opt('--pairs', path.join(C, 'pairs-train.jsonl'));
const TASKS = opt('--tasks', path.join(C, 'tasks-heldout.jsonl'));
const read = (f) => JSON.parse(fs.readFileSync(path.join(C, f), 'utf8'));
const m = read('extract-manifest.json');
const split = read('split.json');
const pstats = JSON.parse(fs.readFileSync(PSTATS, 'utf8'));

// pairs kept after decontamination, per repo
const kept = {};
const keptLang = {};
let nPairs = 0;
for (const l of fs.readFileSync(PAIRS, 'utf8').split('\n')) {
  if (!l) continue;
  const r = JSON.parse(l);
  kept[r.repo] = (kept[r.repo] ?? 0) + 1;
  keptLang[r.lang] = (keptLang[r.lang] ?? 0) + 1;
  nPairs++;
}
const tasks = {};
const taskLang = {};
let nTasks = 0;
for (const l of fs.readFileSync(TASKS, 'utf8').split('\n')) {
  if (!l) continue;
  const t = JSON.parse(l);
  tasks[t.repo] = (tasks[t.repo] ?? 0) + 1;
  taskLang[t.language] = (taskLang[t.language] ?? 0) + 1;
  nTasks++;
}
const summary = (f) => {
  try {
    return fs.readFileSync(path.join(C, f), 'utf8').trim().split('\n').pop();
  } catch {
    return null;
  }
};
const repos = [];
const excluded = [];
for (const x of Object.values(m)) {
  if (x.status !== 'ok') {
    excluded.push({
      repo: x.repo,
      commit: x.commit ?? null,
      reason: x.status,
      licenceFound: x.licenceFound,
      licenceBad: x.licenceBad,
    });
    continue;
  }
  const s = split.repos[x.repo];
  if (!s) continue;
  const langs = Object.entries(x.langs)
    .sort((a, b) => b[1] - a[1])
    .map(([k]) => LANG_NAMES[k]);
  repos.push({
    repo: x.repo,
    commit: x.commit,
    licence: x.licence,
    licenceFiles: x.licenceFiles,
    languages: langs,
    primary: s.primary,
    split: s.split,
    bucket: s.bucket,
    ...(s.promoted ? { promoted: true } : {}),
    filesExtracted: x.filesExtracted,
    filesDroppedByDecontamination: x.decontamDropped,
    filesKept: x.filesKept,
    pairs: s.split === 'train' ? (kept[x.repo] ?? 0) : 0,
    tasks: tasks[x.repo] ?? 0,
  });
}
for (const r of 'django/django pandas-dev/pandas scikit-learn/scikit-learn pyca/cryptography angular/angular nestjs/nest microsoft/vscode microsoft/TypeScript ionic-team/ionic-framework puppeteer/puppeteer mrdoob/three.js facebook/react google/guava apache/lucene bitcoin/bitcoin grpc/grpc openssl/openssl dotnet/aspnetcore dotnet/runtime dotnet/roslyn phaserjs/phaser go-gitea/gitea swc-project/swc'.split(
  ' ',
))
  excluded.push({ repo: r, commit: null, reason: 'not fetched: snapshot over the 500 MiB limit' });
repos.sort((a, b) => (a.repo.toLowerCase() < b.repo.toLowerCase() ? -1 : 1));
const perPrimary = {};
for (const r of repos) {
  perPrimary[r.primary] ??= { train: 0, heldout: 0 };
  perPrimary[r.primary][r.split]++;
}
const filesDropped = fs.readFileSync(path.join(C, 'dropped-files.txt'), 'utf8').split('\n').filter(Boolean).length;
const out = {
  built: new Date().toISOString().slice(0, 10),
  description:
    'Whole-repository (code, description) training pairs and held-out needle tasks for ContextZip. Fetched code is never committed; rebuild with tools/model/CORPUS.md.',
  tools: {
    fetch: 'fetch tool (github:owner/name -> bare git snapshot), HEAD commit recorded below',
    extract: 'extract_repos.mjs (licence check from LICENSE/COPYING text, file filters, cap 3000 files/repo, CRLF->LF)',
    decontaminate:
      'shared/tools/decontaminate.mjs (files mode on the extracted sources and on the task files; jsonl mode --fields code,doc on the pairs)',
    pairs:
      'tools/model/make_repo_pairs.mjs + tools/model/lib/docs_more.mjs (which reuses lib/docs.mjs for py/go/rs and js/ts function declarations)',
    tasks: 'tools/model/make_repo_needle_tasks.mjs',
    scorer: 'shared/bench/needle-dev/score.mjs --baseline bm25|random --tasks tasks-heldout.jsonl',
  },
  split: { rule: split.rule, perPrimaryLanguage: perPrimary },
  totals: {
    repositories: repos.length,
    train: repos.filter((r) => r.split === 'train').length,
    heldout: repos.filter((r) => r.split === 'heldout').length,
    filesKept: repos.reduce((a, r) => a + r.filesKept, 0),
    pairs: nPairs,
    pairsPerLanguage: keptLang,
    pairsBeforeDecontamination: pstats.total,
    documentedFunctionsSeen: pstats.functions,
    tasks: nTasks,
    tasksPerLanguage: taskLang,
  },
  decontamination: {
    files: {
      rounds: ['decontam-files-round1.log', 'decontam-files-round2.log', 'decontam-files-round3.log'].map(summary),
      filesDropped,
      note: 'Most dropped files are dropped for shared licence-header lines (ASF / Kubernetes Apache-2.0 headers, Go BSD headers): whole Apache-foundation Java repos (kafka, dubbo, commons-*, spring headers) lose nearly every file. Repositories whose own code matches the fingerprints (thousands of distinct lines, i.e. sources of the benchmark sets) were excluded entirely: see excluded[].',
    },
    pairs: { summary: summary('decontam-pairs2.log') },
    tasks: { summary: summary('decontam-tasks2.log'), tasksDropped: Number(opt('--tasks-dropped', '0')) },
  },
  benchmarkRepositoriesNeverUsed: BENCHMARK_REPOSITORIES,
  repositories: repos,
  excluded,
};
fs.writeFileSync(OUT, JSON.stringify(out, null, 1) + '\n');
console.log(JSON.stringify(out.totals));
