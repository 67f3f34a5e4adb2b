/**
 * core/cot with the REAL compressor model (the embedded one, loaded through createScorer;
 * CONTEXTZIP_TEST_MODEL may point at another local model folder of the same layout).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  cotJobHandlers,
  compressTrace,
  firstNonWhitespace,
  firstTokenSurprisal,
  planSurprisalWindows,
  splitTrace,
  tokenCoveringOffset,
  type CotResult,
} from '../../src/core/cot/index.js';
import { createScorer, type Scorer } from '../../src/core/model/index.js';
import { createTokenCounter } from '../../src/core/tokens/index.js';
import { CancelledError } from '../../src/core/errors.js';

const MODEL = process.env.CONTEXTZIP_TEST_MODEL || 'embedded';
const fixture = (name: string): string => fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'cot', name), 'utf8');
const o200k = createTokenCounter('o200k_base');

/** A long synthetic trace (deterministic), well beyond a 1024-token window. */
export function longTrace(steps: number): string {
  const verbs = ['check', 'count', 'sort', 'merge', 'update', 'compare', 'store', 'scan'];
  const things = [
    'the prefix sums',
    'the left pointer',
    'the answer',
    'each window',
    'the frequency map',
    'the visited set',
  ];
  const out: string[] = [];
  for (let i = 0; i < steps; i++) {
    const v = verbs[(i * 7) % verbs.length];
    const t = things[(i * 5) % things.length];
    out.push(
      `Step ${i}: we ${v} ${t} again, because value_${i % 11} might change when i = ${i}. Then total_${i % 5} += ${i * 3}.`,
    );
    if (i % 9 === 4) out.push(`\`\`\`python\nfor j in range(${i}):\n    total_${i % 5} += j\n\`\`\``);
  }
  return out.join('\n\n');
}

/** Kept steps are an in-order subsequence of the original steps, verbatim, and the text is exactly their assembly. */
function assertVerbatimSubsequence(input: string, res: CotResult): void {
  const split = splitTrace(input);
  const keptTexts = res.steps.filter((s) => s.kept).map((s) => input.slice(s.start, s.end));
  assert.deepEqual(
    res.steps.map((s) => [s.start, s.end]),
    split.steps.map((s) => [s.start, s.end]),
  );
  let pos = 0;
  for (const t of keptTexts) {
    const at = res.text.indexOf(t, pos);
    assert.ok(at >= pos, 'kept step appears verbatim and in order');
    pos = at + t.length;
  }
  const sep = split.newline + split.newline;
  assert.equal(res.text, split.prefix + keptTexts.join(sep) + split.suffix);
  for (const s of res.steps) if (s.anchored) assert.ok(s.kept, `anchored step ${s.index} was removed`);
}

describe('cot with the real model', () => {
  let scorer: Scorer;
  /**
   * Exact comparisons use fp32: q8 is dynamically quantized (activation scales computed over
   * the whole batch tensor), so a token's log-prob under q8 shifts slightly with whatever else
   * is in the pass (measured: ~0.06 nats). fp32 and q4 (weight-only) are exact.
   */
  let exact: Scorer;
  before(async () => {
    scorer = await createScorer({ model: MODEL });
    exact = await createScorer({ model: MODEL, dtype: 'fp32' });
  });
  after(async () => {
    await scorer?.dispose();
    await exact?.dispose();
  });

  test('first-token surprisal from one pass equals a direct computation per step', async () => {
    const input = fixture('pair-sum.trace.txt');
    const split = splitTrace(input);
    const context = 'Count pairs with a given sum.\n\n' + split.prefix;
    const text = split.steps.map((s) => s.text).join('\n\n');
    const starts: number[] = [];
    const ends: number[] = [];
    let p = 0;
    for (const s of split.steps) {
      starts.push(p);
      ends.push(p + s.text.length);
      p += s.text.length + 2;
    }
    assert.ok(exact.countTokens(context + text) < exact.maxTokens, 'fixture fits one pass');
    const [whole] = await exact.score([{ context, text }]);
    const fromPass = await firstTokenSurprisal({ context, text, stepStarts: starts, stepEnds: ends }, exact);
    assert.equal(fromPass.windows, 1);
    assert.equal(fromPass.contextTruncated, false);
    // Direct computation: score {context: problem + steps before k, text: step k}. A causal LM
    // gives the same value iff the token sequence up to the step's first token is the same,
    // which we check by tokenizing the direct context too. Splitting exactly at the step
    // start tokenizes the blank line as "\n\n" at the end of the context but "\n","\n" in
    // the whole pass (byte-level BPE pre-tokenization), so we also split one token earlier
    // (at the start of the whole pass's token before the first token) to compare every step.
    const ids = (r: { tokens: Array<{ id: number }> }): number[] => r.tokens.map((t) => t.id);
    const wholeIds = ids(whole);
    const splits: Array<{ k: number; at: number }> = [];
    const checked = split.steps.slice(0, 7); // enough boundaries, quick
    checked.forEach((_, k) => {
      const t = tokenCoveringOffset(whole.tokens, firstNonWhitespace(text, starts[k]));
      splits.push({ k, at: starts[k] });
      if (t > 0) splits.push({ k, at: whole.tokens[t - 1].start });
    });
    const reqs = splits.flatMap(({ k, at }) => [
      { context: context + text.slice(0, at), text: text.slice(at, ends[k]) },
      { context, text: text.slice(0, at) }, // the direct context's own tokens (after the shared problem part)
    ]);
    const res = await exact.score(reqs);
    const comparedSteps = new Set<number>();
    let literal = 0;
    splits.forEach(({ k, at }, j) => {
      const direct = res[2 * j];
      const ctxTokens = res[2 * j + 1];
      const seq = [...ids(ctxTokens), ...ids(direct)];
      const t = tokenCoveringOffset(whole.tokens, firstNonWhitespace(text, starts[k]));
      if (seq.slice(0, t + 1).join() !== wholeIds.slice(0, t + 1).join()) return; // boundary tokenized differently
      const d = direct.tokens[t - ctxTokens.tokens.length];
      assert.ok(
        Math.abs(fromPass.surprisal[k] - -d.logprob) < 1e-3,
        `step ${k}: ${fromPass.surprisal[k]} vs ${-d.logprob}`,
      );
      comparedSteps.add(k);
      if (at === starts[k]) literal++;
    });
    assert.ok(literal >= 1, 'the literal split matches at least for the first step');
    assert.ok(comparedSteps.size >= checked.length - 1, `compared ${comparedSteps.size} of ${checked.length} steps`);
    assert.ok(fromPass.surprisal.every((v) => v > 0));
  });

  test('compressTrace: verbatim in-order output, anchors kept, budget holds across many budgets', async () => {
    const input = fixture('pair-sum.trace.txt');
    const full = o200k(input);
    const fractions = [1, 0.95, 0.9, 0.85, 0.8, 0.75, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.02];
    for (const f of fractions) {
      const budget = Math.max(1, Math.floor(full * f));
      const res = await compressTrace(input, scorer, { budget, problem: 'Count pairs with a given sum.' });
      assertVerbatimSubsequence(input, res);
      assert.equal(res.originalTokens, full);
      assert.equal(res.compressedTokens, o200k(res.text));
      assert.equal(res.answer.source, 'after-think');
      assert.ok(res.text.endsWith('main()\n```\n'), 'answer after </think> is kept');
      assert.ok(res.text.includes('<think>\n') && res.text.includes('</think>'));
      if (res.budgetMet) assert.ok(res.compressedTokens <= budget, `f=${f}`);
      else {
        // unreachable only because of anchored steps and fixed text
        assert.ok(res.steps.every((s) => s.kept === s.anchored));
        assert.ok(res.warnings.some((w) => w.includes('not reachable')));
      }
      for (const s of res.steps) if (!s.anchored) assert.equal(typeof s.surprisal, 'number');
    }
  });

  test('the code-draft step and identifier-rich steps are anchored; the off-topic step is not', async () => {
    const res = await compressTrace(fixture('pair-sum.trace.txt'), scorer, { ratio: 0.8 });
    const byText = (needle: string) =>
      res.steps.find((s) => fixture('pair-sum.trace.txt').slice(s.start, s.end).includes(needle))!;
    assert.equal(byText('def count_pairs').anchorReason, 'code-line');
    assert.notEqual(byText('weather').anchorReason, 'code-line');
    assert.notEqual(byText('weather').anchorReason, 'identifiers');
    assert.deepEqual(Object.keys(res).slice(0, 5), [
      'originalTokens',
      'compressedTokens',
      'ratio',
      'budget',
      'budgetMet',
    ]);
  });

  test('CRLF trace and a trace with no answer', async () => {
    const crlf = fixture('pair-sum.trace.txt').replace(/\n/g, '\r\n');
    const res = await compressTrace(crlf, scorer, { ratio: 0.7 });
    assertVerbatimSubsequence(crlf, res);
    assert.ok(!/[^\r]\n/.test(res.text), 'only CRLF line breaks in the output');
    const none = await compressTrace('We think.\n\nWe think more.\n\nDone thinking.', scorer, { ratio: 0.5 });
    assert.equal(none.answer.source, 'none');
    assert.ok(none.warnings.some((w) => w.startsWith('No final answer')));
    assertVerbatimSubsequence('We think.\n\nWe think more.\n\nDone thinking.', none);
  });

  test('recompute mode rescores after each round and still meets the budget', async () => {
    const input = fixture('pair-sum.trace.txt');
    const once = await compressTrace(input, scorer, { ratio: 0.6, amiTopFraction: 0 });
    const re = await compressTrace(input, scorer, {
      ratio: 0.6,
      amiTopFraction: 0,
      recompute: true,
      recomputeStepsPerRound: 1,
    });
    assertVerbatimSubsequence(input, re);
    assert.equal(re.budgetMet, true, re.warnings.join('; '));
    assert.ok(re.compressedTokens <= re.budget, `${re.compressedTokens} tokens over the budget of ${re.budget}`);
    assert.equal(re.compressedTokens, o200k(re.text), "the reported count is the output's o200k_base count");
    assert.ok(re.modelTokensProcessed > once.modelTokensProcessed, 'more passes were run');
    const big = await compressTrace(input, scorer, {
      ratio: 0.6,
      amiTopFraction: 0,
      recompute: true,
      recomputeMaxTokens: 10,
    });
    assert.ok(big.warnings.some((w) => w.includes('computed once')));
  });

  test('long trace: overlapping windows in one batched call, each window leaves >= W tokens of left context', async () => {
    // A 256-token window keeps this quick: the same code paths as 1024 with a 4x longer trace.
    const small = await createScorer({ model: MODEL, dtype: 'fp32', maxTokens: 256 });
    try {
      const input = longTrace(30);
      const split = splitTrace(input);
      const count = (t: string) => small.countTokens(t);
      const totalModelTokens = count(input);
      assert.ok(totalModelTokens > 3 * small.maxTokens, `synthetic trace has ${totalModelTokens} model tokens`);
      const text = split.steps.map((s) => s.text).join('\n\n');
      const starts: number[] = [];
      const ends: number[] = [];
      let p = 0;
      for (const s of split.steps) {
        starts.push(p);
        ends.push(p + s.text.length);
        p += s.text.length + 2;
      }
      const W = small.maxTokens / 2; // the default: half the window
      const input2 = { context: '', text, stepStarts: starts, stepEnds: ends };
      const windows = planSurprisalWindows(input2, small.maxTokens, count);
      assert.ok(windows.length > 3);
      assert.deepEqual(
        windows.flatMap((w) => w.steps),
        split.steps.map((s) => s.index),
        'every step owned by exactly one window, in order',
      );
      for (const w of windows.slice(1)) {
        assert.ok(
          count(w.request.text) + W + 1 <= small.maxTokens,
          `window text (${count(w.request.text)} tokens) leaves room for W tokens of context`,
        );
        assert.ok(
          count(w.request.context) >= Math.min(W, count(text.slice(0, w.textOffset))),
          'at least W tokens (or all) of the preceding text are passed as context',
        );
      }
      const res = await firstTokenSurprisal(input2, small);
      assert.equal(res.windows, windows.length);
      assert.equal(res.contextTruncated, true);
      assert.ok(res.surprisal.every((s) => Number.isFinite(s) && s > 0));
      // one forward pass per window (window text + kept context fit the model window)
      assert.ok(res.modelTokensProcessed <= windows.length * small.maxTokens);
      // Steps of the first window see exactly what a single pass sees: same values.
      const [single] = await small.score([{ context: '', text: text.slice(0, ends[windows[0].steps.at(-1)!]) }]);
      for (const k of windows[0].steps) {
        const t = tokenCoveringOffset(single.tokens, firstNonWhitespace(text, starts[k]));
        assert.ok(Math.abs(res.surprisal[k] - -single.tokens[t].logprob) < 1e-3);
      }
      const full = await compressTrace(input, small, { ratio: 0.7, amiTopFraction: 0 });
      assert.equal(full.contextTruncated, true);
      assert.ok(full.surprisalWindows > 1);
      assert.ok(full.warnings.some((w) => w.includes('longer than the model window')));
      assertVerbatimSubsequence(input, full);
      assert.ok(full.compressedTokens <= full.budget);
    } finally {
      await small.dispose();
    }
  });

  test('worker job handlers: cot returns the CLI result shape with progress; cancellation stops with CancelledError', async () => {
    const handlers = cotJobHandlers(async () => scorer);
    const stages: string[] = [];
    const res = await handlers.cot(
      { model: {}, input: fixture('pair-sum.trace.txt'), ratio: 0.75, tokenizer: 'cl100k_base' },
      { signal: { cancelled: false }, progress: (stage) => stages.push(stage) },
    );
    assert.equal(res.tokenizer, 'cl100k_base');
    assert.ok(res.compressedTokens <= res.budget);
    assert.ok(stages.includes('load') && stages.includes('cot'));
    await assert.rejects(
      handlers.cot(
        { model: {}, input: fixture('pair-sum.trace.txt') },
        { signal: { cancelled: true }, progress: () => undefined },
      ),
      CancelledError,
    );
  });

  test('batch job: cancelled mid-run keeps the output clean and a rerun resumes', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cz-cot-cancel-'));
    try {
      const input = path.join(dir, 'in.jsonl');
      const output = path.join(dir, 'out.jsonl');
      const trace = fixture('pair-sum.trace.txt');
      fs.writeFileSync(input, ['a', 'b', 'c', 'd'].map((id) => JSON.stringify({ id, think: trace })).join('\n') + '\n');
      const handlers = cotJobHandlers(async () => scorer);
      const signal = { cancelled: false };
      const first = await handlers.cotBatch(
        { model: {}, input, output, ratio: 0.7, amiTopFraction: 0 },
        { signal, progress: (stage, done) => stage === 'traces' && done >= 2 && (signal.cancelled = true) },
      );
      assert.equal(first.cancelled, true);
      assert.equal(first.traces, 2);
      const written = fs.readFileSync(output, 'utf8');
      assert.ok(written.endsWith('\n'));
      assert.equal(written.trim().split('\n').length, 2);
      const second = await handlers.cotBatch(
        { model: {}, input, output, ratio: 0.7, amiTopFraction: 0 },
        { signal: { cancelled: false }, progress: () => undefined },
      );
      assert.equal(second.cancelled, false);
      assert.equal(second.skippedExisting, 2);
      assert.equal(second.traces, 2);
      const ids = fs
        .readFileSync(output, 'utf8')
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { id: string }).id);
      assert.deepEqual(ids, ['a', 'b', 'c', 'd']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
