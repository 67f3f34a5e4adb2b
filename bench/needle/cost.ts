// Cost of code compression on needle tasks: model tokens processed by our algorithm vs the
// released LongCodeZip accounting on the same inputs (docs/ALGORITHMS.md §1.6), and wall time per
// 10k tokens of context. A fresh score cache per task, so nothing is reused across tasks.
//
//   npx tsx bench/needle/cost.ts DATA_DIR/tasks.jsonl [--ratio 0.2] [--limit N]
// Writes bench/results/needle-cost.json and prints a table.
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { createChunker } from '../../src/core/chunk/index.js';
import { compressCode } from '../../src/core/code/compress.js';
import { createScorer, ScoreCache } from '../../src/core/model/index.js';
import { createTokenCounter } from '../../src/core/tokens/index.js';
import { loadNeedleTasks } from './tasks.js';

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    ratio: { type: 'string', default: '0.2' },
    limit: { type: 'string' },
    model: { type: 'string', default: 'embedded' },
    dtype: { type: 'string', default: 'q8' },
  },
});

async function main(): Promise<void> {
  const tasks = loadNeedleTasks(positionals[0], { limit: args.limit });
  const countTokens = createTokenCounter('o200k_base');
  const chunker = await createChunker({ countTokens });
  const rows: Array<Record<string, number | string>> = [];
  for (const t of tasks) {
    const scorer = await createScorer({ model: args.model, dtype: args.dtype, cache: new ScoreCache() });
    const files = t.files.map((f) => chunker.chunkFile(f.path, f.content, { countTokens }));
    const r = await compressCode({ files, query: t.query, budget: { ratio: Number(args.ratio) }, scorer, countTokens });
    await scorer.dispose();
    rows.push({
      id: t.id,
      originalTokens: r.originalTokens,
      ours: r.modelTokensProcessed,
      released: r.modelTokensProcessedReleased as number,
      totalMs: Math.round(r.timings.totalMs),
      msPer10k: Math.round((r.timings.totalMs * 10000) / r.originalTokens),
    });
    console.error(
      `${t.id}: ours ${r.modelTokensProcessed}, released ${String(r.modelTokensProcessedReleased)}, ${Math.round(r.timings.totalMs)} ms`,
    );
  }
  const sum = (k: string) => rows.reduce((s, r) => s + (r[k] as number), 0);
  const ours = sum('ours');
  const released = sum('released');
  const table = [
    `needle cost at ratio ${args.ratio}: ${rows.length} tasks, ${sum('originalTokens')} context tokens (o200k), model ${args.model} ${args.dtype}`,
    `model tokens processed: ours ${ours}, released accounting ${released} (ours = ${((100 * ours) / released).toFixed(1)}%)`,
    `wall time: ${(sum('totalMs') / 1000).toFixed(1)} s total, ${Math.round((sum('totalMs') * 10000) / sum('originalTokens'))} ms per 10k context tokens (median task ${[...rows].sort((a, b) => (a.msPer10k as number) - (b.msPer10k as number))[Math.floor(rows.length / 2)].msPer10k} ms)`,
  ].join('\n');
  console.log(table);
  fs.mkdirSync('bench/results', { recursive: true });
  fs.writeFileSync(
    'bench/results/needle-cost.json',
    JSON.stringify(
      {
        meta: { ratio: Number(args.ratio), model: args.model, dtype: args.dtype, date: new Date().toISOString() },
        table,
        rows,
      },
      null,
      1,
    ),
  );
}

void main();
