// Docstring ranking benchmark for local causal LMs (transformers.js, offline).
// For each held-out function (bench/model/heldout-functions.json: Python, JS/TS, Go, Rust; none in the training
// corpus), its doc summary (as a comment line) is the query; its code WITHOUT the doc is the context. The query is
// scored against its own code and 9 same-language distractors:
//   score(q, c) = log P(q | c + "\n\n") - log P(q)        (code first, then the query, as the compressor does)
// and we report top-1 (own code ranked first) and MRR.
// Usage: node bench/model/docstring-ranking.mjs [--out bench/results/model-docstring-ranking.json] [LABEL=DIR:DTYPE ...]
// Default models: models/embedded (q8, q4, fp32 if present) and, when built by tools/model/build.sh, the variants in
// tools/model/work/variants/ (neural part alone, random weights, training-free cache LM).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AutoTokenizer, AutoModelForCausalLM, Tensor, env } from '@huggingface/transformers';

env.allowRemoteModels = false;
const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '../..');
const args = process.argv.slice(2);
let out = path.join(repo, 'bench', 'results', 'model-docstring-ranking.json');
let append = false; // --append: keep the other models' rows already in --out (rows with the same label are replaced)
const specs = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--out') out = path.resolve(args[++i]);
  else if (args[i] === '--append') append = true;
  else specs.push(args[i]);
}
if (!specs.length) {
  const emb = path.join(repo, 'models', 'embedded');
  const v = path.join(repo, 'tools', 'model', 'work', 'variants');
  for (const [label, file, dtype] of [
    ['embedded q8', 'model_quantized.onnx', 'q8'],
    ['embedded q4', 'model_q4.onnx', 'q4'],
    ['embedded fp32', 'model.onnx', 'fp32'],
  ]) {
    if (fs.existsSync(path.join(emb, 'onnx', file))) specs.push(`${label}=${emb}:${dtype}`);
  }
  for (const [label, d] of [
    ['neural only (fp32)', 'neural'],
    ['random weights (fp32)', 'random'],
    ['cache LM (training-free)', 'cache-lm'],
  ]) {
    if (fs.existsSync(path.join(v, d, 'onnx', 'model.onnx'))) specs.push(`${label}=${path.join(v, d)}:fp32`);
  }
}
const data = JSON.parse(fs.readFileSync(path.join(here, 'heldout-functions.json'), 'utf8'));
const items = data.items;
const JOIN = '\n\n';
const LIMIT = Number(process.env.BENCH_LIMIT ?? Infinity); // smoke tests only: score the first N queries

async function evalModel(label, dir, dtype) {
  const tok = await AutoTokenizer.from_pretrained(dir);
  const model = await AutoModelForCausalLM.from_pretrained(dir, { dtype, session_options: { intraOpNumThreads: 2 } });
  const normalized = !!model.config.logits_are_log_probs;
  const bos = tok.bos_token_id;
  const pad = tok.pad_token_id ?? bos;
  const enc = (s) => tok.encode(s, { add_special_tokens: false });
  const ctx = items.map((it) => enc(it.code + JOIN));
  const qs = items.map((it) => enc(it.query));
  // log P(query tokens | prefix) for a batch of prefixes (right padding), one forward pass
  async function batchScore(prefixes, q) {
    const seqs = prefixes.map((p) => [bos, ...p, ...q]);
    const T = Math.max(...seqs.map((s) => s.length));
    const B = seqs.length;
    const ids = new BigInt64Array(B * T).fill(BigInt(pad));
    const mask = new BigInt64Array(B * T);
    seqs.forEach((s, b) =>
      s.forEach((x, t) => {
        ids[b * T + t] = BigInt(x);
        mask[b * T + t] = 1n;
      }),
    );
    const { logits, target_logprobs } = await model({
      input_ids: new Tensor('int64', ids, [B, T]),
      attention_mask: new Tensor('int64', mask, [B, T]),
    });
    if (target_logprobs) {
      // target-only graph (embedded >= 1.4.0): column t = log p(ids[t+1] | ids[..t])
      const d = target_logprobs.data;
      return seqs.map((s, b) => {
        let sum = 0;
        for (let t = s.length - q.length; t < s.length; t++) sum += d[b * T + t - 1];
        return sum;
      });
    }
    const V = logits.dims[2],
      d = logits.data;
    return seqs.map((s, b) => {
      let sum = 0;
      for (let t = s.length - q.length; t < s.length; t++) {
        const off = (b * T + t - 1) * V;
        let lse = 0;
        if (!normalized) {
          let m = -Infinity;
          for (let j = 0; j < V; j++) m = Math.max(m, d[off + j]);
          let z = 0;
          for (let j = 0; j < V; j++) z += Math.exp(d[off + j] - m);
          lse = m + Math.log(z);
        }
        sum += d[off + s[t]] - lse;
      }
      return sum;
    });
  }
  const t0 = performance.now();
  let top1 = 0,
    mrr = 0;
  const by = {};
  for (const [i, it] of items.entries()) {
    if (i >= LIMIT) break;
    const [base] = await batchScore([[]], qs[i]);
    const cands = [i, ...it.distractors];
    const sc = (
      await batchScore(
        cands.map((j) => ctx[j]),
        qs[i],
      )
    ).map((x) => x - base);
    const rank = 1 + sc.slice(1).filter((x) => x >= sc[0]).length;
    top1 += rank === 1;
    mrr += 1 / rank;
    const g = (by[it.group] ??= { top1: 0, mrr: 0, n: 0 });
    g.top1 += rank === 1;
    g.mrr += 1 / rank;
    g.n++;
  }
  const n = Math.min(items.length, LIMIT);
  await model.dispose?.();
  const onnxFile = path.join(
    dir,
    'onnx',
    { fp32: 'model.onnx', q8: 'model_quantized.onnx', q4: 'model_q4.onnx' }[dtype],
  );
  return {
    label,
    dir: path.relative(repo, dir),
    dtype,
    onnxBytes: fs.statSync(onnxFile).size,
    evaluated: n,
    top1: +(top1 / n).toFixed(3),
    mrr: +(mrr / n).toFixed(3),
    byGroup: Object.fromEntries(
      Object.entries(by).map(([k, g]) => [
        k,
        { n: g.n, top1: +(g.top1 / g.n).toFixed(3), mrr: +(g.mrr / g.n).toFixed(3) },
      ]),
    ),
    seconds: +((performance.now() - t0) / 1000).toFixed(1),
  };
}

const results = append && fs.existsSync(out) ? JSON.parse(fs.readFileSync(out, 'utf8')).results : [];
for (const s of specs) {
  const m = s.match(/^(.*)=(.*):(fp32|q8|q4)$/);
  if (!m) {
    console.error('bad model spec (LABEL=DIR:DTYPE):', s);
    process.exit(2);
  }
  const r = await evalModel(m[1], path.resolve(m[2]), m[3]);
  console.error(JSON.stringify(r));
  const at = results.findIndex((x) => x.label === r.label);
  if (at >= 0) results[at] = r;
  else results.push(r);
}
const groups = [...new Set(items.map((it) => it.group))];
const table = [
  '| model | dtype | size | top-1 | MRR | ' + groups.map((g) => `${g} top-1`).join(' | ') + ' |',
  '|---|---|---|---|---|' + groups.map(() => '---|').join(''),
  ...results.map(
    (r) =>
      `| ${r.label} | ${r.dtype} | ${(r.onnxBytes / 1e6).toFixed(2)} MB | ${(100 * r.top1).toFixed(1)}% | ${r.mrr.toFixed(3)} | ` +
      groups
        .map((g) => (r.byGroup[g] ? `${(100 * r.byGroup[g].top1).toFixed(1)}% (n=${r.byGroup[g].n})` : '-'))
        .join(' | ') +
      ' |',
  ),
].join('\n');
fs.mkdirSync(path.dirname(out), { recursive: true });
fs.writeFileSync(
  out,
  JSON.stringify(
    {
      benchmark:
        'docstring ranking: own code vs 9 same-language distractors, score = log P(q | code + "\\n\\n") - log P(q)',
      command: 'node bench/model/docstring-ranking.mjs' + (specs.length ? ' ' + process.argv.slice(2).join(' ') : ''),
      functions: items.length,
      groups: data.counts,
      chance_top1: 0.1,
      date: new Date().toISOString(),
      results,
      table,
    },
    null,
    2,
  ) + '\n',
);
console.log(table);
