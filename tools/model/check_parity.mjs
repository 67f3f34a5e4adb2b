// Parity + tokenizer checks for an exported model folder, and writer of MODEL_DIR/torch_reference.json.
// Usage: node tools/model/check_parity.mjs MODEL_DIR CKPT TOKDIR TOKENS.bin [CORPUS.txt] [ASSOC.pt]
// 1. tokenizer round trip: decode(encode(s)) === s on edge cases and on 300 corpus documents;
// 2. PyTorch (tools/model/py/torch_logprobs.py: decoder + mixture as configured) vs transformers.js fp32 on one
//    code + "\n\n" + query example: max |diff| must be < 5e-5 (4 decimals); q8/q4 differences are reported;
// 3. writes MODEL_DIR/torch_reference.json {text, context, joiner, ids, logprobs, textStart, ...}.
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { AutoTokenizer, AutoModelForCausalLM, Tensor, env } from '@huggingface/transformers';

env.allowRemoteModels = false;
const here = path.dirname(fileURLToPath(import.meta.url));
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
  const file = { fp32: 'model.onnx', q8: 'model_quantized.onnx', q4: 'model_q4.onnx' }[dtype];
  if (!fs.existsSync(path.join(dir, 'onnx', file))) return null;
  const model = await AutoModelForCausalLM.from_pretrained(dir, { dtype });
  const input_ids = new Tensor('int64', BigInt64Array.from(ids, BigInt), [1, ids.length]);
  const attention_mask = new Tensor('int64', new BigInt64Array(ids.length).fill(1n), [1, ids.length]);
  const { logits } = await model({ input_ids, attention_mask });
  const V = logits.dims[2];
  const out = [];
  let sumP = 0;
  for (let t = 1; t < ids.length; t++) out.push(logits.data[(t - 1) * V + ids[t]]);
  for (let j = 0; j < V; j++) sumP += Math.exp(logits.data[j]); // normalization check at position 0
  await model.dispose?.();
  return { lp: out, sumP };
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
