// Exact expectations for the pure steps of code compression: knapsack, spike blocks,
// adaptive budgets, markers, per-line surprisal and token lookup.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findSurprisalSpikes, splitBlocksAtSurprisalSpikes } from '../../src/core/code/blocks.js';
import { allocateFunctionBudgets } from '../../src/core/code/budget.js';
import { knapsackSelect } from '../../src/core/code/knapsack.js';
import { describeOmission, fileHeader, lineSafeFileName, omissionMarker } from '../../src/core/code/markers.js';
import { bm25Scores, lexicalTokens } from '../../src/core/code/bm25.js';
import { COMPRESSION_DEFAULTS, resolveBudget } from '../../src/core/budget.js';
import { framedQuery } from '../../src/core/code/rank.js';
import {
  approximateMutualInformation,
  lineMeanSurprisal,
  lineSpans,
  tokenIndexAt,
} from '../../src/core/model/derive.js';
import type { ScoredToken } from '../../src/core/model/scorer.js';
import { byteLevelSpans } from '../../src/core/model/token-offsets.js';

/** Brute force over all subsets: the reference the DP must match. */
function bruteForce(items: Array<{ weight: number; value: number }>, cap: number): number {
  let best = 0;
  for (let mask = 0; mask < 1 << items.length; mask++) {
    let w = 0;
    let v = 0;
    for (let i = 0; i < items.length; i++)
      if (mask & (1 << i)) {
        w += items[i].weight;
        v += items[i].value;
      }
    if (w <= cap && v > best) best = v;
  }
  return best;
}

describe('knapsackSelect', () => {
  it('picks the hand-computed optimum where greedy by value/weight fails', () => {
    // ratio order: A (6/1), B (10/2), C (12/3); greedy takes A+B = 16 at cap 5; optimum is B+C = 22.
    const items = [
      { weight: 1, value: 6 },
      { weight: 2, value: 10 },
      { weight: 3, value: 12 },
    ];
    const r = knapsackSelect(items, 5);
    assert.deepEqual(r.chosen, [1, 2]);
    assert.equal(r.totalValue, 22);
    assert.equal(r.totalWeight, 5);
  });

  it('never takes non-positive values unless asked to fill', () => {
    const items = [
      { weight: 10, value: 5 },
      { weight: 10, value: -1 },
      { weight: 10, value: 0 },
    ];
    assert.deepEqual(knapsackSelect(items, 100).chosen, [0]);
    assert.deepEqual(knapsackSelect(items, 100, { fillWithNonPositive: true }).chosen, [0, 1, 2]);
    assert.deepEqual(knapsackSelect(items, 20, { fillWithNonPositive: true }).chosen, [0, 2]);
  });

  it('matches brute force on random instances and never exceeds capacity', () => {
    let seed = 42;
    const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    for (let trial = 0; trial < 200; trial++) {
      const n = 1 + Math.floor(rnd() * 10);
      const items = Array.from({ length: n }, () => ({
        weight: 1 + Math.floor(rnd() * 40),
        value: Math.round((rnd() * 2 - 0.3) * 100) / 10,
      }));
      const cap = Math.floor(rnd() * 120);
      const r = knapsackSelect(items, cap);
      assert.ok(r.totalWeight <= cap);
      assert.ok(Math.abs(r.totalValue - bruteForce(items, cap)) < 1e-9, `trial ${trial}`);
    }
  });

  it('buckets weights for huge tables but stays within capacity', () => {
    const items = Array.from({ length: 300 }, (_, i) => ({
      weight: 50 + ((i * 37) % 400),
      value: 1 + ((i * 13) % 17),
    }));
    const r = knapsackSelect(items, 20_000, { maxCells: 200_000 });
    assert.ok(r.totalWeight <= 20_000);
    assert.ok(r.totalValue > 0);
  });
});

describe('splitBlocksAtSurprisalSpikes', () => {
  it('splits after local maxima that stand out by tau = mean + 0.2 std', () => {
    // values: mean = 2.5, std = 1.5 -> tau = 2.8. Line 2 (value 6) rises 5 over line 1 and 4 over line 3: spike.
    // Line 5 (value 3) is a local max but rises only 1 and 2: not a spike.
    const v = [1, 1, 6, 2, 1, 3, 1, 5];
    assert.deepEqual(findSurprisalSpikes(v), [2]);
    assert.deepEqual(splitBlocksAtSurprisalSpikes(v), [
      { startLine: 0, endLine: 2 },
      { startLine: 3, endLine: 7 },
    ]);
  });

  it('skips blank (NaN) lines: neighbours are the nearest valued lines', () => {
    const v = [1, NaN, 9, NaN, 1, 1];
    assert.deepEqual(findSurprisalSpikes(v), [2]);
    assert.deepEqual(splitBlocksAtSurprisalSpikes(v), [
      { startLine: 0, endLine: 2 },
      { startLine: 3, endLine: 5 },
    ]);
  });

  it('uses tau = 0.5 with fewer than 3 valid values and never splits edges', () => {
    assert.deepEqual(findSurprisalSpikes([5, 1]), []);
    assert.deepEqual(splitBlocksAtSurprisalSpikes([5]), [{ startLine: 0, endLine: 0 }]);
    assert.deepEqual(splitBlocksAtSurprisalSpikes([]), []);
  });
});

describe('allocateFunctionBudgets', () => {
  it('gives more to higher scores and sums to the budget', () => {
    const fns = [
      { tokens: 100, score: 1 },
      { tokens: 100, score: 0 },
      { tokens: 100, score: 0.5 },
    ];
    const b = allocateFunctionBudgets(fns, 150, 0.5);
    // g = 0.5: r = 0.5 * (1 + 0.5 * (2s - 1)) -> 0.75, 0.25, 0.5; sums to exactly 150.
    assert.deepEqual(b, [75, 25, 50]);
  });

  it('clips at 1 and hands the excess to the others', () => {
    // g = 0.75; s~ = 1, 0 -> r = 1.125 (clipped to 1), 0.375; rescaling gives the second the
    // remaining 200 tokens: r2 = 200 / 300.
    assert.deepEqual(
      allocateFunctionBudgets(
        [
          { tokens: 100, score: 7 },
          { tokens: 300, score: 2 },
        ],
        300,
        0.5,
      ),
      [100, 200],
    );
    // beta = 1 gives the lowest-scored function nothing, and rescaling cannot revive a zero.
    assert.deepEqual(
      allocateFunctionBudgets(
        [
          { tokens: 100, score: 1 },
          { tokens: 300, score: 0 },
        ],
        300,
        1,
      ),
      [100, 0],
    );
  });

  it('keeps everything when it fits and nothing for a zero budget', () => {
    assert.deepEqual(allocateFunctionBudgets([{ tokens: 10, score: 1 }], 50), [10]);
    assert.deepEqual(allocateFunctionBudgets([{ tokens: 10, score: 1 }], 0), [0]);
  });

  it('is uniform with beta = 0', () => {
    assert.deepEqual(
      allocateFunctionBudgets(
        [
          { tokens: 200, score: 9 },
          { tokens: 100, score: -3 },
        ],
        150,
        0,
      ),
      [100, 50],
    );
  });
});

describe('markers and headers', () => {
  it('uses the language comment syntax and describes what was omitted', () => {
    assert.equal(
      omissionMarker('python', '    ', { definitions: { function: 3 }, lines: 0, startLine: 120, endLine: 188 }),
      '    # … 3 functions omitted (L120–L188)\n',
    );
    assert.equal(
      omissionMarker('typescript', '', { definitions: { class: 1, function: 2 }, lines: 4, startLine: 5, endLine: 40 }),
      '// … 2 functions, 1 class omitted (L5–L40)\n',
    );
    assert.equal(
      omissionMarker('rust', '\t', { definitions: {}, lines: 1, startLine: 7, endLine: 7 }),
      '\t// … 1 line omitted (L7)\n',
    );
    assert.equal(
      describeOmission({ definitions: {}, lines: 12, startLine: 40, endLine: 51 }),
      '… 12 lines omitted (L40–L51)',
    );
    assert.equal(fileHeader('src/a.py', 'python'), '# ===== src/a.py =====\n');
    assert.equal(fileHeader('src/a.go', 'go'), '// ===== src/a.go =====\n');
  });

  it('escapes file names with line breaks or control characters (JSON style), so a header stays one line', () => {
    assert.equal(fileHeader('src/evil\nname.py', 'python'), '# ===== "src/evil\\nname.py" =====\n');
    assert.equal(fileHeader('a\r\u2028b\tc.go', 'go'), '// ===== "a\\r\\u2028b\\tc.go" =====\n');
    assert.equal(fileHeader('"quoted".py', 'python'), '# ===== "\\"quoted\\".py" =====\n');
    // Ordinary names, spaces, backslashes and non-ASCII letters included, stay verbatim.
    assert.equal(fileHeader('dir with space/é\\x.py', 'python'), '# ===== dir with space/é\\x.py =====\n');
    for (const name of ['x\ny.py', 'x\u0085y.py', 'x\u2029y.py', 'x\u0000y.py', 'x\u007fy.py']) {
      const header = fileHeader(name, 'python');
      assert.equal(header.split('\n').length, 2, JSON.stringify(header));
      assert.equal(JSON.parse(/^# ===== (.*) =====\n$/.exec(header)![1]), name, 'the name reads back');
    }
    assert.equal(lineSafeFileName('plain.py'), 'plain.py');
  });
});

describe('budgets (one Budget for code and traces)', () => {
  it('resolves tokens and ratios and rejects absurd values without naming a flag', () => {
    assert.equal(resolveBudget({ tokens: 500.7 }, 1000), 500);
    assert.equal(resolveBudget({ ratio: 0.25 }, 1001), 250);
    assert.equal(resolveBudget({ ratio: 0.25, tokens: 40 }, 1001), 40);
    assert.throws(() => resolveBudget({ ratio: 0 }, 100), /^UsageError: The ratio must be in \(0, 1\] \(got 0\)\.$/);
    assert.throws(() => resolveBudget({ ratio: 1.5 }, 100), /ratio/);
    assert.throws(() => resolveBudget({ tokens: -3 }, 100), /at least 1/);
    assert.throws(() => resolveBudget({ tokens: 0.5 }, 100), /at least 1/);
    assert.throws(() => resolveBudget({ tokens: Number.NaN }, 100), /at least 1/);
    assert.throws(() => resolveBudget({}, 100), /Give a budget/);
    assert.throws(
      () => resolveBudget({ ratio: 2 }, 100),
      (e: Error) => !/--/.test(e.message),
    );
  });
  it('uses the caller default ratio only when neither is given (traces default to 0.8)', () => {
    assert.equal(resolveBudget({}, 1000, COMPRESSION_DEFAULTS.trace.ratio), 800);
    assert.equal(resolveBudget({ ratio: 0.5 }, 1000, 0.8), 500);
    assert.equal(resolveBudget({ ratio: 0.5, tokens: 123.7 }, 1000, 0.8), 123);
  });
});

describe('per-line surprisal and token lookup', () => {
  const tok = (text: string, start: number, logprob: number): ScoredToken => ({
    id: 0,
    text,
    logprob,
    start,
    end: start + text.length,
  });

  it('averages bits per token per line; blank lines are NaN', () => {
    const text = 'ab\n\ncd\n';
    const tokens = [
      tok('a', 0, -Math.LN2),
      tok('b', 1, -3 * Math.LN2),
      tok('\n\n', 2, -Math.LN2),
      tok('cd', 4, -2 * Math.LN2),
      tok('\n', 6, -Math.LN2),
    ];
    const v = lineMeanSurprisal(text, tokens);
    assert.deepEqual(lineSpans(text), [
      [0, 3],
      [3, 4],
      [4, 7],
    ]);
    // line 0: a (1), b (3), "\n\n" starts there (1) -> 5/3; line 1 blank -> NaN; line 2: cd (2), \n (1) -> 1.5.
    assert.ok(Math.abs(v[0] - 5 / 3) < 1e-9);
    assert.ok(Number.isNaN(v[1]));
    assert.ok(Math.abs(v[2] - 1.5) < 1e-9);
  });

  it('finds the token covering an offset, or the next one', () => {
    const tokens = [tok('ab', 0, -1), tok('cd', 3, -1)];
    assert.equal(tokenIndexAt(tokens, 0), 0);
    assert.equal(tokenIndexAt(tokens, 1), 0);
    assert.equal(tokenIndexAt(tokens, 2), 1);
    assert.equal(tokenIndexAt(tokens, 4), 1);
    assert.equal(tokenIndexAt(tokens, 5), -1);
  });

  it('maps byte-level tokens to exact character spans, multi-byte characters included', () => {
    // "é" is bytes C3 A9 -> GPT-2 alphabet "Ã©"; a token split inside it maps to the whole character.
    assert.deepEqual(byteLevelSpans('aé b', ['a', 'Ã', '©', 'Ġb']), [
      [0, 1],
      [1, 2],
      [1, 2],
      [2, 4],
    ]);
    assert.equal(byteLevelSpans('ab', ['a']), null);
  });
});

describe('BM25 prefilter', () => {
  it('splits identifiers, stems, and ranks the lexically closest document first', () => {
    assert.deepEqual(lexicalTokens('parseHTTPHeader read_config2'), ['pars', 'http', 'header', 'read', 'config']);
    assert.deepEqual(lexicalTokens('parses the headers; parsing Headers'), ['pars', 'header', 'pars', 'header']);
    const s = bm25Scores(['function parseConfig(file) {}', 'function renderButton() {}'], 'parse the config file');
    assert.ok(s[0] > s[1]);
  });
});

describe('query framing', () => {
  it('keeps the query as is, or writes it as line comments of the chunk language', () => {
    assert.equal(framedQuery('Find x.\nThen y.', 'python', 'plain'), 'Find x.\nThen y.');
    assert.equal(framedQuery('Find x.\n\nThen y.  \n', 'python', 'comment'), '# Find x.\n#\n# Then y.\n');
    assert.equal(framedQuery('Find x.', 'typescript', 'comment'), '// Find x.\n');
    assert.equal(framedQuery('Find x.', 'plaintext', 'comment'), '# Find x.\n');
  });
});

describe('approximateMutualInformation', () => {
  const pass = (logprobs: number[]) => ({
    tokens: logprobs.map((logprob) => ({ logprob })),
    perplexity: Math.exp(-logprobs.reduce((a, b) => a + b, 0) / logprobs.length),
  });

  it('is PPL(q) - PPL(q | c) with uniform weights', () => {
    const base = pass([-1, -3]);
    const cond = pass([-1, -1]);
    assert.equal(approximateMutualInformation(base, cond, 'uniform'), Math.exp(2) - Math.exp(1));
  });

  it('weights each token by its surprisal without the context', () => {
    // weights 1 and 3: weighted mean NLL 2.5 without context, 1 with it
    const base = pass([-1, -3]);
    const cond = pass([-1, -1]);
    const ami = approximateMutualInformation(base, cond, 'surprisal');
    assert.ok(Math.abs(ami - (Math.exp(2.5) - Math.exp(1))) < 1e-12);
  });

  it('lets the informative token decide where uniform weighting ties', () => {
    const base = pass([-0.1, -6]);
    // a chunk that makes the predictable token certain vs one that supports the rare word
    const explainsFiller = pass([0, -4.1]);
    const explainsWord = pass([-2.1, -2]);
    const u1 = approximateMutualInformation(base, explainsFiller, 'uniform');
    const u2 = approximateMutualInformation(base, explainsWord, 'uniform');
    assert.ok(Math.abs(u1 - u2) < 1e-9, 'same total gain: uniform AMI ties');
    const s1 = approximateMutualInformation(base, explainsFiller, 'surprisal');
    const s2 = approximateMutualInformation(base, explainsWord, 'surprisal');
    assert.ok(s2 > s1, `surprisal weighting prefers the chunk that supports the rare word (${s2} > ${s1})`);
  });

  it('falls back to uniform when the passes do not align or carry no information', () => {
    assert.equal(
      approximateMutualInformation(pass([-1, -2]), pass([-1]), 'surprisal'),
      pass([-1, -2]).perplexity - 1 / Math.exp(-1),
    );
    assert.equal(approximateMutualInformation(pass([0, 0]), pass([-1, -1]), 'surprisal'), 1 - Math.exp(1));
  });
});
