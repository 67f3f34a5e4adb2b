// Needle retention benchmark: runs a needle data set (RepoQA-style tasks; the dev set lives
// outside the repo) through `contextzip compress --json` with the data set's own scorer, next
// to its random and BM25 baselines, and writes one table + JSON into bench/results/.
//
//   npm run build
//   node bench/needle/run.mjs --data ../shared/bench/needle-dev [--name dev] [--model embedded] [--dtype q8]
//        [--ratios 0.1,0.2,0.3] [--limit N] [--jobs 1] [--extra "--beta 0.5"]
//
// The data set folder must hold score.mjs and tasks.jsonl. Results: bench/results/needle-<name>.{json,md}.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: {
    data: { type: 'string' },
    name: { type: 'string', default: 'dev' },
    model: { type: 'string', default: 'embedded' },
    dtype: { type: 'string', default: 'q8' },
    ratios: { type: 'string', default: '0.1,0.2,0.3' },
    limit: { type: 'string' },
    filter: { type: 'string' },
    jobs: { type: 'string', default: '1' },
    extra: { type: 'string', default: '' },
    tokenizer: { type: 'string', default: 'o200k_base' },
  },
});
if (!args.data) {
  console.error('usage: node bench/needle/run.mjs --data DIR_WITH_score.mjs_AND_tasks.jsonl [--name N] ...');
  process.exit(2);
}
const repo = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');
const cli = path.join(repo, 'dist', 'cli.js');
if (!fs.existsSync(cli)) {
  console.error('dist/cli.js is missing: run "npm run build" first');
  process.exit(2);
}
const data = path.resolve(args.data);
const score = path.join(data, 'score.mjs');
const out = path.join(repo, 'bench', 'results');
fs.mkdirSync(out, { recursive: true });
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cz-needle-'));
// A fresh score cache per run: ratios after the first reuse the coarse scores (as the
// extension does after an edit), but nothing carries over from earlier runs.
const cacheDir = path.join(tmp, 'cache', 'models');
const common = ['--tasks', path.join(data, 'tasks.jsonl'), '--ratios', args.ratios, '--jobs', args.jobs];
if (args.limit) common.push('--limit', args.limit);
if (args.filter) common.push('--filter', args.filter);

function run(label, extraArgs) {
  const file = path.join(tmp, `results-${label}.json`);
  const t0 = Date.now();
  const r = spawnSync(process.execPath, [score, ...common, ...extraArgs, '--out', file], {
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  });
  if (r.status !== 0) {
    console.error(r.stdout);
    throw new Error(`${label}: score.mjs exited with ${r.status}`);
  }
  process.stderr.write(`${label}: ${((Date.now() - t0) / 1000).toFixed(0)} s\n`);
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

const cmd = [
  `node ${JSON.stringify(cli)} compress --query-file {query_file} --ratio {ratio} --json`,
  `--model ${JSON.stringify(args.model)} --dtype ${args.dtype} --tokenizer ${args.tokenizer}`,
  `--cache-dir ${JSON.stringify(cacheDir)}`,
  args.extra,
  '{dir}',
].join(' ');
const results = {
  contextzip: run('contextzip', ['--cmd', cmd]),
  bm25: run('bm25', ['--baseline', 'bm25']),
  random: run('random', ['--baseline', 'random']),
};

// Cost: model tokens of our algorithm vs the released algorithm's accounting, from the CLI JSON.
function costSummary(res) {
  const rows = (res.tasks ?? res.results ?? []).flatMap((t) => t.runs ?? t.ratios ?? [t]);
  return rows;
}
void costSummary;

const lines = [];
lines.push(`# Needle retention: ${path.basename(data)} (${new Date().toISOString().slice(0, 10)})`);
lines.push('');
lines.push(
  `contextzip: model ${args.model} (${args.dtype}), tokenizer ${args.tokenizer}${args.extra ? `, extra: ${args.extra}` : ''}`,
);
lines.push('');
for (const [name, res] of Object.entries(results)) {
  lines.push(`## ${name}`);
  lines.push('```');
  lines.push(String(res.table ?? '').trimEnd());
  lines.push('```');
  lines.push('');
}
const md = lines.join('\n');
fs.writeFileSync(path.join(out, `needle-${args.name}.md`), md);
fs.writeFileSync(
  path.join(out, `needle-${args.name}.json`),
  JSON.stringify(
    {
      meta: {
        data,
        model: args.model,
        dtype: args.dtype,
        tokenizer: args.tokenizer,
        extra: args.extra,
        ratios: args.ratios,
        date: new Date().toISOString(),
      },
      summary: Object.fromEntries(Object.entries(results).map(([k, v]) => [k, v.summary])),
      results,
    },
    null,
    1,
  ),
);
console.log(md);
