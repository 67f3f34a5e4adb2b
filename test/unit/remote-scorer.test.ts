// Remote scoring against a loopback stand-in for `vllm serve` (test/support/vllm-standin.ts)
// that computes REAL log-probs with the embedded model: parity with the local scorer (per
// token and through the whole code compression), both response shapes, batching, the
// concurrency limit, retries, timeouts, cancellation, malformed answers, and the API key
// (sent as a Bearer token, never in an error). No network beyond 127.0.0.1.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { compressSources } from '../../src/core/code/compress-sources.js';
import { CancelledError, ModelError } from '../../src/core/errors.js';
import {
  createScorer,
  ScoreCache,
  type RemoteScorerSpec,
  type Scorer,
  type ScoreRequest,
} from '../../src/core/model/index.js';
import { createRemoteScorer } from '../../src/core/model/remote-scorer.js';
import { alignTokens } from '../../src/core/model/remote-response.js';
import { createTokenCounter } from '../../src/core/tokens/index.js';
import { loadScope } from '../../src/cli/scope.js';
import { startStandIn, type StandIn } from '../support/vllm-standin.js';

const ROOT = path.join(__dirname, '..', '..');
const FIXTURE = path.join(ROOT, 'test', 'fixtures', 'sample-project');
const KEY = 'sk-test-7f3a9c21-secret';
const QUERY = 'How does the cache evict expired entries?';

const REQUESTS: ScoreRequest[] = [
  { context: '', text: 'how does the cache evict entries?' },
  { context: 'def evict(self):\n    self.items.pop()\n\n', text: 'how does the cache evict entries?' },
  { context: 'x = "héllo wörld 你好"\n\n', text: 'naïve café — 你好 😀 done' },
  { context: 'long '.repeat(1500), text: 'tail text here' }, // context cut from the left
  { context: 'c', text: 'long text '.repeat(700) }, // text longer than one window
  { context: 'abc', text: '' },
];

/** A remote scorer on the stand-in; fast retries for the fault tests. */
function remote(server: StandIn, spec: Partial<RemoteScorerSpec> = {}, cache: ScoreCache | null = null) {
  return createScorer({ cache, remote: { url: server.url, retries: 2, ...spec } });
}

function completions(server: StandIn) {
  return server.requests.filter((r) => r.method === 'POST');
}

/** Same tokens, spans, log-probs (1e-4) and accounting; ids too unless the server sent none (echo of text). */
function assertSameScores(a: Awaited<ReturnType<Scorer['score']>>, b: typeof a, ids = true): void {
  assert.equal(a.length, b.length);
  a.forEach((r, i) => {
    assert.equal(r.tokens.length, b[i].tokens.length, `request ${i}: token count`);
    r.tokens.forEach((t, k) => {
      const u = b[i].tokens[k];
      if (ids) assert.equal(t.id, u.id, `request ${i} token ${k}: id`);
      assert.deepEqual([t.start, t.end, t.text], [u.start, u.end, u.text], `request ${i} token ${k}: span`);
      assert.ok(Math.abs(t.logprob - u.logprob) <= 1e-4, `request ${i} token ${k}: ${t.logprob} vs ${u.logprob}`);
    });
    assert.ok(Math.abs(r.totalLogprob - b[i].totalLogprob) <= 1e-3);
    assert.equal(r.contextTruncated, b[i].contextTruncated, `request ${i}: contextTruncated`);
    assert.equal(r.tokensProcessed, b[i].tokensProcessed, `request ${i}: tokensProcessed`);
  });
}

/** A port nothing listens on (bound, then released). */
async function freePort(): Promise<number> {
  const srv = http.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

async function expectError(p: Promise<unknown>, code: string, pattern: RegExp): Promise<ModelError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof ModelError, `expected a ModelError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    assert.match(err.message, pattern);
    assert.ok(!err.message.includes(KEY), 'the API key must never appear in an error');
    assert.ok(!String(err.stack).includes(KEY));
    return err;
  }
  assert.fail(`expected a ${code} error`);
}

describe('remote scorer against a vLLM stand-in', () => {
  let server: StandIn;
  let local: Scorer;
  before(async () => {
    server = await startStandIn({ apiKey: KEY });
    local = await createScorer({ cache: null });
  });
  after(async () => {
    await local?.dispose();
    await server?.close();
  });

  for (const protocol of ['echo', 'prompt_logprobs'] as const) {
    it(`with the served model's tokenizer (${protocol}): the local scorer's tokens and log-probs`, async () => {
      const expected = await local.score(REQUESTS);
      const r = await remote(server, { tokenizer: 'embedded', protocol, apiKey: KEY });
      assert.equal(r.maxTokens, local.maxTokens);
      assert.equal(r.countTokens('def f(x): return x'), local.countTokens('def f(x): return x'));
      assert.deepEqual(r.info, { id: server.servedName, dtype: 'remote' });
      assertSameScores(await r.score(REQUESTS), expected);
      assert.ok(expected[3].contextTruncated && expected[4].contextTruncated);
      const body = completions(server).at(-1)!.body!;
      assert.equal(body.echo, true);
      assert.equal(body.max_tokens, 0);
      assert.ok(Array.isArray((body.prompt as unknown[])[0]), 'prompts are sent as token ids');
      if (protocol === 'prompt_logprobs') assert.equal(body.prompt_logprobs, 0);
      else assert.equal(body.logprobs, 1);
    });
  }

  it('without a local tokenizer: text prompts, spans aligned, text-only pairs equal the local scores', async () => {
    const r = await remote(server, { apiKey: KEY });
    const got = await r.score(REQUESTS);
    const expected = await local.score(REQUESTS);
    assert.equal(typeof completions(server).at(-1)!.body!.prompt, 'object');
    assert.equal(typeof (completions(server).at(-1)!.body!.prompt as unknown[])[0], 'string');
    // No context: the server tokenizes the same string the same way (BOS added by its tokenizer).
    assertSameScores([got[0]], [expected[0]], false);
    for (const [i, res] of got.entries()) {
      const text = REQUESTS[i].text;
      let prev = 0;
      for (const t of res.tokens) {
        assert.ok(t.start >= 0 && t.end <= text.length && t.start <= t.end, `request ${i}: span in the text`);
        assert.ok(t.start >= prev - 2, `request ${i}: spans in order`);
        assert.ok(Number.isFinite(t.logprob) && t.logprob <= 0);
        prev = t.start;
      }
      if (text.length > 0) assert.equal(res.tokens.at(-1)!.end, text.length);
    }
    // ASCII text after a context: the tokens spell the text exactly.
    assert.equal(got[1].tokens.map((t) => t.text).join(''), REQUESTS[1].text);
    assert.equal(got[5].tokens.length, 0);
    assert.ok(got[3].contextTruncated, 'a context over the window is cut from the left');
    assert.ok(r.countTokens('some words here') > 0, 'countTokens is an estimate without a tokenizer');
  });

  it('compresses a folder with the same ranking and kept text as the local scorer', async () => {
    const scope = loadScope([FIXTURE], { exclude: [], maxFileBytes: 1 << 20 });
    const run = async (scorer: Scorer) =>
      compressSources({
        sources: scope.sources,
        skipped: scope.skipped,
        query: QUERY,
        budget: { ratio: 0.3 },
        scorer,
        countTokens: createTokenCounter('o200k_base'),
      });
    const r = await remote(server, { tokenizer: 'embedded', apiKey: KEY, maxPromptsPerRequest: 8 });
    const [a, b] = [await run(local), await run(r)];
    assert.ok(a.chunks.length > 5);
    assert.deepEqual(
      b.chunks.map((c) => [c.file, c.name, c.rank, c.status, c.keptLines]),
      a.chunks.map((c) => [c.file, c.name, c.rank, c.status, c.keptLines]),
    );
    b.chunks.forEach((c, i) => assert.ok(Math.abs(c.score - a.chunks[i].score) <= 1e-4, `${c.name}: score`));
    assert.equal(b.text, a.text);
    assert.equal(b.model.dtype, 'remote');
  });

  it('batches several prompts per request', async () => {
    const before = completions(server).length;
    const r = await remote(server, { apiKey: KEY, maxPromptsPerRequest: 4, concurrency: 1 });
    const reqs = Array.from({ length: 10 }, (_, i) => ({ context: `v${i} = ${i}\n`, text: `print(v${i})` }));
    const res = await r.score(reqs);
    assert.equal(res.length, 10);
    const sent = completions(server).slice(before);
    assert.deepEqual(
      sent.map((s) => s.prompts),
      [4, 4, 2],
    );
  });

  it('keeps at most `concurrency` requests in flight', async () => {
    const slow = await startStandIn({ delayMs: 150 });
    try {
      const r = await remote(slow, { concurrency: 2, maxPromptsPerRequest: 1 });
      const reqs = Array.from({ length: 8 }, (_, i) => ({ context: '', text: `item ${i}` }));
      // Two scorer calls at once share the one limit.
      await Promise.all([r.score(reqs.slice(0, 4)), r.score(reqs.slice(4))]);
      assert.equal(slow.maxInFlight, 2);
    } finally {
      await slow.close();
    }
  });

  it('sends the API key as a Bearer token; a wrong key is a clear error without the key', async () => {
    const r = await remote(server, { apiKey: KEY });
    await r.score([{ context: '', text: 'hello' }]);
    assert.equal(completions(server).at(-1)!.authorization, `Bearer ${KEY}`);
    const wrong = 'sk-wrong-key-000';
    const err = await expectError(remote(server, { apiKey: wrong }), 'remote-auth', /rejected the API key \(HTTP 401/);
    assert.ok(!err.message.includes(wrong));
    await expectError(remote(server, {}), 'remote-auth', /needs an API key/);
  });

  it('never repeats the key even when the server echoes it', async () => {
    const echoing = await startStandIn({
      intercept: () => ({ status: 500, body: JSON.stringify({ error: { message: `bad key ${KEY} here` } }) }),
    });
    try {
      const r = await remote(echoing, { apiKey: KEY, retries: 0 });
      const err = await expectError(
        r.score([{ context: '', text: 'x' }]),
        'remote-http',
        /HTTP 500: bad key \*\*\* here/,
      );
      assert.ok(!JSON.stringify(err).includes(KEY));
    } finally {
      await echoing.close();
    }
  });

  it('retries 500 and 429 (Retry-After) and then succeeds', async () => {
    const flaky = await startStandIn({
      intercept: (n) =>
        n === 0
          ? { status: 500, body: '{"error":{"message":"engine restarting"}}' }
          : n === 1
            ? { status: 429, body: '{"error":"slow down"}', headers: { 'retry-after': '0' } }
            : undefined,
    });
    try {
      const r = await createRemoteScorer({ url: flaky.url, retryBaseMs: 10, cache: undefined });
      const [res] = await r.score([{ context: '', text: 'hello world' }]);
      assert.ok(res.tokens.length > 0);
      assert.equal(completions(flaky).length, 3);
    } finally {
      await flaky.close();
    }
  });

  it('a timeout is a clear error', async () => {
    const hanging = await startStandIn({ intercept: () => 'hang' });
    try {
      const r = await remote(hanging, { timeoutMs: 300 });
      const t0 = Date.now();
      await expectError(r.score([{ context: '', text: 'x' }]), 'remote-timeout', /did not answer within 0\.3 s/);
      assert.ok(Date.now() - t0 < 3000);
    } finally {
      await hanging.close();
    }
  });

  it('cancellation stops the requests in flight', async () => {
    const slow = await startStandIn({ delayMs: 3000 });
    try {
      const r = await remote(slow, { concurrency: 2, maxPromptsPerRequest: 1 });
      const signal = { cancelled: false };
      setTimeout(() => (signal.cancelled = true), 200);
      const t0 = Date.now();
      await assert.rejects(
        r.score(
          Array.from({ length: 6 }, (_, i) => ({ context: '', text: `t${i}` })),
          { signal },
        ),
        CancelledError,
      );
      assert.ok(Date.now() - t0 < 1500, 'cancelled promptly');
      await new Promise((res) => setTimeout(res, 100));
      assert.equal(slow.aborted, 2, 'both in-flight requests were aborted');
      assert.equal(completions(slow).length, 2, 'no further request was sent');
    } finally {
      await slow.close();
    }
  });

  it('a malformed answer is a clear error', async () => {
    for (const [body, pattern] of [
      ['<html>gateway</html>', /malformed response: not JSON/],
      ['{"choices": "nope"}', /malformed response: no "choices" list/],
      ['{"choices": [{"text": "x"}]}', /neither "prompt_logprobs" nor "logprobs.token_logprobs"/],
    ] as const) {
      const bad = await startStandIn({ intercept: () => ({ status: 200, body }) });
      try {
        const r = await remote(bad, { retries: 0 });
        await expectError(r.score([{ context: '', text: 'x' }]), 'remote-malformed', pattern);
      } finally {
        await bad.close();
      }
    }
  });

  it('names an unreachable host, a model that is not served, and a bad URL', async () => {
    const closed = await freePort();
    await expectError(
      createRemoteScorer({ url: `http://127.0.0.1:${closed}/v1`, model: 'm', retries: 1, retryBaseMs: 5, apiKey: KEY }),
      'remote-unreachable',
      new RegExp(
        `Cannot reach the remote scorer at http://127\\.0\\.0\\.1:${closed}/v1/completions \\(ECONNREFUSED\\)`,
      ),
    );
    await expectError(
      remote(server, { apiKey: KEY, model: 'not-served' }),
      'remote-not-found',
      /does not serve model "not-served" \(it serves contextzip-embedded\)/,
    );
    await assert.rejects(createScorer({ remote: { url: 'ftp://x' } }), /must start with http/);
  });

  it('falls back to max_tokens 1 for servers that refuse 0, and drops the generated token', async () => {
    const old = await startStandIn({ rejectMaxTokensZero: true });
    try {
      const r = await remote(old, { tokenizer: 'embedded' });
      const reqs = REQUESTS.slice(0, 3);
      assertSameScores(await r.score(reqs), await local.score(reqs));
      assert.equal(completions(old).at(-1)!.body!.max_tokens, 1);
    } finally {
      await old.close();
    }
  });

  it('uses the score cache like the local scorer (server, model and tokenizer in the key)', async () => {
    const cache = new ScoreCache();
    const r = await remote(server, { apiKey: KEY }, cache);
    await r.score(REQUESTS.slice(0, 2));
    const n = completions(server).length;
    const again = await r.score(REQUESTS.slice(0, 2));
    assert.equal(completions(server).length, n, 'no request for cached pairs');
    assert.ok(again.every((x) => x.cached));
    const withTokenizer = await remote(server, { apiKey: KEY, tokenizer: 'embedded' }, cache);
    await withTokenizer.score(REQUESTS.slice(0, 1));
    assert.equal(completions(server).length, n + 1, 'another tokenizer is another cache key');
  });

  it('the CLI (dist/cli.js) compresses through --scorer-url with the same result as locally', async (t) => {
    const cli = path.join(ROOT, 'dist', 'cli.js');
    if (!fs.existsSync(cli)) {
      t.skip('dist/cli.js is missing: run npm run build');
      return;
    }
    const run = (args: string[]) =>
      new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, [cli, ...args], {
          cwd: ROOT,
          env: { ...process.env, CONTEXTZIP_SCORER_API_KEY: KEY, CONTEXTZIP_CACHE: path.join(ROOT, '.no-cache') },
        });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        child.on('close', (code) => resolve({ code, stdout, stderr }));
      });
    const common = ['compress', '--query', QUERY, '--ratio', '0.3', '--json', '--no-score-cache', FIXTURE];
    const before = completions(server).length;
    const [a, b] = await Promise.all([
      run(common),
      run([...common, '--scorer-url', server.url, '--scorer-tokenizer', 'embedded', '--scorer-batch', '8']),
    ]);
    assert.equal(a.code, 0, a.stderr);
    assert.equal(b.code, 0, b.stderr);
    assert.ok(!b.stderr.includes(KEY) && !b.stdout.includes(KEY));
    const ja = JSON.parse(a.stdout) as { text: string; chunks: Array<{ rank: number; status: string }> };
    const jb = JSON.parse(b.stdout) as typeof ja & { model: { id: string; dtype: string } };
    assert.deepEqual(
      jb.chunks.map((c) => [c.rank, c.status]),
      ja.chunks.map((c) => [c.rank, c.status]),
    );
    assert.equal(jb.text, ja.text);
    assert.deepEqual(jb.model, { id: server.servedName, dtype: 'remote' });
    const sent = completions(server).slice(before);
    assert.ok(sent.length > 0 && sent.every((s) => s.authorization === `Bearer ${KEY}`));
    assert.ok(
      sent.some((s) => s.prompts > 1),
      'the CLI batches prompts',
    );
  });
});

describe('token alignment without a local tokenizer', () => {
  it('spans of decoded tokens, a BOS that is not in the prompt, and partial characters', () => {
    assert.deepEqual(alignTokens('def f', ['<s>', 'def', ' f']), [
      [0, 0],
      [0, 3],
      [3, 5],
    ]);
    // SentencePiece decodes "▁world" alone as "world".
    assert.deepEqual(alignTokens('hello world', ['hello', 'world']), [
      [0, 5],
      [6, 11],
    ]);
    // Raw byte-level symbols (older vLLM): "Ġ" is a space.
    assert.deepEqual(alignTokens('a b', ['a', 'Ġb']), [
      [0, 1],
      [1, 3],
    ]);
    // "é" in two byte tokens, each decoded to U+FFFD on its own.
    assert.deepEqual(alignTokens('café ok', ['caf', '\ufffd', '\ufffd', ' ok']), [
      [0, 3],
      [3, 4],
      [3, 4],
      [4, 7],
    ]);
  });
});
