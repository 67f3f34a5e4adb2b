// Ranking study on feature dumps (bench/needle/dump-features.ts): per chunk the model's AMI, and
// the lexical signals computed here (BM25 over name + text, BM25F with a name field, the
// word-association gain); fused as a weighted sum of per-task z-scores. Weights are fitted by
// grid search on --fit sets only (our own tasks from held-out repositories, never needle-dev)
// and reported on every --eval set next to each signal alone.
//
//   npx tsx bench/needle/fusion-study.ts --fit OWN.jsonl [--eval needle-dev-features.jsonl ...]
//       [--assoc DIR] [--ratio 0.2] [--out bench/results/fusion-study.json]
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { bm25fScores, bm25Scores } from '../../src/core/code/bm25.js';
import { WordAssociation } from '../../src/core/model/word-association.js';
import { zScores } from '../../src/core/code/rank.js';

const { values: args } = parseArgs({
  options: {
    fit: { type: 'string', multiple: true, default: [] },
    eval: { type: 'string', multiple: true, default: [] },
    assoc: { type: 'string' },
    ratio: { type: 'string', default: '0.2' },
    step: { type: 'string', default: '0.05' },
    out: { type: 'string' },
  },
});

interface DumpChunk {
  file: string;
  name: string;
  kind: string;
  parent: string | null;
  tokens: number;
  ami: number | null;
  text: string;
}
interface DumpTask {
  id: string;
  language: string;
  query: string;
  needle: number;
  totalTokens: number;
  chunks: DumpChunk[];
}
const SIGNALS = ['ami', 'bm25', 'bm25f', 'assoc'] as const;
type Signal = (typeof SIGNALS)[number];
interface Featured {
  id: string;
  language: string;
  needle: number;
  totalTokens: number;
  tokens: number[];
  z: Record<Signal, number[]>;
}

const assoc = args.assoc ? WordAssociation.load(args.assoc) : null;
if (args.assoc && !assoc) throw new Error(`no word association in ${args.assoc}`);

function featurize(file: string): Featured[] {
  const out: Featured[] = [];
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const t = JSON.parse(line) as DumpTask;
    if (t.needle < 0) continue;
    const docs = t.chunks.map((c) => ({ name: [c.parent ?? '', c.name].join(' '), body: c.text }));
    const qIds = assoc ? assoc.wordIds(t.query) : [];
    const raw: Record<Signal, number[]> = {
      ami: t.chunks.map((c) => c.ami ?? 0),
      bm25: bm25Scores(
        t.chunks.map((c) => `${c.name} ${c.text}`),
        t.query,
      ),
      bm25f: bm25fScores(docs, t.query),
      assoc: t.chunks.map((c) => (assoc ? assoc.relevance(qIds, c.text) : 0)),
    };
    out.push({
      id: t.id,
      language: t.language,
      needle: t.needle,
      totalTokens: t.totalTokens,
      tokens: t.chunks.map((c) => c.tokens),
      z: Object.fromEntries(SIGNALS.map((s) => [s, zScores(raw[s])])) as Record<Signal, number[]>,
    });
  }
  return out;
}

function metrics(tasks: Featured[], w: Record<Signal, number>, ratio: number) {
  let rr = 0;
  let kept = 0;
  for (const t of tasks) {
    const s = t.tokens.map((_, i) => SIGNALS.reduce((a, k) => a + w[k] * t.z[k][i], 0));
    const order = s.map((v, i) => ({ v, i })).sort((a, b) => b.v - a.v || a.i - b.i);
    const pos = order.findIndex((o) => o.i === t.needle);
    rr += 1 / (pos + 1);
    let left = Math.floor(ratio * t.totalTokens);
    for (const o of order) {
      if (t.tokens[o.i] + 16 > left) continue;
      left -= t.tokens[o.i] + 16;
      if (o.i === t.needle) {
        kept++;
        break;
      }
    }
  }
  return { n: tasks.length, mrr: rr / tasks.length, kept: kept / tasks.length };
}

function grid(step: number, signals: Signal[]): Array<Record<Signal, number>> {
  const out: Array<Record<Signal, number>> = [];
  const n = Math.round(1 / step);
  const rec = (k: number, left: number, acc: number[]) => {
    if (k === signals.length - 1) {
      const w = Object.fromEntries(SIGNALS.map((s) => [s, 0])) as Record<Signal, number>;
      [...acc, left].forEach((v, j) => (w[signals[j]] = v * step));
      out.push(w);
      return;
    }
    for (let v = 0; v <= left; v++) rec(k + 1, left - v, [...acc, v]);
  };
  rec(0, n, []);
  return out;
}

const ratio = Number(args.ratio);
const fitSets = (args.fit as string[]).map((f) => ({ file: f, tasks: featurize(f) }));
const evalSets = (args.eval as string[]).map((f) => ({ file: f, tasks: featurize(f) }));
const fitTasks = fitSets.flatMap((s) => s.tasks);
const active: Signal[] = assoc ? ['ami', 'bm25f', 'assoc'] : ['ami', 'bm25f'];
let best = { w: {} as Record<Signal, number>, score: -1 };
for (const w of fitTasks.length > 0 ? grid(Number(args.step), active) : []) {
  const m = metrics(fitTasks, w, ratio);
  const score = m.mrr + m.kept; // both matter: the needle's rank and whether it survives the budget
  if (score > best.score + 1e-9) best = { w, score };
}
const one = (s: Signal) => Object.fromEntries(SIGNALS.map((k) => [k, k === s ? 1 : 0])) as Record<Signal, number>;
const rows: Array<{ method: string; w: Record<Signal, number> }> = [
  ...SIGNALS.filter((s) => s !== 'assoc' || assoc).map((s) => ({ method: `${s} alone`, w: one(s) })),
];
if (best.score >= 0)
  rows.push({ method: `fused (fitted: ${active.map((s) => `${s} ${best.w[s].toFixed(2)}`).join(', ')})`, w: best.w });
const report: Record<string, unknown> = { ratio, fittedOn: fitSets.map((s) => s.file), weights: best.w, sets: {} };
for (const set of [...fitSets, ...evalSets]) {
  console.log(`\n${set.file} (${set.tasks.length} tasks)`);
  console.log('| method | MRR | kept@' + ratio + ' |\n| --- | --- | --- |');
  const res: Record<string, unknown> = {};
  for (const r of rows) {
    const m = metrics(set.tasks, r.w, ratio);
    res[r.method] = m;
    console.log(`| ${r.method} | ${m.mrr.toFixed(3)} | ${m.kept.toFixed(3)} |`);
  }
  (report.sets as Record<string, unknown>)[set.file] = res;
}
if (args.out) fs.writeFileSync(args.out, JSON.stringify(report, null, 2) + '\n');
