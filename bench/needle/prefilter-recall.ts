// What the prefilter costs in relevance: the share of tasks whose needle survives a prefilter of
// N chunks (the model then only scores those N), for the old BM25 prefilter and the cheap fused
// signals (BM25F + word association with the embedded model's weights) used since model 1.3.0.
//   npx tsx bench/needle/prefilter-recall.ts FEATURES.jsonl... [--n 10,20,40,80]
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { bm25Scores } from '../../src/core/code/bm25.js';
import { fuseSignals } from '../../src/core/code/fusion.js';
import { relevanceSignals } from '../../src/core/code/rank.js';
import { embeddedModelDir } from '../../src/core/model/model-files.js';
import { WordAssociation } from '../../src/core/model/word-association.js';
import type { Chunk } from '../../src/core/types.js';

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: { n: { type: 'string', default: '10,20,40,80' } },
});
const dir = embeddedModelDir();
const assoc = WordAssociation.load(dir);
const weights = JSON.parse(fs.readFileSync(`${dir}/config.json`, 'utf8')).contextzip.ranking.weights;
const ns = args.n.split(',').map(Number);
const rank = (scores: number[], needle: number) => {
  const order = scores.map((v, i) => ({ v, i })).sort((a, b) => b.v - a.v || a.i - b.i);
  return order.findIndex((o) => o.i === needle) + 1;
};
for (const file of positionals) {
  const hits = { bm25: ns.map(() => 0), cheap: ns.map(() => 0) };
  let tasks = 0;
  let chunks = 0;
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const t = JSON.parse(line) as { query: string; needle: number; chunks: Chunk[] };
    if (t.needle < 0) continue;
    tasks++;
    chunks += t.chunks.length;
    const items = t.chunks.map((c) => ({ c }));
    const bm = rank(
      bm25Scores(
        t.chunks.map((c) => `${c.name} ${c.text}`),
        t.query,
      ),
      t.needle,
    );
    const signals = relevanceSignals(
      items,
      t.chunks.map(() => 0),
      t.query,
      assoc,
    );
    const cheap = rank(fuseSignals(signals, { ...weights, ami: 0 }), t.needle);
    ns.forEach((n, k) => {
      if (bm <= n) hits.bm25[k]++;
      if (cheap <= n) hits.cheap[k]++;
    });
  }
  console.log(`\n${file}: ${tasks} tasks, ${(chunks / tasks).toFixed(0)} chunks per task`);
  console.log(`| prefilter | ${ns.map((n) => `recall@${n}`).join(' | ')} |\n| --- |${ns.map(() => ' --- |').join('')}`);
  for (const [name, h] of Object.entries(hits))
    console.log(`| ${name} | ${h.map((x) => (x / tasks).toFixed(3)).join(' | ')} |`);
}
