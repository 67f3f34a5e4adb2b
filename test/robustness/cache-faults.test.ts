/** Score cache faults: bad entries, parallel runs, killed saves, rebuilt models, unusable folders. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  embeddedModelDir,
  ensureDir,
  modelFingerprint,
  PersistentScoreCache,
  type ScoreResult,
} from '../../src/core/model/index.js';
import { isolatedEnv, rmTmp, runCli, tmpDir, writeTree } from './cli-harness.js';

const info = { id: 'embedded', dtype: 'q8' };

/** A score result as a scorer returns it, for a text split into two tokens. */
function result(text: string, logprobs: [number, number]): ScoreResult {
  const cut = Math.floor(text.length / 2);
  return {
    tokens: [
      { id: 1, text: text.slice(0, cut), logprob: logprobs[0], start: 0, end: cut },
      { id: 2, text: text.slice(cut), logprob: logprobs[1], start: cut, end: text.length },
    ],
    totalLogprob: logprobs[0] + logprobs[1],
    perplexity: Math.exp(-(logprobs[0] + logprobs[1]) / 2),
    contextTruncated: false,
    tokensProcessed: 2,
  };
}

describe('robustness: score cache faults', () => {
  let dir: string;
  before(() => {
    dir = tmpDir('cache');
  });
  after(() => rmTmp(dir));

  test('entries with NaN or positive log-probs or spans outside the text are not trusted', () => {
    const file = path.join(dir, 'nan.json');
    const writer = new PersistentScoreCache(file, info);
    writer.set('good', result('return x', [-1.5, -0.25]));
    writer.set('nan', result('return y', [Number.NaN, -1]));
    writer.set('positive', result('return z', [3, -1]));
    writer.save();
    const data = JSON.parse(fs.readFileSync(file, 'utf8')) as { entries: Array<{ k: string; en: string }> };
    assert.equal(data.entries.length, 3, 'save writes what it was given');
    const reader = new PersistentScoreCache(file, info);
    assert.equal(reader.load(), 1);
    assert.deepEqual(
      reader.get('good')?.tokens.map((t) => [t.text, t.logprob]),
      [
        ['retu', -1.5],
        ['rn x', -0.25],
      ],
    );
    assert.equal(reader.get('nan'), undefined);
    assert.equal(reader.get('positive'), undefined);
  });

  test('two runs saving the same cache file keep both runs\u2019 entries', () => {
    const file = path.join(dir, 'parallel.json');
    const a = new PersistentScoreCache(file, info);
    const b = new PersistentScoreCache(file, info);
    a.load();
    b.load();
    a.set('from-a', result('alpha', [-1, -2]));
    b.set('from-b', result('beta', [-3, -4]));
    a.save();
    b.save();
    const c = new PersistentScoreCache(file, info);
    assert.equal(c.load(), 2);
    assert.ok(c.get('from-a') && c.get('from-b'));
  });

  test('a temp file of a killed save is removed by the next save, and none is left', () => {
    const file = path.join(dir, 'killed.json');
    const orphan = `${file}.${2 ** 22 + 1}.1700000000000.tmp`; // above pid_max: that process is gone
    fs.writeFileSync(orphan, '{"format": "contextzip-score-cache", "entr');
    const cache = new PersistentScoreCache(file, info);
    cache.set('k', result('gamma', [-1, -1]));
    cache.save();
    assert.deepEqual(
      fs.readdirSync(dir).filter((n) => n.startsWith('killed.json')),
      ['killed.json'],
    );
  });

  test('the model fingerprint follows content: a copy with a new mtime keeps it, changed weights do not', () => {
    const copy = path.join(dir, 'model-copy');
    fs.cpSync(embeddedModelDir(), copy, { recursive: true });
    const onnx = path.join(copy, 'onnx', 'model_quantized.onnx');
    const original = modelFingerprint({ kind: 'local', id: 'm', dir: embeddedModelDir() }, 'q8');
    fs.utimesSync(onnx, new Date(2001, 1, 1), new Date(2001, 1, 1));
    assert.equal(modelFingerprint({ kind: 'local', id: 'm', dir: copy }, 'q8'), original);
    const bytes = fs.readFileSync(onnx);
    bytes[bytes.length - 1] ^= 0xff;
    fs.writeFileSync(onnx, bytes);
    assert.notEqual(modelFingerprint({ kind: 'local', id: 'm', dir: copy }, 'q8'), original);
  });

  test('an unusable cache folder is detected, and compress runs without a persistent cache', async () => {
    assert.equal(ensureDir('/proc/contextzip-test/scores'), false);
    fs.writeFileSync(path.join(dir, 'a-file'), '');
    assert.equal(ensureDir(path.join(dir, 'a-file', 'scores')), false);
    assert.equal(ensureDir(path.join(dir, 'new', 'nested', 'scores')), true);
    writeTree(dir, { 'src/a.py': 'def area(w, h):\n    return w * h\n' });
    const r = await runCli(['compress', '--query', 'area', '--ratio', '1', 'src'], {
      cwd: dir,
      env: { ...isolatedEnv(dir), XDG_CACHE_HOME: '/proc/contextzip-test' },
      timeoutMs: 60_000,
    });
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stderr,
      /^contextzip: warning: score cache folder \/proc\/contextzip-test\/contextzip\/scores is not usable; scores are not persisted$/m,
    );
    assert.ok(r.stdout.includes('return w * h'));
  });
});
