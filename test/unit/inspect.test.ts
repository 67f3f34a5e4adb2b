// Model-file inspection on real files: the embedded model's fp32/q8/q4 ONNX graphs (exact
// tensor counts, schemes, bits per weight, parameter totals from config.json), safetensors
// and GGUF files written here in the real formats with known contents (exact statistics, a
// 2:4 pattern, a matrix of known rank), corrupt files of each format, and the q8-vs-fp32
// comparison.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import {
  inspectAndCompare,
  inspectModelFile,
  InspectError,
  lowRankProfile,
  nmSparsity,
  type ModelReport,
  type TensorReport,
} from '../../src/core/inspect/index.js';
import { kendallTau, topKOverlap } from '../../src/core/inspect/variants.js';
import { f16, f32, GGUF_STRING, GGUF_UINT32, q4_0, q8_0, writeGguf, writeSafetensors } from '../support/model-files.js';

const ONNX_DIR = path.join(__dirname, '..', '..', 'models', 'embedded', 'onnx');
const config = JSON.parse(fs.readFileSync(path.join(ONNX_DIR, '..', 'config.json'), 'utf8')) as {
  vocab_size: number;
  hidden_size: number;
  intermediate_size: number;
  num_hidden_layers: number;
  contextzip: { mixture: { classes: number; association: { dim: number } } };
};
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cz-inspect-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const byName = (r: ModelReport) => new Map(r.tensors.map((t) => [t.name, t]));
const count = (r: ModelReport, dtype: string) => r.tensors.filter((t) => t.dtype === dtype).length;

/** Llama decoder parameters from config.json: embedding + per layer (q,k,v,o, gate/up/down, 2 norms) + final norm. */
function decoderParams(): number {
  const h = config.hidden_size;
  const perLayer = 4 * h * h + 3 * h * config.intermediate_size + 2 * h;
  return config.vocab_size * h + config.num_hidden_layers * perLayer + h;
}
const assocParams = () => {
  const { classes, association } = config.contextzip.mixture;
  return classes + 2 * classes * association.dim;
};

async function expectInspectError(file: string, code: string, pattern: RegExp): Promise<void> {
  await assert.rejects(inspectModelFile(file), (err: unknown) => {
    assert.ok(err instanceof InspectError, `expected InspectError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    assert.match(err.message, pattern);
    return true;
  });
}

describe('embedded model ONNX files', () => {
  let fp32: ModelReport;
  let q8: ModelReport;
  let q4: ModelReport;

  it('fp32: 41 F32 tensors whose parameters are the config decoder plus the association part', async () => {
    fp32 = await inspectModelFile(path.join(ONNX_DIR, 'model.onnx'));
    assert.equal(fp32.format, 'onnx');
    assert.equal(fp32.tensors.length, 41);
    assert.equal(count(fp32, 'F32'), 41);
    assert.equal(fp32.bitsPerWeight, 32);
    const lm = fp32.tensors.filter((t) => t.name.startsWith('lm.')).reduce((s, t) => s + t.params, 0);
    assert.equal(lm, decoderParams());
    assert.equal(lm, 1_639_552);
    assert.equal(fp32.totalParams, decoderParams() + assocParams());
    assert.equal(fp32.bytes, 4 * fp32.totalParams);
    assert.equal(fp32.compressionVsFp16, 0.5);
    const q = byName(fp32).get('lm.layers.0.q.weight')!;
    assert.deepEqual(q.shape, [128, 128]);
    assert.equal(q.nmSparsity, null);
    assert.equal(q.zeroFraction, 0);
    assert.equal(q.numericalRank, 32); // full rank up to the 32 singular values computed
    assert.ok(q.stats && q.stats.std > 0 && !q.stats.sampled);
    assert.deepEqual(
      fp32.layers.map((l) => l.layer),
      ['assoc', 'lm', 'lm.layers.0', 'lm.layers.1', 'lm.layers.2', 'lm.layers.3'],
    );
  });

  it('q8: every >=1024-element weight is int8 per row (scale + zero point), the rest stays F32', async () => {
    q8 = await inspectModelFile(path.join(ONNX_DIR, 'model_quantized.onnx'));
    assert.equal(q8.tensors.length, 41);
    assert.equal(count(q8, 'int8'), 31);
    assert.equal(count(q8, 'F32'), 10);
    assert.equal(q8.totalParams, fp32.totalParams);
    for (const t of q8.tensors.filter((x) => x.dtype === 'int8')) {
      const [rows, cols] = t.shape;
      // int8 values + one fp32 scale and one int8 zero point per row
      assert.equal(t.bytes, rows * cols + 5 * rows, t.name);
      assert.equal(t.bitsPerWeight, 8 + 40 / cols, t.name);
      assert.equal(t.quant?.axis, 0);
      assert.equal(t.quant?.zeroPoint, false);
      assert.equal(t.quant?.scaleDtype, 'F32');
    }
    assert.equal(byName(q8).get('lm.embed.weight')!.bitsPerWeight, 8.3125);
    assert.equal(byName(q8).get('lm.layers.2.down.weight')!.bitsPerWeight, 8 + 40 / 384);
    const expectedBytes = q8.tensors.reduce(
      (s, t) => s + (t.dtype === 'int8' ? t.shape[0] * t.shape[1] + 5 * t.shape[0] : 4 * t.params),
      0,
    );
    assert.equal(q8.bytes, expectedBytes);
    assert.ok(q8.bitsPerWeight > 8.4 && q8.bitsPerWeight < 8.45, String(q8.bitsPerWeight));
  });

  it('q4: MatMulNBits 4-bit block 32 with fp32 scales is exactly 5 bits per weight; embeddings int8 per row', async () => {
    q4 = await inspectModelFile(path.join(ONNX_DIR, 'model_q4.onnx'));
    assert.equal(q4.tensors.length, 42);
    assert.equal(count(q4, 'int4-block32'), 30);
    assert.equal(count(q4, 'int8'), 2);
    assert.equal(count(q4, 'F32'), 10); // norms + assoc.bias
    for (const t of q4.tensors.filter((x) => x.dtype === 'int4-block32')) {
      assert.equal(t.bitsPerWeight, 5, t.name);
      assert.equal(t.quant?.blockSize, 32);
      assert.equal(t.quant?.bits, 4);
    }
    const emb = byName(q4).get('lm_embed_Gather_Eq')!;
    assert.deepEqual(emb.shape, [6144, 128]);
    assert.equal(emb.bitsPerWeight, 8.25); // int8 + one fp32 scale per row, no zero point
    // The tied LM head is a separate 4-bit copy of the embedding: [hidden, vocab].
    assert.deepEqual(byName(q4).get('lm_MatMul_mnb')!.shape, [128, 6144]);
    assert.equal(q4.dtypes['int4-block32'], 4 * 212_992 + 786_432 + 252_416);
    // Dequantized 4-bit values keep the fp32 range (symmetric, scale = max|w| / 7 per block).
    const q = byName(q4).get('lm_layers.0_q_MatMul_mnb')!;
    const ref = byName(fp32).get('lm.layers.0.q.weight')!;
    assert.ok(Math.abs(q.stats!.maxAbs - ref.stats!.maxAbs) < 1e-6);
    assert.ok(q4.bitsPerWeight < q8.bitsPerWeight && q8.bitsPerWeight < fp32.bitsPerWeight);
  });

  it('compare q8 with fp32: every tensor matched by name, F32 exact, int8 error within half a quantization step', async () => {
    const { comparison: c } = await inspectAndCompare(
      path.join(ONNX_DIR, 'model.onnx'),
      path.join(ONNX_DIR, 'model_quantized.onnx'),
      { lowRank: false },
    );
    assert.equal(c.tensors.length, 41);
    assert.deepEqual(c.onlyA, []);
    assert.deepEqual(c.onlyB, []);
    assert.ok(c.tensors.every((t) => t.matchedBy === 'name'));
    assert.equal(c.sizeRatio, q8.bytes / fp32.bytes);
    const fp = byName(fp32);
    for (const t of c.tensors) {
      if (t.dtypeB === 'F32') {
        assert.equal(t.relError, 0, t.name);
        assert.equal(t.sizeRatio, 1);
        continue;
      }
      assert.equal(t.dtypeA, 'F32');
      assert.equal(t.dtypeB, 'int8');
      assert.ok(t.relError! > 0 && t.relError! < 0.01, `${t.name} ${t.relError}`);
      // symmetric per-row int8: |error| <= scale / 2 <= max|w| / 254
      assert.ok(t.maxAbsError! <= fp.get(t.name)!.stats!.maxAbs / 254 + 1e-7, t.name);
      assert.equal(t.errorElements, t.params);
    }
    assert.ok(c.meanRelError! > 0.001 && c.meanRelError! < 0.01, String(c.meanRelError));
  });

  it('compare q4 with fp32 matches renamed tensors and shows a larger error than q8', async () => {
    const { comparison: c } = await inspectAndCompare(
      path.join(ONNX_DIR, 'model.onnx'),
      path.join(ONNX_DIR, 'model_q4.onnx'),
      { lowRank: false },
    );
    const q = c.tensors.find((t) => t.name === 'lm.layers.0.q.weight')!;
    assert.equal(q.otherName, 'lm_layers.0_q_MatMul_mnb');
    assert.equal(q.matchedBy, 'normalized');
    assert.ok(q.relError! > 0.03 && q.relError! < 0.2, String(q.relError));
    assert.equal(c.tensors.find((t) => t.name === 'assoc.e_in.weight')?.otherName, 'e_in_Gather_Eq');
    assert.ok(c.meanRelError! > 0.01);
  });

  it('a corrupt or truncated ONNX file is a clear error', async () => {
    const bad = path.join(tmp, 'bad.onnx');
    fs.writeFileSync(bad, 'this is not a protobuf model');
    await expectInspectError(bad, 'magic', /not an ONNX model/);
    const cut = path.join(tmp, 'cut.onnx');
    fs.writeFileSync(cut, fs.readFileSync(path.join(ONNX_DIR, 'model_quantized.onnx')).subarray(0, 200_000));
    await expectInspectError(cut, 'truncated', /truncated/);
    const empty = path.join(tmp, 'empty.onnx');
    fs.writeFileSync(empty, '');
    await expectInspectError(empty, 'truncated', /empty/);
    await expectInspectError(path.join(tmp, 'missing.onnx'), 'open', /not found/);
  });
});

/** A 2:4 pattern with the kept pair in varying places (so 1:2 does not hold). */
function twoFour(rows: number, cols: number): number[] {
  const pairs = [
    [0, 1],
    [1, 3],
    [0, 2],
    [2, 3],
    [1, 2],
    [0, 3],
  ];
  const v: number[] = [];
  for (let g = 0; g < (rows * cols) / 4; g++) {
    const keep = pairs[g % pairs.length];
    for (let i = 0; i < 4; i++) v.push(keep.includes(i) ? 1 + ((g + i) % 7) : 0);
  }
  return v;
}

/** rows x cols matrix of rank `rank`: row i is v[i % rank] for seeded random vectors v. */
function lowRank(rows: number, cols: number, rank: number): number[] {
  let s = 12345;
  const rnd = () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return s / 2 ** 31 - 0.5;
  };
  const basis = Array.from({ length: rank }, () => Array.from({ length: cols }, rnd));
  const v: number[] = [];
  for (let i = 0; i < rows; i++) v.push(...basis[i % rank]);
  return v;
}

describe('safetensors written by the test', () => {
  const file = path.join(tmp, 'model.safetensors');
  const dense = Array.from({ length: 32 }, (_, i) => i + 1);
  const half = [0.5, -1, 2, 0, 1.5, -0.25, 4, 8];
  let r: ModelReport;
  let t: Map<string, TensorReport>;

  it('reads every tensor with exact statistics', async () => {
    writeSafetensors(
      file,
      [
        { name: 'model.layers.0.dense.weight', dtype: 'F32', shape: [4, 8], data: f32(dense) },
        { name: 'model.layers.0.sparse.weight', dtype: 'F32', shape: [8, 16], data: f32(twoFour(8, 16)) },
        { name: 'model.layers.1.lowrank.weight', dtype: 'F32', shape: [96, 80], data: f32(lowRank(96, 80, 5)) },
        { name: 'model.norm.weight', dtype: 'F16', shape: [2, 4], data: f16(half) },
        { name: 'position_ids', dtype: 'I64', shape: [3], data: Buffer.from(new BigInt64Array([0n, 1n, 2n]).buffer) },
      ],
      { format: 'pt' },
    );
    r = await inspectModelFile(file);
    t = byName(r);
    assert.equal(r.format, 'safetensors');
    assert.equal(r.tensors.length, 5);
    assert.equal(r.metadata.format, 'pt');
    assert.equal(r.totalParams, 32 + 128 + 96 * 80 + 8 + 3);
    const d = t.get('model.layers.0.dense.weight')!;
    assert.equal(d.dtype, 'F32');
    assert.equal(d.bitsPerWeight, 32);
    assert.equal(d.bytes, 128);
    assert.equal(d.zeroFraction, 0);
    assert.equal(d.stats!.min, 1);
    assert.equal(d.stats!.max, 32);
    assert.equal(d.stats!.mean, 16.5);
    assert.ok(Math.abs(d.stats!.std - Math.sqrt((32 * 32 - 1) / 12)) < 1e-12);
    assert.equal(d.stats!.outlierFraction, 0);
    const h = t.get('model.norm.weight')!;
    assert.equal(h.dtype, 'F16');
    assert.equal(h.bitsPerWeight, 16);
    assert.equal(h.stats!.min, -1);
    assert.equal(h.stats!.max, 8);
    assert.equal(h.stats!.mean, half.reduce((a, b) => a + b, 0) / 8);
    assert.equal(h.zeroFraction, 1 / 8);
    const ids = t.get('position_ids')!;
    assert.equal(ids.dtype, 'I64');
    assert.equal(ids.bitsPerWeight, 64);
    assert.equal(ids.numericalRank, null);
    assert.deepEqual(
      r.layers.map((l) => [l.layer, l.tensors]),
      [
        ['(other)', 1],
        ['model', 1],
        ['model.layers.0', 2],
        ['model.layers.1', 1],
      ],
    );
  });

  it('detects the 2:4 pattern (and not 1:2)', () => {
    const s = t.get('model.layers.0.sparse.weight')!;
    assert.equal(s.zeroFraction, 0.5);
    assert.equal(s.nmSparsity, '2:4');
    assert.equal(t.get('model.layers.0.dense.weight')!.nmSparsity, null);
    assert.equal(nmSparsity(Float32Array.from([0, 1, 0, 2, 3, 0, 4, 0]), 8), '1:2');
    assert.equal(nmSparsity(Float32Array.from([0, 0, 0, 5, 0, 0, 7, 0]), 8), '1:4');
    assert.equal(nmSparsity(Float32Array.from([1, 1, 1, 0, 0, 0, 0, 0]), 8), '4:8');
  });

  it('recovers the rank of a constructed rank-5 matrix', () => {
    const lr = t.get('model.layers.1.lowrank.weight')!;
    assert.equal(lr.numericalRank, 5);
    assert.equal(lr.effectiveRank, 5);
    assert.equal(lr.lowRank!.singularValues.length, 32);
    assert.ok(lr.lowRank!.energy[4] > 0.999999);
    assert.deepEqual(lr.lowRank!.sampleShape, [96, 80]);
    // and directly, with a larger sample than the singular values computed
    const m = lowRank(300, 200, 11);
    const p = lowRankProfile(Float64Array.from(m), 300, 200);
    assert.equal(p.numericalRank, 11);
    assert.equal(p.truncated, true);
  });

  it('corrupt safetensors files are clear errors', async () => {
    const full = fs.readFileSync(file);
    const cut = path.join(tmp, 'cut.safetensors');
    fs.writeFileSync(cut, full.subarray(0, full.length - 100));
    await expectInspectError(cut, 'truncated', /truncated: tensor model\.norm\.weight|truncated/);
    fs.writeFileSync(cut, full.subarray(0, 4));
    await expectInspectError(cut, 'truncated', /no safetensors header length/);
    fs.writeFileSync(cut, full.subarray(0, 40));
    await expectInspectError(cut, 'truncated', /header needs/);
    const junk = path.join(tmp, 'junk.safetensors');
    fs.writeFileSync(junk, Buffer.from('garbage! garbage! garbage!'));
    await expectInspectError(junk, 'magic', /not a safetensors file/);
    const badJson = Buffer.alloc(8 + 6);
    badJson.writeBigUInt64LE(6n);
    badJson.write('{"a":}', 8);
    fs.writeFileSync(junk, badJson);
    await expectInspectError(junk, 'corrupt', /not valid JSON/);
  });
});

describe('GGUF written by the test', () => {
  const file = path.join(tmp, 'model.gguf');
  const q8Ints = Array.from({ length: 128 }, (_, i) => ((i * 37) % 255) - 127);
  const q4Nibbles = Array.from({ length: 128 }, (_, i) => (i * 5) % 16);
  const emb = Array.from({ length: 24 }, (_, i) => (i - 12) / 4);
  const meta: [string, number, string | number][] = [
    ['general.architecture', GGUF_STRING, 'llama'],
    ['general.name', GGUF_STRING, 'inspector test'],
    ['general.alignment', GGUF_UINT32, 32],
  ];
  let r: ModelReport;

  it('reads metadata, ggml types and dequantized statistics', async () => {
    writeGguf(file, meta, [
      { name: 'token_embd.weight', type: 0, ne: [8, 3], data: f32(emb) },
      { name: 'blk.0.attn_q.weight', type: 8, ne: [64, 2], data: q8_0(q8Ints, 0.5) },
      { name: 'blk.0.ffn_up.weight', type: 2, ne: [32, 4], data: q4_0(q4Nibbles, 0.25) },
      { name: 'output_norm.weight', type: 1, ne: [8], data: f16([1, 1, 1, 1, 2, 2, 2, 2]) },
    ]);
    r = await inspectModelFile(file);
    const t = byName(r);
    assert.equal(r.format, 'gguf');
    assert.equal(r.metadata['general.architecture'], 'llama');
    assert.equal(r.tensors.length, 4);
    const q8 = t.get('blk.0.attn_q.weight')!;
    assert.equal(q8.dtype, 'Q8_0');
    assert.deepEqual(q8.shape, [2, 64]);
    assert.equal(q8.params, 128);
    assert.equal(q8.bytes, 4 * 34);
    assert.equal(q8.bitsPerWeight, 8.5);
    const vals = q8Ints.map((q) => q * 0.5);
    assert.equal(q8.stats!.min, Math.min(...vals));
    assert.equal(q8.stats!.max, Math.max(...vals));
    assert.ok(Math.abs(q8.stats!.mean - vals.reduce((a, b) => a + b, 0) / 128) < 1e-12);
    const q4 = t.get('blk.0.ffn_up.weight')!;
    assert.equal(q4.dtype, 'Q4_0');
    assert.equal(q4.bitsPerWeight, 4.5);
    assert.equal(q4.quant?.blockSize, 32);
    const v4 = q4Nibbles.map((n) => (n - 8) * 0.25);
    assert.equal(q4.stats!.min, Math.min(...v4));
    assert.equal(q4.stats!.max, Math.max(...v4));
    assert.equal(q4.zeroFraction, v4.filter((v) => v === 0).length / 128);
    const e = t.get('token_embd.weight')!;
    assert.equal(e.dtype, 'F32');
    assert.deepEqual(e.shape, [3, 8]);
    assert.equal(e.stats!.min, -3);
    assert.equal(e.stats!.max, 2.75);
    assert.equal(t.get('output_norm.weight')!.stats!.mean, 1.5);
    assert.equal(r.layers.find((l) => l.layer === 'blk.0')?.tensors, 2);
  });

  it('corrupt GGUF files are clear errors', async () => {
    const full = fs.readFileSync(file);
    const bad = path.join(tmp, 'bad.gguf');
    fs.writeFileSync(bad, Buffer.concat([Buffer.from('GGUX'), full.subarray(4)]));
    await expectInspectError(bad, 'magic', /not a GGUF file/);
    fs.writeFileSync(bad, full.subarray(0, full.length - 40));
    await expectInspectError(bad, 'truncated', /truncated: tensor/);
    fs.writeFileSync(bad, full.subarray(0, 6));
    await expectInspectError(bad, 'truncated', /truncated/);
    fs.writeFileSync(bad, full.subarray(0, 120));
    await expectInspectError(bad, 'truncated', /truncated/);
  });
});

describe('rank agreement measures', () => {
  it('Kendall tau and top-k overlap', () => {
    assert.equal(kendallTau([1, 2, 3, 4], [10, 20, 30, 40]), 1);
    assert.equal(kendallTau([1, 2, 3, 4], [4, 3, 2, 1]), -1);
    assert.equal(kendallTau([1, 2, 3], [1, 3, 2]), 1 / 3);
    assert.equal(kendallTau([1], [1]), null);
    assert.equal(topKOverlap(['a', 'b', 'c', 'd'], ['b', 'a', 'd', 'c'], 2), 1);
    assert.equal(topKOverlap(['a', 'b', 'c', 'd'], ['c', 'a', 'b', 'd'], 2), 0.5);
  });
});
