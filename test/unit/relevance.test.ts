// The fused ranking's parts with exact expectations: BM25F with a name field, z-score fusion
// (weights, a missing association signal), and the embedded model's word-association component
// loaded from the shipped files.
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { bm25fScores } from '../../src/core/code/bm25.js';
import { DEFAULT_FUSION_WEIGHTS, fuseSignals } from '../../src/core/code/fusion.js';
import { WordAssociation } from '../../src/core/model/word-association.js';

const MODEL_DIR = path.join(__dirname, '..', '..', 'models', 'embedded');

describe('BM25F', () => {
  it('a query word in the name field outweighs the same word once in a body', () => {
    const s = bm25fScores(
      [
        { name: 'parseHeaders', body: 'function parseHeaders(raw) { return split(raw) }' },
        { name: 'render', body: 'function render() { /* headers are parsed elsewhere */ }' },
        { name: 'noop', body: 'function noop() {}' },
      ],
      'parse the headers',
    );
    assert.ok(s[0] > s[1] && s[1] > s[2], s.join(' '));
    assert.equal(s[2], 0);
  });
  it('with one document and no shared word, every score is 0', () => {
    assert.deepEqual(bm25fScores([{ name: 'a', body: 'zzz' }], 'parse headers'), [0]);
  });
});

describe('fusion of z-scored signals', () => {
  it('weights per-run z-scores and drops the association weight when the signal is absent', () => {
    const z = Math.sqrt(1.5); // z-scores of [1, 2, 3] are -z, 0, z
    const fused = fuseSignals(
      { ami: [1, 2, 3], lexical: [3, 2, 1], association: [0, 0, 3] },
      { ami: 0.5, lexical: 0.25, association: 0.25 },
    );
    const zAssoc = [-Math.SQRT1_2, -Math.SQRT1_2, Math.SQRT2];
    [0.5 * -z + 0.25 * z + 0.25 * zAssoc[0], 0.25 * zAssoc[1], 0.5 * z - 0.25 * z + 0.25 * zAssoc[2]].forEach((v, i) =>
      assert.ok(Math.abs(fused[i] - v) < 1e-12, `${fused[i]} vs ${v}`),
    );
    const noAssoc = fuseSignals({ ami: [1, 2, 3], lexical: [1, 2, 3] }, DEFAULT_FUSION_WEIGHTS);
    assert.ok(Math.abs(noAssoc[2] - (DEFAULT_FUSION_WEIGHTS.ami + DEFAULT_FUSION_WEIGHTS.lexical) * z) < 1e-12);
    // A chunk the model never scored (-Infinity AMI) counts as the run's minimum, not NaN.
    assert.ok(
      fuseSignals({ ami: [-Infinity, 0, 1], lexical: [0, 0, 0] }, DEFAULT_FUSION_WEIGHTS).every(Number.isFinite),
    );
  });
});

describe('word association (embedded model files)', () => {
  const wa = WordAssociation.load(MODEL_DIR)!;
  it('loads the shipped vocabulary and dimensions', () => {
    assert.ok(wa, 'models/embedded has word-association.json/.bin');
    assert.equal(wa.meta.format, 'contextzip-word-association');
    assert.equal(wa.meta.words, 'identifier-split-porter-v1');
    assert.equal(wa.meta.dim, 128);
    assert.equal(wa.meta.vocab.length, 16749);
  });
  it('splits like the lexical signals and ignores unknown words', () => {
    assert.deepEqual(
      wa.wordIds('parseHeaders xqzzyv').map((i) => wa.meta.vocab[i]),
      ['pars', 'header'],
    );
  });
  it('a description gains more from the code it describes than from unrelated code', () => {
    const q = wa.wordIds('Parses the HTTP headers of a request into a map');
    const parser =
      'def parse_headers(raw):\n    headers = {}\n    for line in raw.split("\\r\\n"):\n        key, value = line.split(":", 1)\n        headers[key.strip().lower()] = value.strip()\n    return headers\n';
    const other = 'def draw_circle(canvas, x, y, r):\n    canvas.arc(x, y, r, 0, 2 * math.pi)\n    canvas.fill()\n';
    assert.ok(wa.relevance(q, parser) > wa.relevance(q, other) + 0.5);
    assert.equal(wa.relevance([], parser), 0);
    assert.equal(wa.relevance(q, '   \n'), 0);
  });
  it('a folder without the files has no component; a truncated file is an error', async () => {
    assert.equal(WordAssociation.load(path.join(MODEL_DIR, 'onnx')), null);
    const fs = await import('node:fs');
    const os = await import('node:os');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cz-wa-'));
    fs.copyFileSync(path.join(MODEL_DIR, 'word-association.json'), path.join(dir, 'word-association.json'));
    fs.writeFileSync(path.join(dir, 'word-association.bin'), Buffer.alloc(100));
    assert.throws(() => WordAssociation.load(dir), /100 bytes, expected/);
    fs.rmSync(dir, { recursive: true });
  });
});
