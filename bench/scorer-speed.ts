// Scorer speed and memory. Each configuration runs in its own process so peak memory (VmHWM)
// is its own.
//
// 1. The shipped model per dtype: tokens/s and peak RSS for 512-token scoring at batch 1 and 8.
// 2. What the scorer costs next to the model itself (batch 1, per model token, median of the
//    passes), per dtype (fp32, q8):
//    - "target-only": the embedded model (1.4.0, output target_logprobs [B, T]) through the scorer;
//    - "full logits": the 1.3.0 graph (output logits [B, T, V], taken from git: --old-rev) through
//      the scorer's full-logits path;
//    - "full logits + surgery": the same 1.3.0 graph loaded as a folder model, i.e. patched at
//      load time like a hub model (src/core/model/graph-surgery.ts);
//    - "decoder alone (bare)": the decoder without the mixture (tools/model/py/export_target.py
//      --neural-only, log-softmax output), one onnxruntime session.run per pass, no scorer;
//    The target: the scorer (target-only) costs <= 1.5x the bare decoder per token.
//
//   npx tsx bench/scorer-speed.ts [--model embedded] [--tokens 512] [--passes 6] [--skip-dtypes]
//
// Writes bench/results/scorer-speed.{json,md} and prints the tables. The 1.3.0 graph and the
// decoder export go to bench/tmp/scorer-speed/ (gitignored; the decoder export needs
// /usr/bin/python3 with torch and onnx, see tools/model/README.md).
import { execFileSync, spawnSync } from 'node:child_process';
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
    bare: { type: 'boolean', default: false },
    surgery: { type: 'boolean', default: false },
    'old-rev': { type: 'string', default: '9570b45' },
    'skip-dtypes': { type: 'boolean', default: false },
    rounds: { type: 'string', default: '3' },
  },
});

const TMP = 'bench/tmp/scorer-speed';

function peakRssMb(): number {
  const status = fs.readFileSync('/proc/self/status', 'utf8');
  const m = /VmHWM:\s+(\d+) kB/.exec(status);
  return m ? Math.round(Number(m[1]) / 1024) : Math.round(process.memoryUsage().rss / 2 ** 20);
}

/** Texts of at most n model tokens, cut from this repository's sources. */
function sampleTexts(count: (t: string) => number, n: number, k: number): string[] {
  const src = ['src/core/code/compress.ts', 'src/core/model/transformers-scorer.ts', 'src/core/chunk/index.ts']
    .filter((f) => fs.existsSync(f))
    .map((f) => fs.readFileSync(f, 'utf8'))
    .join('\n');
  const texts: string[] = [];
  for (let off = 0; texts.length < k; off += 997) {
    let t = src.slice(off % (src.length - 6000), (off % (src.length - 6000)) + n * 6);
    while (count(t) > n) t = t.slice(0, Math.floor(t.length * 0.97));
    texts.push(t);
  }
  return texts;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function child(): Promise<void> {
  const n = Number(args.tokens);
  const batch = Number(args.batch);
  const passes = Number(args.passes);
  const perPass: number[] = [];
  let tokens = 0;
  let seconds = 0;
  let targetOnly = false;
  if (args.bare) {
    // The decoder alone: one session.run of the graph per pass, on the same token ids (the
    // tokenizer only, no scorer, so peak RSS is the session's).
    /* eslint-disable @typescript-eslint/no-require-imports */
    const ort = require('onnxruntime-node') as typeof import('onnxruntime-node');
    const tf = require('@huggingface/transformers') as typeof import('@huggingface/transformers');
    /* eslint-enable @typescript-eslint/no-require-imports */
    const loc = resolveModelLocation(args.model);
    tf.env.allowRemoteModels = false;
    tf.env.localModelPath = '/';
    const tok = await tf.AutoTokenizer.from_pretrained(loc.dir, { local_files_only: true });
    const count = (t: string) => tok.encode(t, { add_special_tokens: false }).length;
    const texts = sampleTexts(count, n, batch * passes);
    const file = path.join(loc.dir, 'onnx', ONNX_FILE_FOR_DTYPE[args.dtype as 'q8']);
    const session = await ort.InferenceSession.create(file, { intraOpNumThreads: 1 });
    const feeds = texts.map((t) => {
      const ids = [tok.bos_token_id ?? 0, ...tok.encode(t, { add_special_tokens: false })];
      return {
        input_ids: new ort.Tensor('int64', BigInt64Array.from(ids, BigInt), [1, ids.length]),
        attention_mask: new ort.Tensor('int64', new BigInt64Array(ids.length).fill(1n), [1, ids.length]),
      };
    });
    await session.run(feeds[0]); // warm-up
    for (const f of feeds) {
      const t0 = performance.now();
      await session.run(f);
      const dt = performance.now() - t0;
      perPass.push(dt / f.input_ids.dims[1]);
      tokens += f.input_ids.dims[1];
      seconds += dt / 1000;
    }
    await session.release();
  } else {
    const scorer = await createScorer({
      model: args.model,
      dtype: args.dtype,
      maxBatchSize: batch,
      maxBatchTokens: batch * (n + 1),
      cache: null,
      graphSurgery: args.surgery,
      graphCacheDir: path.resolve(TMP, 'graphs'),
    });
    const texts = sampleTexts((t) => scorer.countTokens(t), n, batch * passes);
    await scorer.score(texts.slice(0, batch).map((text) => ({ context: '', text }))); // warm-up
    for (let p = 0; p < passes; p++) {
      const reqs = texts.slice(p * batch, (p + 1) * batch).map((text) => ({ context: '', text }));
      const t0 = performance.now();
      const res = await scorer.score(reqs);
      const dt = performance.now() - t0;
      const k = res.reduce((s, r) => s + r.tokensProcessed, 0);
      perPass.push(dt / k);
      tokens += k;
      seconds += dt / 1000;
    }
    targetOnly = (scorer as unknown as { targetOnly?: boolean }).targetOnly ?? false;
    await scorer.dispose();
  }
  process.stdout.write(
    JSON.stringify({
      dtype: args.dtype,
      batch,
      tokensPerPass: n,
      tokens,
      seconds,
      tokensPerSecond: Math.round(tokens / seconds),
      msPerSequence: Math.round((seconds * 1000) / (tokens / (n + 1))),
      msPerToken: +median(perPass).toFixed(4),
      targetOnly,
      peakRssMb: peakRssMb(),
    }) + '\n',
  );
}

function runChild(extra: string[]): Record<string, number | string | boolean> {
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', __filename, '--child', '--tokens', args.tokens, '--passes', args.passes, ...extra],
    { encoding: 'utf8', env: { ...process.env, CONTEXTZIP_GRAPH_SURGERY: undefined } },
  );
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, number | string | boolean>;
}

/** The 1.3.0 full-logits model folder, from git. */
function oldModel(): string {
  const dir = path.join(TMP, 'v1.3.0');
  const files = [
    'config.json',
    'tokenizer.json',
    'tokenizer_config.json',
    'generation_config.json',
    'onnx/model.onnx',
    'onnx/model_quantized.onnx',
  ];
  for (const f of files) {
    const dest = path.join(dir, f);
    if (fs.existsSync(dest)) continue;
    fs.mkdirSync(path.dirname(dest), { recursive: true });
    fs.writeFileSync(
      dest,
      execFileSync('git', ['show', `${args['old-rev']}:models/embedded/${f}`], { maxBuffer: 64 << 20 }),
    );
  }
  return path.resolve(dir);
}

/** The decoder alone (log-softmax output), fp32 and q8, exported from the embedded model's weights. */
function decoderModel(): string | null {
  const dir = path.join(TMP, 'decoder');
  try {
    if (!fs.existsSync(path.join(dir, 'onnx', 'model.onnx')))
      execFileSync('/usr/bin/python3', ['tools/model/py/export_target.py', 'models/embedded', dir, '--neural-only'], {
        stdio: ['ignore', 'ignore', 'pipe'],
      });
    if (!fs.existsSync(path.join(dir, 'onnx', 'model_quantized.onnx')))
      execFileSync('/usr/bin/python3', ['tools/model/py/quantize_weight_only.py', dir], { stdio: 'ignore' });
    return path.resolve(dir);
  } catch (err) {
    console.error(
      `decoder-alone export failed (needs /usr/bin/python3 with torch + onnx): ${String(err).slice(0, 200)}`,
    );
    return null;
  }
}

async function main(): Promise<void> {
  const date = new Date().toISOString();
  const loadBefore = os.loadavg()[0];
  const loc = resolveModelLocation(args.model);
  const rows: Array<Record<string, number | string | boolean>> = [];
  if (!args['skip-dtypes']) {
    const dtypes = MODEL_DTYPES.filter((d) => fs.existsSync(path.join(loc.dir, 'onnx', ONNX_FILE_FOR_DTYPE[d])));
    for (const dtype of dtypes) {
      const size = fs.statSync(path.join(loc.dir, 'onnx', ONNX_FILE_FOR_DTYPE[dtype])).size;
      for (const batch of [1, 8]) {
        const r = runChild(['--model', args.model, '--dtype', dtype, '--batch', String(batch)]);
        rows.push({ ...r, fileMb: +(size / 2 ** 20).toFixed(2) });
      }
    }
  }
  const old = oldModel();
  const decoder = decoderModel();
  // Rounds interleave the variants, so a burst of load on the shared machine hits all of them;
  // each variant reports the median over rounds of its per-pass median, and its largest peak RSS.
  const runs: Array<Record<string, number | string | boolean>> = [];
  for (let round = 0; round < Number(args.rounds); round++)
    for (const dtype of ['fp32', 'q8']) {
      const specs: Array<[string, string[]]> = [
        ['target-only (1.4.0)', ['--model', args.model]],
        ['full logits (1.3.0)', ['--model', old]],
        ['full logits (1.3.0) + surgery', ['--model', old, '--surgery']],
      ];
      if (decoder) specs.push(['decoder alone (bare session.run)', ['--model', decoder, '--bare']]);
      for (const [variant, extra] of specs) {
        const r = runChild([...extra, '--dtype', dtype, '--batch', '1']);
        runs.push({ variant, round, ...r });
      }
    }
  const variants: Array<Record<string, number | string | boolean>> = [];
  for (const r of runs) {
    if (variants.some((v) => v.variant === r.variant && v.dtype === r.dtype)) continue;
    const same = runs.filter((x) => x.variant === r.variant && x.dtype === r.dtype);
    variants.push({
      variant: r.variant,
      dtype: r.dtype,
      msPerToken: median(same.map((x) => Number(x.msPerToken))),
      msPerTokenRounds: same.map((x) => Number(x.msPerToken)).join(' '),
      peakRssMb: Math.max(...same.map((x) => Number(x.peakRssMb))),
      targetOnly: r.targetOnly,
    });
  }
  const bare = (dtype: string) => variants.find((v) => v.dtype === dtype && String(v.variant).startsWith('decoder'));
  for (const v of variants) {
    const b = bare(String(v.dtype));
    if (b) v.vsBareDecoder = +(Number(v.msPerToken) / Number(b.msPerToken)).toFixed(2);
  }
  const table1 = [
    'dtype  file MB  batch  tokens/s  ms/seq  peak RSS MB',
    ...rows.map(
      (r) =>
        `${String(r.dtype).padEnd(5)}  ${String(r.fileMb).padStart(7)}  ${String(r.batch).padStart(5)}  ${String(r.tokensPerSecond).padStart(8)}  ${String(r.msPerSequence).padStart(6)}  ${String(r.peakRssMb).padStart(11)}`,
    ),
  ].join('\n');
  const load = [loadBefore, os.loadavg()[0]].map((x) => x.toFixed(1)).join(' → ');
  const md = [
    `# Scorer speed`,
    '',
    `\`npx tsx bench/scorer-speed.ts\` (${date.slice(0, 10)}, ${os.cpus().length} CPUs shared with other jobs, 1 onnxruntime thread; ` +
      `${args.tokens}-token texts of this repository's sources after BOS, ${args.passes} passes after a warm-up, median per pass; ` +
      `${args.rounds} rounds of all variants, interleaved: the median round and the largest peak RSS). ` +
      `Every run is its own process; peak RSS is its VmHWM. Load average (1 min) at start and end: ${load}.`,
    '',
    '## Scorer vs the model alone (batch 1)',
    '',
    '| dtype | variant | ms / model token | x bare decoder | peak RSS MB | fast path | rounds (ms / token) |',
    '|---|---|---|---|---|---|---|',
    ...variants.map(
      (v) =>
        `| ${v.dtype} | ${v.variant} | ${Number(v.msPerToken).toFixed(3)} | ${v.vsBareDecoder ?? ''} | ${v.peakRssMb} | ${v.variant.toString().startsWith('decoder') ? '' : v.targetOnly ? 'yes' : 'no'} | ${v.msPerTokenRounds} |`,
    ),
    '',
    'target-only: the shipped graph computes the mixture only at the next token and outputs target_logprobs [B, T]; ' +
      'full logits: the 1.3.0 graph computes it at every vocabulary entry and the scorer reads [B, T, V]; ' +
      '+ surgery: that graph patched at load time as hub models are (LogSoftmax + GatherElements appended, logits no longer an output); ' +
      'decoder alone: the 4-layer decoder with log-softmax, no mixture, timed as one session.run (no tokenization, no scorer).',
    '',
    ...(rows.length ? ['## Shipped model per dtype', '', '```', table1, '```', ''] : []),
  ].join('\n');
  console.log(md);
  fs.mkdirSync('bench/results', { recursive: true });
  fs.writeFileSync('bench/results/scorer-speed.md', md);
  fs.writeFileSync(
    'bench/results/scorer-speed.json',
    JSON.stringify(
      {
        meta: {
          model: args.model,
          tokens: Number(args.tokens),
          passes: Number(args.passes),
          oldRev: args['old-rev'],
          rounds: Number(args.rounds),
          date,
          cpus: os.cpus().length,
          loadAverage: load,
        },
        rows,
        variants,
        runs,
        table: table1,
      },
      null,
      1,
    ) + '\n',
  );
}

(args.child ? child() : main()).catch((err) => {
  console.error(err);
  process.exit(1);
});
