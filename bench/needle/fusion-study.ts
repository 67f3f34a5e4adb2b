// Relevance levers, measured offline on feature dumps (bench/needle/dump-features.ts): per chunk
// the model's AMI (from the dump), BM25 (name + text), BM25F (name field) and the
// word-association gain of one or more trained components (e.g. trained on more or less data).
// Fusion = weighted sum of per-task z-scores (src/core/code/fusion.ts); weights are fitted by grid
// search on the --fit sets only (our own tasks from held-out repositories, never needle-dev)
// and reported on every set next to each signal alone and to random.
//
//   npx tsx bench/needle/fusion-study.ts --fit OWN.jsonl [--eval needle-dev.jsonl ...]
//       [--assoc LABEL=DIR ...] [--ratio 0.2] [--out bench/results/relevance-levers.json]
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { bm25fScores, bm25Scores, lexicalTokens } from '../../src/core/code/bm25.js';
import { zScores } from '../../src/core/code/rank-math.js';
import { WordAssociation } from '../../src/core/model/word-association.js';

const { values: args } = parseArgs({
  options: {
    fit: { type: 'string', multiple: true, default: [] },
    eval: { type: 'string', multiple: true, default: [] },
    assoc: { type: 'string', multiple: true, default: [] },
    ratio: { type: 'string', default: '0.2' },
    step: { type: 'string', default: '0.05' },
    out: { type: 'string' },
  },
});

interface DumpChunk {
  name: string;
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
interface Featured {
  id: string;
  language: string;
  needle: number;
  totalTokens: number;
  tokens: number[];
  z: Record<string, number[]>;
}
type Weights = Record<string, number>;

const assocs = (args.assoc as string[]).map((spec) => {
  const [label, dir] = spec.includes('=') ? spec.split('=') : ['assoc', spec];
  const m = WordAssociation.load(dir);
  if (!m) throw new Error(`no word association in ${dir}`);
  return { label: `assoc:${label}`, m };
});

function featurize(file: string): Featured[] {
  const out: Featured[] = [];
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const t = JSON.parse(line) as DumpTask;
    if (t.needle < 0) continue;
    const raw: Record<string, number[]> = {
      ami: t.chunks.map((c) => c.ami ?? -Infinity),
      bm25: bm25Scores(
        t.chunks.map((c) => `${c.name} ${c.text}`),
        t.query,
      ),
      bm25f: bm25fScores(
        t.chunks.map((c) => ({ name: `${c.parent ?? ''} ${c.name}`, body: c.text })),
        t.query,
      ),
    };
    raw.name = nameOverlap(
      t.chunks.map((c) => c.name),
      t.query,
    );
    for (const a of assocs) {
      const q = a.m.wordIds(t.query);
      raw[a.label] = t.chunks.map((c) => a.m.relevance(q, c.text));
      raw[`${a.label}:name`] = t.chunks.map((c) =>
        a.m.relevance(q, `${c.name}\n${c.text.split('\n').slice(0, 3).join('\n')}`),
      );
    }
    out.push({
      id: t.id,
      language: t.language,
      needle: t.needle,
      totalTokens: t.totalTokens,
      tokens: t.chunks.map((c) => c.tokens),
      z: Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, zScores(v)])),
    });
  }
  return out;
}

/** MRR of the needle's chunk and kept@ratio: whole chunks by rank while they fit (a proxy of retention). */
function metrics(tasks: Featured[], w: Weights, ratio: number) {
  let rr = 0;
  let kept = 0;
  for (const t of tasks) {
    const s = t.tokens.map((_, i) => Object.entries(w).reduce((a, [k, x]) => a + (x ? x * t.z[k][i] : 0), 0));
    const order = s.map((v, i) => ({ v, i })).sort((a, b) => b.v - a.v || a.i - b.i);
    rr += 1 / (order.findIndex((o) => o.i === t.needle) + 1);
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
  return { n: tasks.length, mrr: round(rr / tasks.length), kept: round(kept / tasks.length) };
}

function grid(step: number, signals: string[]): Weights[] {
  const out: Weights[] = [];
  const n = Math.round(1 / step);
  const rec = (k: number, left: number, acc: number[]) => {
    if (k === signals.length - 1) {
      out.push(Object.fromEntries([...acc, left].map((v, j) => [signals[j], round(v * step)])));
      return;
    }
    for (let v = 0; v <= left; v++) rec(k + 1, left - v, [...acc, v]);
  };
  rec(0, n, []);
  return out;
}

function fit(tasks: Featured[], signals: string[]): Weights {
  let best: { w: Weights; score: number } = { w: {}, score: -1 };
  for (const w of grid(Number(args.step), signals)) {
    const m = metrics(tasks, w, ratio);
    // Both matter: the needle's rank (MRR) and whether it survives the budget (kept).
    if (m.mrr + m.kept > best.score + 1e-9) best = { w, score: m.mrr + m.kept };
  }
  return best.w;
}

const round = (x: number) => Math.round(x * 1000) / 1000;
const ratio = Number(args.ratio);
const fitSets = (args.fit as string[]).map((f) => ({ file: f, tasks: featurize(f) }));
const evalSets = (args.eval as string[]).map((f) => ({ file: f, tasks: featurize(f) }));
const fitTasks = fitSets.flatMap((s) => s.tasks);
const rows: Array<{ method: string; w: Weights }> = [
  ...['ami', 'bm25', 'bm25f', 'name', ...assocs.flatMap((a) => [a.label, `${a.label}:name`])].map((s) => ({
    method: `${s} alone`,
    w: { [s]: 1 },
  })),
];
if (fitTasks.length > 0) {
  const fused = (signals: string[]) => {
    const w = fit(fitTasks, signals);
    rows.push({ method: `fused ${signals.map((s) => `${s} ${w[s]}`).join(' + ')}`, w });
  };
  fused(['ami', 'bm25f']);
  fused(['bm25f', 'name']);
  for (const a of assocs) {
    fused(['bm25f', a.label]);
    fused(['ami', 'bm25f', a.label]);
    fused(['bm25f', 'name', a.label]);
    fused(['bm25f', a.label, `${a.label}:name`]);
    fused(['ami', 'bm25f', 'name', a.label]);
  }
}
const report: Record<string, unknown> = { ratio, fittedOn: fitSets.map((s) => s.file), rows, sets: {} };
for (const set of [...fitSets, ...evalSets]) {
  const random = (() => {
    // Expected MRR of a random order: mean over positions of 1/(k+1).
    let mrr = 0;
    for (const t of set.tasks) mrr += t.tokens.reduce((a, _, k) => a + 1 / (k + 1), 0) / t.tokens.length;
    return round(mrr / Math.max(1, set.tasks.length));
  })();
  console.log(`\n${set.file} (${set.tasks.length} tasks; random MRR ${random})`);
  console.log(`| method | MRR | kept@${ratio} |\n| --- | --- | --- |`);
  const res: Record<string, unknown> = { random: { mrr: random } };
  for (const r of rows) {
    const m = metrics(set.tasks, r.w, ratio);
    res[r.method] = m;
    console.log(`| ${r.method} | ${m.mrr.toFixed(3)} | ${m.kept.toFixed(3)} |`);
  }
  (report.sets as Record<string, unknown>)[set.file] = res;
}
if (args.out) fs.writeFileSync(args.out, JSON.stringify(report, null, 2) + '\n');

/**
 * Share of each definition name's words that occur in the query (0 for names without words):
 * `parseHeaders` for "parse the headers of a request" is 1, `RoutePattern` for "builds the
 * routing pattern" is 1 (`rout`, `pattern`), `get` for the same query is 0.
 */
function nameOverlap(names: string[], query: string): number[] {
  const q = new Set(lexicalTokens(query));
  return names.map((n) => {
    const w = [...new Set(lexicalTokens(n))];
    return w.length === 0 ? 0 : w.filter((x) => q.has(x)).length / w.length;
  });
}
