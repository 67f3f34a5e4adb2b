// Parity + tokenizer checks for an exported model folder, and writer of MODEL_DIR/torch_reference.json.
// Usage: node tools/model/check_parity.mjs MODEL_DIR CKPT TOKDIR TOKENS.bin [CORPUS.txt] [ASSOC.pt]
// 1. tokenizer round trip: decode(encode(s)) === s on edge cases and on 300 corpus documents;
// 2. PyTorch (tools/model/py/torch_logprobs.py: decoder + mixture as configured) vs onnxruntime fp32 on one
//    code + "\n\n" + query example: max |diff| must be < 5e-5 (4 decimals); q8/q4 differences are reported;
// 3. writes MODEL_DIR/torch_reference.json {text, context, joiner, ids, logprobs, textStart, ...}.
//
// Target-only graphs (1.4.0, output target_logprobs; no checkpoint needed):
//   node tools/model/check_parity.mjs --target MODEL_DIR [--old OLD_DIR]
// 1. every dtype vs MODEL_DIR/torch_reference.json (PyTorch log-probs): fp32 max |diff| < 5e-5, q8/q4 within the
//    file's tolerances;
// 2. with --old (a full-logits graph folder, e.g. tools/model/work/v1.3.0 from `build.sh target`): each dtype vs
//    the old graph of the same dtype on real code (4 files, windows of 512 and 1023 tokens after BOS), the old
//    graph's log-probs gathered at the next token: max |diff| <= 1e-4; and right padding changes nothing.
// Both kinds of graph (logits [B, T, V] or target_logprobs [B, T]) are run with onnxruntime-node directly.
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import ort from 'onnxruntime-node';
import { AutoTokenizer, env } from '@huggingface/transformers';

env.allowRemoteModels = false;
const here = path.dirname(fileURLToPath(import.meta.url));
const ONNX_FILES = { fp32: 'model.onnx', q8: 'model_quantized.onnx', q4: 'model_q4.onnx' };

/**
 * log p(seq[t+1] | seq[..t]) for t = 0..n-2 from one graph (null when the dtype's file is absent), with the
 * sequence right-padded to padTo; sumP = sum of probabilities at position 0 (full-logits graphs only).
 */
async function graphLogprobs(dir, dtype, seq, padTo = seq.length, pad = seq[0]) {
  const file = path.join(dir, 'onnx', ONNX_FILES[dtype]);
  if (!fs.existsSync(file)) return null;
  const session = await ort.InferenceSession.create(file, { intraOpNumThreads: 1 });
  const T = padTo;
  const ids = new BigInt64Array(T).fill(BigInt(pad));
  const mask = new BigInt64Array(T);
  seq.forEach((v, i) => {
    ids[i] = BigInt(v);
    mask[i] = 1n;
  });
  const out = await session.run({
    input_ids: new ort.Tensor('int64', ids, [1, T]),
    attention_mask: new ort.Tensor('int64', mask, [1, T]),
  });
  const lp = [];
  let sumP = null;
  if (out.target_logprobs) {
    for (let t = 0; t + 1 < seq.length; t++) lp.push(out.target_logprobs.data[t]);
  } else {
    const V = out.logits.dims[2];
    for (let t = 0; t + 1 < seq.length; t++) lp.push(out.logits.data[t * V + seq[t + 1]]);
    sumP = 0;
    for (let j = 0; j < V; j++) sumP += Math.exp(out.logits.data[j]);
  }
  await session.release();
  return { lp, sumP };
}

const maxAbs = (a, b) => a.reduce((m, x, i) => Math.max(m, Math.abs(x - b[i])), 0);

if (process.argv[2] === '--target') {
  const dir = path.resolve(process.argv[3]);
  const oi = process.argv.indexOf('--old');
  const oldDir = oi > 0 ? path.resolve(process.argv[oi + 1]) : null;
  const ref = JSON.parse(fs.readFileSync(path.join(dir, 'torch_reference.json'), 'utf8'));
  const report = { torch: {}, old: {} };
  let ok = true;
  for (const dtype of ['fp32', 'q8', 'q4']) {
    const r = await graphLogprobs(dir, dtype, ref.ids);
    if (!r) {
      report.torch[dtype] = 'absent';
      continue;
    }
    const d = maxAbs(r.lp, ref.logprobs);
    report.torch[dtype] = { maxAbsDiff: +d.toExponential(2) };
    if (d >= (dtype === 'fp32' ? 5e-5 : ref.tolerance[dtype])) ok = false;
  }
  if (report.torch.fp32 === 'absent') ok = false;
  if (oldDir) {
    const tok = await AutoTokenizer.from_pretrained(dir);
    const bos = tok.bos_token_id;
    const files = [
      'src/core/code/compress.ts',
      'tools/model/py/model.py',
      'docs/ALGORITHMS.md',
      'src/core/model/transformers-scorer.ts',
    ];
    const seqs = [];
    for (const f of files) {
      const ids = tok.encode(fs.readFileSync(path.join(here, '..', '..', f), 'utf8'), { add_special_tokens: false });
      for (const n of [512, 1023]) seqs.push([bos, ...ids.slice(0, n)]);
    }
    for (const dtype of ['fp32', 'q8', 'q4']) {
      let max = 0;
      let sum = 0;
      let n = 0;
      let absent = false;
      for (const seq of seqs) {
        const a = await graphLogprobs(dir, dtype, seq);
        const b = await graphLogprobs(oldDir, dtype, seq);
        if (!a || !b) {
          absent = true;
          break;
        }
        a.lp.forEach((x, i) => {
          const d = Math.abs(x - b.lp[i]);
          max = Math.max(max, d);
          sum += d;
          n++;
        });
      }
      if (absent) {
        report.old[dtype] = 'absent';
        continue;
      }
      const padded = await graphLogprobs(dir, dtype, seqs[0], seqs[0].length + 37);
      const plain = await graphLogprobs(dir, dtype, seqs[0]);
      const padMax = maxAbs(padded.lp, plain.lp);
      report.old[dtype] = {
        tokens: n,
        maxAbsDiff: +max.toExponential(2),
        meanAbsDiff: +(sum / n).toExponential(2),
        rightPaddingMaxAbsDiff: +padMax.toExponential(2),
      };
      if (max > 1e-4 || padMax > 1e-5) ok = false;
    }
  }
  console.log(JSON.stringify(report));
  if (!ok) {
    console.error('TARGET PARITY CHECK FAILED');
    process.exit(1);
  }
  process.exit(0);
}

const [dir, ckpt, tokDir, tokens, corpus, assoc] = process.argv.slice(2).map((p) => p && path.resolve(p));
const tok = await AutoTokenizer.from_pretrained(dir);
const report = { roundTrip: {}, parity: {} };

// 1. round trip
const cases = [
  '',
  ' ',
  '\n\n',
  'def f(x):\n    return x  # done\n',
  '\t\tif (a !== b) { return `${a}`; }\r\n',
  'naïve café — 日本語 😀 ü',
  '<|endoftext|> not special in text?',
  "it's we're they'll",
  '    \n  \n',
  '0x1F + 1e-9',
];
let bad = 0,
  n = 0;
const check = (s) => {
  n++;
  const e = tok.encode(s, { add_special_tokens: false });
  const back = e.length ? tok.decode(e) : '';
  if (back !== s) {
    bad++;
    if (bad < 4) console.error('round-trip mismatch:', JSON.stringify(s.slice(0, 80)));
  }
};
cases.filter((s) => !s.includes('<|endoftext|>')).forEach(check);
if (corpus && fs.existsSync(corpus)) {
  const docs = fs.readFileSync(corpus, 'utf8').split('<|endoftext|>');
  for (let i = 0; i < docs.length && n < 310; i += Math.max(1, Math.floor(docs.length / 300))) check(docs[i]);
}
report.roundTrip = { strings: n, mismatches: bad };

// 2. parity
const context =
  'def compile_pattern(pattern, flags=0):\n    if isinstance(pattern, str):\n        return re.compile(pattern, flags)\n    return pattern\n';
const joiner = '\n\n';
const text = '# Compile a regular expression pattern unless it is already compiled.\n';
const ctxIds = tok.encode(context + joiner, { add_special_tokens: false });
const txtIds = tok.encode(text, { add_special_tokens: false });
const ids = [tok.bos_token_id, ...ctxIds, ...txtIds];
const py = spawnSync(
  '/usr/bin/python3',
  [path.join(here, 'py', 'torch_logprobs.py'), dir, ckpt, tokDir, tokens, ...(assoc ? [assoc] : [])],
  {
    input: JSON.stringify({ ids }),
    encoding: 'utf8',
    env: { ...process.env, OPENBLAS_NUM_THREADS: '2' },
  },
);
if (py.status !== 0) {
  console.error(py.stderr);
  process.exit(1);
}
const ref = JSON.parse(py.stdout).logprobs;

async function jsLogprobs(dtype) {
  const r = await graphLogprobs(dir, dtype, ids);
  return r && { lp: r.lp, sumP: r.sumP ?? 1 };
}
for (const dtype of ['fp32', 'q8', 'q4']) {
  const r = await jsLogprobs(dtype);
  if (!r) {
    report.parity[dtype] = 'absent';
    continue;
  }
  const diffs = r.lp.map((x, i) => Math.abs(x - ref[i]));
  const textDiff =
    r.lp.slice(ctxIds.length).reduce((s, x) => s + x, 0) - ref.slice(ctxIds.length).reduce((s, x) => s + x, 0);
  report.parity[dtype] = {
    maxAbsDiff: +Math.max(...diffs).toExponential(2),
    meanAbsDiff: +(diffs.reduce((s, x) => s + x, 0) / diffs.length).toExponential(2),
    queryLogprobSumDiff: +textDiff.toFixed(4),
    sumOfProbsAtPos0: +r.sumP.toFixed(6),
  };
}
const textStart = 1 + ctxIds.length; // ids index of the first query token
fs.writeFileSync(
  path.join(dir, 'torch_reference.json'),
  JSON.stringify(
    {
      description:
        'PyTorch log-probs of this exported graph (decoder + mixture), for parity tests. logprobs[t-1] = log p(ids[t] | ids[0..t-1]); ' +
        'ids = [bos] + encode(context + joiner) + encode(text), each encoded without special tokens. Query log-prob = sum of logprobs[textStart-1 ..].',
      text,
      context,
      joiner,
      ids,
      textStart,
      logprobs: ref.map((x) => +x.toFixed(6)),
      textLogprobSum: +ref
        .slice(textStart - 1)
        .reduce((s, x) => s + x, 0)
        .toFixed(6),
      tolerance: { fp32: 1e-4, q8: 0.5, q4: 0.5 },
    },
    null,
    1,
  ) + '\n',
);
console.log(JSON.stringify(report));
const ok = bad === 0 && report.parity.fp32 !== 'absent' && report.parity.fp32.maxAbsDiff < 5e-5;
if (!ok) {
  console.error('PARITY/ROUND-TRIP CHECK FAILED');
  process.exit(1);
}
