// Scorer speed and memory: tokens/s and peak RSS for 512-token scoring at batch 1 and 8,
// for each dtype the model ships. Each configuration runs in its own process so peak memory
// (VmHWM) is its own.
//
//   npx tsx bench/scorer-speed.ts [--model embedded] [--tokens 512] [--passes 6]
//
// Writes bench/results/scorer-speed.json and prints a table.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createScorer, MODEL_DTYPES, ONNX_FILE_FOR_DTYPE, resolveModelLocation } from '../src/core/model/index.js';

const { values: args } = parseArgs({
  options: {
    model: { type: 'string', default: 'embedded' },
    tokens: { type: 'string', default: '512' },
    passes: { type: 'string', default: '6' },
    child: { type: 'boolean', default: false },
    dtype: { type: 'string', default: 'q8' },
    batch: { type: 'string', default: '1' },
  },
});

function peakRssMb(): number {
  const status = fs.readFileSync('/proc/self/status', 'utf8');
  const m = /VmHWM:\s+(\d+) kB/.exec(status);
  return m ? Math.round(Number(m[1]) / 1024) : Math.round(process.memoryUsage().rss / 2 ** 20);
}

async function child(): Promise<void> {
  const n = Number(args.tokens);
  const batch = Number(args.batch);
  const scorer = await createScorer({
    model: args.model,
    dtype: args.dtype,
    maxBatchSize: batch,
    maxBatchTokens: batch * (n + 1),
    cache: null,
  });
  const afterLoad = peakRssMb();
  // Texts of exactly n model tokens, cut from this repository's sources.
  const src = ['src/core/code/compress.ts', 'src/core/model/transformers-scorer.ts', 'src/core/chunk/index.ts']
    .filter((f) => fs.existsSync(f))
    .map((f) => fs.readFileSync(f, 'utf8'))
    .join('\n');
  const texts: string[] = [];
  for (let off = 0; texts.length < batch * Number(args.passes); off += 997) {
    let t = src.slice(off % (src.length - 6000), (off % (src.length - 6000)) + n * 6);
    while (scorer.countTokens(t) > n) t = t.slice(0, Math.floor(t.length * 0.97));
    texts.push(t);
  }
  await scorer.score(texts.slice(0, batch).map((text) => ({ context: '', text }))); // warm-up
  const t0 = performance.now();
  let tokens = 0;
  for (let p = 0; p < Number(args.passes); p++) {
    const reqs = texts.slice(p * batch, (p + 1) * batch).map((text) => ({ context: '', text }));
    const res = await scorer.score(reqs);
    tokens += res.reduce((s, r) => s + r.tokensProcessed, 0);
  }
  const seconds = (performance.now() - t0) / 1000;
  await scorer.dispose();
  process.stdout.write(
    JSON.stringify({
      dtype: args.dtype,
      batch,
      tokensPerPass: n,
      tokens,
      seconds,
      tokensPerSecond: Math.round(tokens / seconds),
      msPerSequence: Math.round((seconds * 1000) / (tokens / (n + 1))),
      rssAfterLoadMb: afterLoad,
      peakRssMb: peakRssMb(),
    }) + '\n',
  );
}

async function main(): Promise<void> {
  const loc = resolveModelLocation(args.model);
  const dtypes = MODEL_DTYPES.filter((d) => fs.existsSync(path.join(loc.dir, 'onnx', ONNX_FILE_FOR_DTYPE[d])));
  const rows: Array<Record<string, number | string>> = [];
  for (const dtype of dtypes) {
    const size = fs.statSync(path.join(loc.dir, 'onnx', ONNX_FILE_FOR_DTYPE[dtype])).size;
    for (const batch of [1, 8]) {
      const r = spawnSync(
        process.execPath,
        [
          '--import',
          'tsx',
          __filename,
          '--child',
          '--model',
          args.model,
          '--dtype',
          dtype,
          '--batch',
          String(batch),
          '--tokens',
          args.tokens,
          '--passes',
          args.passes,
        ],
        { encoding: 'utf8' },
      );
      if (r.status !== 0) throw new Error(r.stderr);
      rows.push({ ...JSON.parse(r.stdout.trim().split('\n').pop()!), fileMb: +(size / 2 ** 20).toFixed(2) });
    }
  }
  const header = 'dtype  file MB  batch  tokens/s  ms/seq  RSS load MB  peak RSS MB';
  const lines = rows.map(
    (r) =>
      `${String(r.dtype).padEnd(5)}  ${String(r.fileMb).padStart(7)}  ${String(r.batch).padStart(5)}  ${String(r.tokensPerSecond).padStart(8)}  ${String(r.msPerSequence).padStart(6)}  ${String(r.rssAfterLoadMb).padStart(11)}  ${String(r.peakRssMb).padStart(11)}`,
  );
  const table = [
    `scorer speed: model ${args.model}, ${args.tokens}-token sequences, ${args.passes} passes, ${new Date().toISOString().slice(0, 10)}`,
    header,
    ...lines,
  ].join('\n');
  console.log(table);
  fs.mkdirSync('bench/results', { recursive: true });
  fs.writeFileSync(
    'bench/results/scorer-speed.json',
    JSON.stringify(
      {
        meta: {
          model: args.model,
          tokens: Number(args.tokens),
          passes: Number(args.passes),
          date: new Date().toISOString(),
          cpus: os.cpus().length,
        },
        rows,
        table,
      },
      null,
      1,
    ),
  );
}

(args.child ? child() : main()).catch((err) => {
  console.error(err);
  process.exit(1);
});
