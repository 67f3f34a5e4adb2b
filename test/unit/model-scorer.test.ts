// The scorer with the real embedded model: parity with PyTorch, batching, offsets, windows,
// caching, model folders (missing/corrupt), hub ids through transformers.js' local-path
// mechanism, and downloads from a loopback server. No network is used.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { lineMeanSurprisal, lineSpans, tokenIndexAt } from '../../src/core/model/derive.js';
import {
  createScorer,
  embeddedModelDir,
  PersistentScoreCache,
  ScoreCache,
  type Scorer,
} from '../../src/core/model/index.js';
import { ModelError as ModelErrorClass, CancelledError } from '../../src/core/errors.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cz-scorer-'));
const CODE = 'def add(a, b):\n    """Add two numbers."""\n    return a + b\n\n\nprint(add(1, 2))\n';

function copyModel(dest: string, files?: string[]): void {
  const src = embeddedModelDir();
  const all = files ?? [
    'config.json',
    'tokenizer.json',
    'tokenizer_config.json',
    'generation_config.json',
    'onnx/model_quantized.onnx',
  ];
  for (const f of all) {
    if (!fs.existsSync(path.join(src, f))) continue;
    fs.mkdirSync(path.dirname(path.join(dest, f)), { recursive: true });
    fs.copyFileSync(path.join(src, f), path.join(dest, f));
  }
}

describe('embedded model scorer', () => {
  let scorer: Scorer;
  before(async () => {
    scorer = await createScorer({ model: 'embedded', dtype: 'q8', cache: null });
  });
  after(async () => {
    await scorer.dispose();
  });

  it('reports its identity and window', () => {
    assert.deepEqual(scorer.info, { id: 'embedded', dtype: 'q8' });
    assert.ok(scorer.maxTokens >= 512, `maxTokens ${scorer.maxTokens}`);
  });

  it('matches the PyTorch reference log-probs of the exported graph', async () => {
    // ids = [bos] + encode(context + joiner) + encode(text); logprobs[t-1] = log p(ids[t] | ids[..t-1]).
    const ref = JSON.parse(fs.readFileSync(path.join(embeddedModelDir(), 'torch_reference.json'), 'utf8')) as {
      text: string;
      context: string;
      joiner: string;
      ids: number[];
      textStart: number;
      logprobs: number[];
    };
    const fp32Exists = fs.existsSync(path.join(embeddedModelDir(), 'onnx', 'model.onnx'));
    const s = fp32Exists ? await createScorer({ model: 'embedded', dtype: 'fp32', cache: null }) : scorer;
    try {
      const [r] = await s.score([{ context: ref.context + ref.joiner, text: ref.text }]);
      const expected = ref.logprobs.slice(ref.textStart - 1);
      assert.deepEqual(
        r.tokens.map((t) => t.id),
        ref.ids.slice(ref.textStart),
      );
      assert.equal(r.tokens.length, expected.length);
      // fp32 must agree to 4 decimals; quantized weights within a looser bound.
      const tol = fp32Exists ? 1e-4 : 0.5;
      r.tokens.forEach((t, i) =>
        assert.ok(Math.abs(t.logprob - expected[i]) < tol, `token ${i}: ${t.logprob} vs ${expected[i]}`),
      );
    } finally {
      if (s !== scorer) await s.dispose();
    }
  });

  it('gives the same results batched (with padding) as one by one, and log-probs are proper', async () => {
    // fp32 must match exactly; q8 quantizes activations per batch tensor, so only closely.
    const fp32 = fs.existsSync(path.join(embeddedModelDir(), 'onnx', 'model.onnx'));
    const batchedScorer = await createScorer({
      model: 'embedded',
      dtype: fp32 ? 'fp32' : 'q8',
      maxBatchSize: 4,
      cache: null,
    });
    const singleScorer = await createScorer({
      model: 'embedded',
      dtype: fp32 ? 'fp32' : 'q8',
      maxBatchSize: 1,
      cache: null,
    });
    const tol = fp32 ? 1e-4 : 0.15;
    const reqs = [
      { context: '', text: CODE },
      { context: CODE, text: '# Add two numbers.\n' },
      { context: 'x', text: 'y' },
      { context: 'function f() {\n', text: '  return 1;\n}\n' },
      { context: '', text: 'naïve café 🎉 done\n' },
    ];
    const batched = await batchedScorer.score(reqs);
    for (let i = 0; i < reqs.length; i++) {
      const [single] = await singleScorer.score([reqs[i]]);
      assert.equal(single.tokens.length, batched[i].tokens.length);
      single.tokens.forEach((t, k) =>
        assert.ok(Math.abs(t.logprob - batched[i].tokens[k].logprob) < tol, `req ${i} token ${k}`),
      );
      assert.ok(batched[i].tokens.every((t) => t.logprob <= 1e-6));
      const sum = batched[i].tokens.reduce((s, t) => s + t.logprob, 0);
      assert.ok(Math.abs(sum - batched[i].totalLogprob) < 1e-6);
      assert.ok(Math.abs(batched[i].perplexity - Math.exp(-sum / batched[i].tokens.length)) < 1e-6);
    }
    await batchedScorer.dispose();
    await singleScorer.dispose();
  });

  it('maps tokens to spans that tile the text exactly', async () => {
    const text = 'naïve café 🎉\r\n\tdone = "ok"\n';
    const [r] = await scorer.score([{ context: '', text }]);
    assert.equal(r.tokens[0].start, 0);
    assert.equal(r.tokens[r.tokens.length - 1].end, text.length);
    let rebuilt = '';
    for (const t of r.tokens) if (t.end > rebuilt.length) rebuilt += text.slice(rebuilt.length, t.end);
    assert.equal(rebuilt, text);
    for (let i = 1; i < r.tokens.length; i++) assert.ok(r.tokens[i].start >= r.tokens[i - 1].start);
    assert.equal(r.tokens.length, scorer.countTokens(text));
  });

  it('extracts per-line means and first tokens exactly on the real token boundaries', async () => {
    const [r] = await scorer.score([{ context: '', text: CODE }]);
    const lines = lineSpans(CODE);
    const values = lineMeanSurprisal(CODE, r.tokens);
    assert.equal(values.length, lines.length);
    lines.forEach(([s, e], i) => {
      // Recompute by hand: tokens whose first non-newline character falls in the line.
      const own = r.tokens.filter((t) => {
        let a = t.start;
        while (a < t.end && CODE[a] === '\n') a++;
        if (a >= t.end) a = t.start;
        return a >= s && a < e;
      });
      const blank = CODE.slice(s, e).trim() === '';
      if (blank || own.length === 0) assert.ok(Number.isNaN(values[i]), `line ${i}`);
      else
        assert.ok(
          Math.abs(values[i] - own.reduce((x, t) => x - t.logprob / Math.LN2, 0) / own.length) < 1e-9,
          `line ${i}`,
        );
    });
    const ret = CODE.indexOf('return');
    const k = tokenIndexAt(r.tokens, ret);
    assert.ok(r.tokens[k].start <= ret && ret < r.tokens[k].end);
  });

  it('scores texts longer than the window in overlapping windows and says the context was cut', async () => {
    const long = Array.from({ length: 400 }, (_, i) => `value_${i} = compute(${i}, "item ${i}")\n`).join('');
    const n = scorer.countTokens(long);
    assert.ok(n > scorer.maxTokens * 2, `long text has ${n} tokens`);
    const [r] = await scorer.score([{ context: '', text: long }]);
    assert.equal(r.tokens.length, n);
    assert.equal(r.contextTruncated, true);
    assert.ok(r.tokens.every((t) => Number.isFinite(t.logprob)));
    // Tokens in the first window see their full prefix: equal to scoring the prefix alone.
    const cut = r.tokens[Math.floor(scorer.maxTokens / 2)].start;
    const [prefix] = await scorer.score([{ context: '', text: long.slice(0, cut) }]);
    assert.equal(prefix.contextTruncated, false);
    for (let i = 0; i < prefix.tokens.length - 1; i++)
      assert.ok(Math.abs(prefix.tokens[i].logprob - r.tokens[i].logprob) < 1e-4, `token ${i}`);
    // A short text after a long context keeps the context's end.
    const [tail] = await scorer.score([{ context: long, text: 'print(value_399)\n' }]);
    assert.equal(tail.contextTruncated, true);
    assert.ok(tail.tokensProcessed <= scorer.maxTokens);
  });

  it("returns the context's own tokens from the same pass, equal to scoring the context alone", async () => {
    const context = CODE.trimEnd() + '\n\n';
    const query = 'add two numbers';
    const cache = new ScoreCache();
    const cached = await createScorer({ model: 'embedded', dtype: 'q8', cache });
    try {
      const [both] = await cached.score([{ context, text: query, scoreContext: true }]);
      const [plain] = await scorer.score([{ context, text: query }]);
      const [alone] = await scorer.score([{ context: '', text: context }]);
      assert.ok(both.contextTokens, 'context tokens returned');
      assert.deepEqual(
        both.contextTokens.map((t) => [t.id, t.start, t.end]),
        alone.tokens.map((t) => [t.id, t.start, t.end]),
      );
      both.contextTokens.forEach((t, k) => assert.ok(Math.abs(t.logprob - alone.tokens[k].logprob) < 1e-5));
      assert.deepEqual(
        both.tokens.map((t) => [t.id, t.start, t.end]),
        plain.tokens.map((t) => [t.id, t.start, t.end]),
      );
      both.tokens.forEach((t, k) => assert.ok(Math.abs(t.logprob - plain.tokens[k].logprob) < 1e-5));
      assert.equal(both.tokensProcessed, plain.tokensProcessed);
      // Cached as what they are: the pair, and the context scored alone.
      const [again] = await cached.score([{ context, text: query, scoreContext: true }]);
      assert.equal(again.cached, true);
      assert.deepEqual(again.contextTokens, both.contextTokens);
      const [contextAlone] = await cached.score([{ context: '', text: context }]);
      assert.equal(contextAlone.cached, true);
      assert.deepEqual(contextAlone.tokens, both.contextTokens);
      // A context that does not fit one window with the text is cut, and has no own tokens.
      const long = 'x = 1\n'.repeat(scorer.maxTokens);
      const [cut] = await scorer.score([{ context: long, text: query, scoreContext: true }]);
      assert.equal(cut.contextTruncated, true);
      assert.equal(cut.contextTokens, undefined);
    } finally {
      await cached.dispose();
    }
  });

  it('stops when cancelled', async () => {
    await assert.rejects(scorer.score([{ context: '', text: CODE }], { signal: { cancelled: true } }), CancelledError);
  });
});

describe('score cache', () => {
  it('serves repeated pairs from memory and persists them safely', async () => {
    const cache = new ScoreCache();
    const s = await createScorer({ model: 'embedded', dtype: 'q8', cache });
    try {
      const [a] = await s.score([{ context: 'ctx', text: CODE }]);
      const [b] = await s.score([{ context: 'ctx', text: CODE }]);
      assert.equal(a.cached, undefined);
      assert.equal(b.cached, true);
      assert.equal(cache.hits, 1);
      assert.deepEqual(
        b.tokens.map((t) => t.logprob),
        a.tokens.map((t) => t.logprob),
      );
    } finally {
      await s.dispose();
    }

    const file = path.join(tmp, 'scores.json');
    const info = { id: 'embedded', dtype: 'q8' };
    const p1 = new PersistentScoreCache(file, info);
    const s1 = await createScorer({ model: 'embedded', dtype: 'q8', cache: p1 });
    const text = 'naïve café 🎉\nreturn x\n';
    const [orig] = await s1.score([{ context: 'c', text }]);
    await s1.dispose();
    p1.save();
    const p2 = new PersistentScoreCache(file, info);
    assert.equal(p2.load(), 1);
    const s2 = await createScorer({ model: 'embedded', dtype: 'q8', cache: p2 });
    const [again] = await s2.score([{ context: 'c', text }]);
    await s2.dispose();
    assert.equal(again.cached, true);
    assert.deepEqual(
      again.tokens.map((t) => [t.text, t.start, t.end, Math.fround(t.logprob)]),
      orig.tokens.map((t) => [t.text, t.start, t.end, Math.fround(t.logprob)]),
    );
    // A foreign model's file and a corrupt file are ignored.
    assert.equal(new PersistentScoreCache(file, { id: 'other', dtype: 'q8' }).load(), 0);
    fs.writeFileSync(file, '{"format": "contextzip-score-cache", "version": 1, "entr');
    assert.equal(new PersistentScoreCache(file, info).load(), 0);
  });
});

describe('model folders', () => {
  it('names the missing file and the dtypes that exist', async () => {
    const dir = path.join(tmp, 'no-q4');
    copyModel(dir);
    await assert.rejects(createScorer({ model: dir, dtype: 'q4' }), (err: Error) => {
      assert.ok(err instanceof ModelErrorClass);
      assert.match(err.message, /missing onnx\/model_q4\.onnx/);
      assert.match(err.message, /dtype\(s\): q8/);
      return true;
    });
  });

  it('rejects a corrupt ONNX file and a broken config with a clear message', async () => {
    const dir = path.join(tmp, 'corrupt');
    copyModel(dir);
    fs.writeFileSync(path.join(dir, 'onnx', 'model_quantized.onnx'), crypto.randomBytes(4096));
    await assert.rejects(createScorer({ model: dir, dtype: 'q8' }), /could not be loaded \(corrupt/);
    const dir2 = path.join(tmp, 'badconfig');
    copyModel(dir2);
    fs.writeFileSync(path.join(dir2, 'config.json'), '{ nope');
    await assert.rejects(createScorer({ model: dir2, dtype: 'q8' }), /config\.json is not valid JSON/);
    await assert.rejects(
      createScorer({ model: 'not a model', dtype: 'q8' }),
      /neither "embedded", an existing folder, nor a hub id/,
    );
    await assert.rejects(createScorer({ model: 'embedded', dtype: 'int3' }), /Unknown dtype/);
  });

  it('loads a hub id from the cache folder through the local-path mechanism, offline', async () => {
    const cacheDir = path.join(tmp, 'hub-cache');
    copyModel(path.join(cacheDir, 'test-org', 'tiny-code'));
    const hub = await createScorer({ model: 'test-org/tiny-code', dtype: 'q8', cacheDir, cache: null });
    const local = await createScorer({ model: 'embedded', dtype: 'q8', cache: null });
    try {
      assert.equal(hub.info.id, 'test-org/tiny-code');
      const [a] = await hub.score([{ context: '', text: CODE }]);
      const [b] = await local.score([{ context: '', text: CODE }]);
      assert.deepEqual(
        a.tokens.map((t) => t.logprob),
        b.tokens.map((t) => t.logprob),
      );
    } finally {
      await hub.dispose();
      await local.dispose();
    }
    await assert.rejects(createScorer({ model: 'test-org/absent', dtype: 'q8', cacheDir }), /is not downloaded yet/);
  });

  it('downloads a hub model from a configured endpoint with progress, checksums and resume', async () => {
    const src = embeddedModelDir();
    const requests: Array<{ url: string; range?: string }> = [];
    const badSha = new Set<string>();
    const server = http.createServer((req, res) => {
      requests.push({ url: req.url ?? '', range: req.headers.range });
      const m = /^\/test-org\/served\/resolve\/main\/(.+)$/.exec(req.url ?? '');
      const file = m ? path.join(src, decodeURIComponent(m[1])) : '';
      if (!m || !fs.existsSync(file)) {
        res.writeHead(404).end();
        return;
      }
      const body = fs.readFileSync(file);
      const sha = crypto.createHash('sha256').update(body).digest('hex');
      const headers: Record<string, string> = { 'x-linked-etag': `"${badSha.has(m[1]) ? '0'.repeat(64) : sha}"` };
      const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
      if (range) {
        const start = Number(range[1]);
        res.writeHead(206, { ...headers, 'content-length': String(body.length - start) });
        res.end(body.subarray(start));
      } else {
        res.writeHead(200, { ...headers, 'content-length': String(body.length) });
        res.end(body);
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const cacheDir = path.join(tmp, 'downloads');
      // A partial file from an interrupted download resumes with a Range request.
      const onnx = fs.readFileSync(path.join(src, 'onnx', 'model_quantized.onnx'));
      const dest = path.join(cacheDir, 'test-org', 'served', 'onnx', 'model_quantized.onnx');
      fs.mkdirSync(path.dirname(dest), { recursive: true });
      fs.writeFileSync(`${dest}.part`, onnx.subarray(0, 1000));
      const progress: number[] = [];
      const s = await createScorer({
        model: 'test-org/served',
        dtype: 'q8',
        cacheDir,
        allowDownload: true,
        endpoint,
        onDownloadProgress: (p) => progress.push(p.loadedBytes),
      });
      await s.dispose();
      assert.ok(progress.length > 0);
      assert.deepEqual(fs.readFileSync(dest), onnx);
      assert.ok(requests.some((r) => r.url.endsWith('model_quantized.onnx') && r.range === 'bytes=1000-'));
      // Optional files that the server lacks (external data) are fine; required ones are not.
      badSha.add('tokenizer.json');
      const cache2 = path.join(tmp, 'downloads-bad');
      await assert.rejects(
        createScorer({ model: 'test-org/served', dtype: 'q8', cacheDir: cache2, allowDownload: true, endpoint }),
        /Checksum mismatch for test-org\/served\/tokenizer\.json/,
      );
      assert.equal(fs.existsSync(path.join(cache2, 'test-org', 'served', 'tokenizer.json')), false);
      await assert.rejects(
        createScorer({ model: 'test-org/missing', dtype: 'q8', cacheDir: cache2, allowDownload: true, endpoint }),
        /Download of test-org\/missing\/config\.json failed: HTTP 404/,
      );
    } finally {
      server.close();
    }
  });

  it('says it is offline when the endpoint cannot be reached', async () => {
    await assert.rejects(
      createScorer({
        model: 'test-org/x',
        dtype: 'q8',
        cacheDir: path.join(tmp, 'offline'),
        allowDownload: true,
        endpoint: 'http://127.0.0.1:9',
      }),
      /Could not reach http:\/\/127\.0\.0\.1:9 .* Are you offline\?/,
    );
  });
});
