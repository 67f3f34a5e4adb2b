// Graph surgery (src/core/model/graph-surgery.ts) on tiny standard-format causal LMs that the
// test writes itself with protobufjs: embedding Gather -> mask -> MatMul + bias -> logits, with
// inputs input_ids/attention_mask, and a variant with position_ids and past_key_values inputs
// and present outputs (fed empty by transformers.js). The patched graph's target_logprobs must
// equal the log-softmax of the original logits at the next token, computed here from the weights.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import * as ort from 'onnxruntime-node';
import {
  floatTensor,
  int64Tensor,
  nodeMessage,
  OnnxProto,
  OnnxType,
  tensorMessage,
  valueInfoMessage,
  type NodeSpec,
} from '../../src/core/inspect/onnx-proto.js';
import { addTargetLogprobs, readGraphIo, targetLogprobsModel } from '../../src/core/model/graph-surgery.js';
import { createScorer, embeddedModelDir } from '../../src/core/model/index.js';
import { seededRandom } from '../../src/core/random.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cz-surgery-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const V = 12;
const D = 4;
const rand = seededRandom(7);
const E = Float32Array.from({ length: V * D }, () => rand() * 2 - 1);
const W = Float32Array.from({ length: D * V }, () => (rand() * 2 - 1) * 3);
const bias = Float32Array.from({ length: V }, () => rand() - 0.5);

/** log p(ids[t+1] | ids[t]) of the tiny bigram model, in float64 from the weights. */
function expected(ids: number[]): number[] {
  const out: number[] = [];
  for (let t = 0; t + 1 < ids.length; t++) {
    const logits = Array.from({ length: V }, (_, v) => {
      let s = bias[v];
      for (let d = 0; d < D; d++) s += E[ids[t] * D + d] * W[d * V + v];
      return s;
    });
    const m = Math.max(...logits);
    const lse = m + Math.log(logits.reduce((z, x) => z + Math.exp(x - m), 0));
    out.push(logits[ids[t + 1]] - lse);
  }
  return out;
}

function writeModel(file: string, withPast: boolean, fp16 = false): void {
  const nodes: NodeSpec[] = [
    { op: 'Gather', inputs: ['embed', 'input_ids'], outputs: ['h0'], name: 'embed' },
    { op: 'Cast', inputs: ['attention_mask'], outputs: ['mf'], name: 'mask_f', attrs: { to: OnnxType.FLOAT } },
    { op: 'Reshape', inputs: ['mf', 'shape_bt1'], outputs: ['m3'], name: 'mask_3d' },
    { op: 'Mul', inputs: ['h0', 'm3'], outputs: ['h1'], name: 'masked' },
  ];
  let h = 'h1';
  if (withPast) {
    nodes.push(
      { op: 'Cast', inputs: ['position_ids'], outputs: ['pf'], name: 'pos_f', attrs: { to: OnnxType.FLOAT } },
      { op: 'Reshape', inputs: ['pf', 'shape_bt1'], outputs: ['p3'], name: 'pos_3d' },
      { op: 'Mul', inputs: ['p3', 'fzero'], outputs: ['p0'], name: 'pos_zero' },
      { op: 'Add', inputs: ['h1', 'p0'], outputs: ['h2'], name: 'with_pos' },
      { op: 'Reshape', inputs: ['h2', 'shape_kv'], outputs: ['kv'], name: 'kv' },
      {
        op: 'Concat',
        inputs: ['past_key_values.0.key', 'kv'],
        outputs: ['present.0.key'],
        name: 'pk',
        attrs: { axis: 2 },
      },
      {
        op: 'Concat',
        inputs: ['past_key_values.0.value', 'kv'],
        outputs: ['present.0.value'],
        name: 'pv',
        attrs: { axis: 2 },
      },
    );
    h = 'h2';
  }
  nodes.push(
    { op: 'MatMul', inputs: [h, 'head'], outputs: ['mm'], name: 'head' },
    { op: 'Add', inputs: ['mm', 'bias'], outputs: [fp16 ? 'logits32' : 'logits'], name: 'bias' },
  );
  if (fp16)
    nodes.push({
      op: 'Cast',
      inputs: ['logits32'],
      outputs: ['logits'],
      name: 'to_fp16',
      attrs: { to: OnnxType.FLOAT16 },
    });
  const inputs = [
    valueInfoMessage('input_ids', OnnxType.INT64, ['batch_size', 'sequence_length']),
    valueInfoMessage('attention_mask', OnnxType.INT64, ['batch_size', 'total_sequence_length']),
  ];
  const outputs = [
    valueInfoMessage('logits', fp16 ? OnnxType.FLOAT16 : OnnxType.FLOAT, ['batch_size', 'sequence_length', V]),
  ];
  if (withPast) {
    inputs.push(valueInfoMessage('position_ids', OnnxType.INT64, ['batch_size', 'sequence_length']));
    for (const kind of ['key', 'value'])
      inputs.push(
        valueInfoMessage(`past_key_values.0.${kind}`, OnnxType.FLOAT, ['batch_size', 1, 'past_sequence_length', D]),
      );
    for (const kind of ['key', 'value'])
      outputs.push(
        valueInfoMessage(`present.0.${kind}`, OnnxType.FLOAT, ['batch_size', 1, 'total_sequence_length', D]),
      );
  }
  const model = {
    irVersion: 8,
    producerName: 'contextzip-test',
    opsetImport: [{ domain: '', version: 14 }],
    graph: {
      name: 'tiny',
      node: nodes.map(nodeMessage),
      initializer: [
        floatTensor(E, [V, D], 'embed'),
        floatTensor(W, [D, V], 'head'),
        floatTensor(bias, [V], 'bias'),
        int64Tensor([0, 0, 1], [3], 'shape_bt1'),
        int64Tensor([0, 1, -1, D], [4], 'shape_kv'),
        floatTensor([0], [1], 'fzero'),
      ].map(tensorMessage),
      input: inputs,
      output: outputs,
    },
  };
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, OnnxProto.ModelProto.encode(OnnxProto.ModelProto.fromObject(model)).finish());
}

function writeFolder(dir: string, withPast: boolean): void {
  const vocab = Object.fromEntries(['<s>', ...'abcdefghijk'].map((t, i) => [t, i]));
  fs.mkdirSync(path.join(dir, 'onnx'), { recursive: true });
  fs.writeFileSync(
    path.join(dir, 'tokenizer.json'),
    JSON.stringify({
      version: '1.0',
      added_tokens: [
        { id: 0, content: '<s>', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true },
      ],
      normalizer: null,
      pre_tokenizer: null,
      post_processor: null,
      decoder: { type: 'Fuse' },
      model: { type: 'BPE', dropout: null, unk_token: null, fuse_unk: false, byte_fallback: false, vocab, merges: [] },
    }),
  );
  fs.writeFileSync(
    path.join(dir, 'tokenizer_config.json'),
    JSON.stringify({
      tokenizer_class: 'PreTrainedTokenizerFast',
      bos_token: '<s>',
      eos_token: '<s>',
      pad_token: '<s>',
    }),
  );
  fs.writeFileSync(
    path.join(dir, 'config.json'),
    JSON.stringify({
      architectures: ['LlamaForCausalLM'],
      model_type: 'llama',
      vocab_size: V,
      hidden_size: D,
      num_hidden_layers: 1,
      num_attention_heads: 1,
      num_key_value_heads: 1,
      head_dim: D,
      max_position_embeddings: 64,
      bos_token_id: 0,
      eos_token_id: 0,
      pad_token_id: 0,
      use_cache: withPast,
    }),
  );
  writeModel(path.join(dir, 'onnx', 'model.onnx'), withPast);
}

async function runGraph(file: string, seqs: number[][], withPast: boolean): Promise<Record<string, ort.Tensor>> {
  const session = await ort.InferenceSession.create(file);
  const B = seqs.length;
  const T = Math.max(...seqs.map((s) => s.length));
  const ids = new BigInt64Array(B * T);
  const mask = new BigInt64Array(B * T);
  seqs.forEach((s, b) =>
    s.forEach((x, t) => {
      ids[b * T + t] = BigInt(x);
      mask[b * T + t] = 1n;
    }),
  );
  const feeds: Record<string, ort.Tensor> = {
    input_ids: new ort.Tensor('int64', ids, [B, T]),
    attention_mask: new ort.Tensor('int64', mask, [B, T]),
  };
  if (withPast) {
    feeds.position_ids = new ort.Tensor('int64', new BigInt64Array(B * T), [B, T]);
    feeds['past_key_values.0.key'] = new ort.Tensor('float32', new Float32Array(0), [B, 1, 0, D]);
    feeds['past_key_values.0.value'] = new ort.Tensor('float32', new Float32Array(0), [B, 1, 0, D]);
  }
  const out = await session.run(feeds);
  await session.release();
  return out;
}

const sha = (f: string) => crypto.createHash('sha256').update(fs.readFileSync(f)).digest('hex');
const SEQS = [
  [0, 1, 2, 3, 1, 2, 4, 11],
  [0, 5, 6, 7],
];

for (const withPast of [false, true]) {
  describe(`graph surgery${withPast ? ' (past_key_values inputs)' : ''}`, () => {
    const dir = path.join(tmp, withPast ? 'past' : 'plain');
    const cacheRoot = path.join(tmp, withPast ? 'graphs-past' : 'graphs-plain');
    writeFolder(dir, withPast);
    const src = path.join(dir, 'onnx', 'model.onnx');

    it('outputs the log-softmax of the original logits at the next token, [B, T]', async () => {
      const patched = path.join(tmp, `${withPast ? 'past' : 'plain'}-patched.onnx`);
      addTargetLogprobs(src, patched);
      const io = readGraphIo(patched);
      assert.ok(io.outputs.some((o) => o.name === 'target_logprobs'));
      assert.ok(!io.outputs.some((o) => o.name === 'logits'));
      if (withPast)
        assert.deepEqual(
          io.outputs.map((o) => o.name).filter((n) => n.startsWith('present')),
          ['present.0.key', 'present.0.value'],
        );
      const before = await runGraph(src, SEQS, withPast);
      const out = await runGraph(patched, SEQS, withPast);
      const tl = out.target_logprobs;
      const T = SEQS[0].length;
      assert.deepEqual(tl.dims, [2, T]);
      assert.equal(out.logits, undefined);
      const logits = before.logits.data as Float32Array;
      SEQS.forEach((s, b) => {
        const want = expected(s);
        for (let t = 0; t + 1 < s.length; t++) {
          const got = (tl.data as Float32Array)[b * T + t];
          assert.ok(Math.abs(got - want[t]) < 1e-5, `b${b} t${t}: ${got} vs ${want[t]}`);
          // and the original graph's own logits, log-softmaxed here
          const row = Array.from(logits.subarray((b * T + t) * V, (b * T + t + 1) * V));
          const m = Math.max(...row);
          const lse = m + Math.log(row.reduce((z, x) => z + Math.exp(x - m), 0));
          assert.ok(Math.abs(got - (row[s[t + 1]] - lse)) < 1e-5);
        }
        assert.equal((tl.data as Float32Array)[b * T + T - 1], 0);
      });
    });

    it('writes the patch to a cache folder keyed by content, reuses it, never touches the source', () => {
      const hash = sha(src);
      const first = targetLogprobsModel(dir, 'model.onnx', cacheRoot);
      assert.ok(first && first.created);
      assert.ok(first.dir.startsWith(cacheRoot));
      assert.ok(path.basename(first.dir).startsWith(hash.slice(0, 32)));
      const second = targetLogprobsModel(dir, 'model.onnx', cacheRoot);
      assert.deepEqual(second, { dir: first.dir, created: false });
      assert.equal(sha(src), hash);
      assert.deepEqual(fs.readdirSync(path.join(dir, 'onnx')), ['model.onnx']);
      // an already patched graph is not patched again
      assert.equal(targetLogprobsModel(first.dir, 'model.onnx', cacheRoot), null);
    });

    it('the scorer runs the patched graph (fast path) and matches the full-logits path', async () => {
      const fast = await createScorer({ model: dir, dtype: 'fp32', cache: null, graphCacheDir: cacheRoot });
      const full = await createScorer({ model: dir, dtype: 'fp32', cache: null, graphSurgery: false });
      try {
        assert.equal((fast as unknown as { targetOnly: boolean }).targetOnly, true);
        assert.equal((full as unknown as { targetOnly: boolean }).targetOnly, false);
        const reqs = [
          { context: 'abc', text: 'abdk' },
          { context: '', text: 'efgabc' },
        ];
        const a = await fast.score(reqs);
        const b = await full.score(reqs);
        reqs.forEach((r, i) => {
          const ids = [0, ...[...(r.context + r.text)].map((ch) => ch.charCodeAt(0) - 96)];
          const want = expected(ids).slice(r.context.length);
          assert.equal(a[i].tokens.length, want.length);
          a[i].tokens.forEach((t, k) => {
            assert.ok(Math.abs(t.logprob - want[k]) < 1e-5, `req ${i} token ${k}: ${t.logprob} vs ${want[k]}`);
            assert.ok(Math.abs(t.logprob - b[i].tokens[k].logprob) < 1e-5);
            assert.deepEqual([t.start, t.end, t.text], [b[i].tokens[k].start, b[i].tokens[k].end, b[i].tokens[k].text]);
          });
        });
      } finally {
        await fast.dispose();
        await full.dispose();
      }
    });
  });
}

describe('embedded model (1.4.0)', () => {
  it('outputs target_logprobs, so the scorer takes the fast path without any surgery', async () => {
    const io = readGraphIo(path.join(embeddedModelDir(), 'onnx', 'model_quantized.onnx'));
    assert.deepEqual(
      io.outputs.map((o) => o.name),
      ['target_logprobs'],
    );
    assert.equal(targetLogprobsModel(embeddedModelDir(), 'model_quantized.onnx', path.join(tmp, 'unused')), null);
    assert.equal(fs.existsSync(path.join(tmp, 'unused')), false);
    const scorer = await createScorer({ model: 'embedded', dtype: 'q8', cache: null });
    try {
      assert.equal((scorer as unknown as { targetOnly: boolean }).targetOnly, true);
    } finally {
      await scorer.dispose();
    }
  });
});

describe('graph surgery (fp16 logits)', () => {
  it('casts the logits to float before the log-softmax', async () => {
    const src = path.join(tmp, 'fp16', 'model.onnx');
    writeModel(src, false, true);
    const patched = path.join(tmp, 'fp16-patched.onnx');
    addTargetLogprobs(src, patched);
    const out = await runGraph(patched, SEQS, false);
    assert.equal(out.target_logprobs.type, 'float32');
    const T = SEQS[0].length;
    SEQS.forEach((s, b) =>
      expected(s).forEach((want, t) => {
        const got = (out.target_logprobs.data as Float32Array)[b * T + t];
        assert.ok(Math.abs(got - want) < 2e-2, `b${b} t${t}: ${got} vs ${want}`); // fp16 logits
      }),
    );
  });
});
