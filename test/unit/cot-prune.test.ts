import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  answerCodeLines,
  answerIdentifiers,
  estimateKeptTokens,
  lexicalAnchor,
  nextRemoval,
  pruneToBudget,
  tokenCoveringOffset,
  topAmiSteps,
  type PruneItem,
} from '../../src/core/cot/index.js';
import type { ScoredToken } from '../../src/core/model/scorer.js';
import { seededRandom } from '../support/random.js';

describe('pruneToBudget (pure: numbers in, removal order out)', () => {
  const items: PruneItem[] = [
    { index: 0, tokens: 10, surprisal: 5, protected: false },
    { index: 1, tokens: 20, surprisal: 1, protected: false },
    { index: 2, tokens: 30, surprisal: 0.5, protected: true },
    { index: 3, tokens: 40, surprisal: 2, protected: false },
    { index: 4, tokens: 50, surprisal: 1, protected: false },
  ];

  test('removes unprotected steps in ascending surprisal, ties by index, until the estimate fits', () => {
    // total = 150 + 4 separators = 154; budget 100
    const out = pruneToBudget({ items, fixedTokens: 0, separatorTokens: 1, budget: 100 });
    assert.deepEqual(out.removedOrder, [1, 4]); // S=1 (index 1), S=1 (index 4): 154 -> 133 -> 82
    assert.deepEqual([...out.kept].sort(), [0, 2, 3]);
    assert.equal(out.estimatedTokens, 82);
    assert.equal(out.budgetMet, true);
  });

  test('protected steps are never removed; reports an unreachable budget', () => {
    const out = pruneToBudget({ items, fixedTokens: 5, separatorTokens: 1, budget: 20 });
    assert.ok(out.kept.has(2));
    assert.deepEqual(out.removedOrder, [1, 4, 3, 0]);
    assert.equal(out.budgetMet, false);
    assert.equal(out.estimatedTokens, 35);
  });

  test('NaN surprisal is removed last; maxRemovals bounds a round; removed set is respected', () => {
    const withNaN: PruneItem[] = [
      { index: 0, tokens: 10, surprisal: Number.NaN, protected: false },
      { index: 1, tokens: 10, surprisal: 9, protected: false },
    ];
    assert.equal(nextRemoval(withNaN, new Set([0, 1])), 1);
    const one = pruneToBudget({ items, fixedTokens: 0, separatorTokens: 0, budget: 0 }, 1);
    assert.deepEqual(one.removedOrder, [1]);
    const again = pruneToBudget({ items, fixedTokens: 0, separatorTokens: 0, budget: 0, removed: new Set([1]) }, 1);
    assert.deepEqual(again.removedOrder, [4]);
  });

  test('random budgets: the estimate never exceeds a reachable budget, protected steps stay, removal follows surprisal', () => {
    const rand = seededRandom(42);
    for (let trial = 0; trial < 500; trial++) {
      const n = 1 + Math.floor(rand() * 40);
      const its: PruneItem[] = Array.from({ length: n }, (_, i) => ({
        index: i,
        tokens: 1 + Math.floor(rand() * 80),
        surprisal: Math.round(rand() * 100) / 10,
        protected: rand() < 0.25,
      }));
      const fixed = Math.floor(rand() * 20);
      const all = new Set(its.map((it) => it.index));
      const total = estimateKeptTokens(its, all, fixed, 1);
      const budget = Math.floor(rand() * total * 1.1);
      const out = pruneToBudget({ items: its, fixedTokens: fixed, separatorTokens: 1, budget });
      for (const it of its) if (it.protected) assert.ok(out.kept.has(it.index));
      const floor = estimateKeptTokens(its, new Set(its.filter((it) => it.protected).map((it) => it.index)), fixed, 1);
      if (floor <= budget) assert.ok(out.estimatedTokens <= budget, `trial ${trial}`);
      else assert.equal(out.budgetMet, false);
      // every removed step has surprisal <= every kept unprotected step's
      const maxRemoved = Math.max(-Infinity, ...out.removedOrder.map((i) => its[i].surprisal));
      const minKept = Math.min(
        Infinity,
        ...its.filter((it) => !it.protected && out.kept.has(it.index)).map((it) => it.surprisal),
      );
      assert.ok(maxRemoved <= minKept);
      // minimal: no removal happened once the budget was met
      if (out.removedOrder.length > 0) {
        const before = new Set(out.kept);
        before.add(out.removedOrder[out.removedOrder.length - 1]);
        assert.ok(estimateKeptTokens(its, before, fixed, 1) > budget);
      }
    }
  });
});

describe('anchor rules (pure)', () => {
  const answer =
    '```python\nfrom collections import defaultdict\n\ndef count_pairs(a, k):\n    seen_count = defaultdict(int)\n    total = 0\n    return total\n```';

  test('answer code lines: trimmed, >= 8 chars, with a non-stopword identifier; fences and all-stopword lines excluded', () => {
    assert.deepEqual([...answerCodeLines(answer)].sort(), [
      'def count_pairs(a, k):',
      'return total',
      'seen_count = defaultdict(int)',
      'total = 0',
    ]);
  });

  test('answer identifiers: length >= 3, no keywords/builtins', () => {
    assert.deepEqual([...answerIdentifiers(answer)].sort(), ['count_pairs', 'seen_count', 'total']);
  });

  test('a step is anchored by a shared code line, or by >= 2 shared identifiers', () => {
    const lines = answerCodeLines(answer);
    const ids = answerIdentifiers(answer);
    assert.deepEqual(lexicalAnchor('We write:\n    seen_count = defaultdict(int)', lines, ids)?.reason, 'code-line');
    assert.deepEqual(lexicalAnchor('Keep seen_count and the total so far.', lines, ids), {
      reason: 'identifiers',
      evidence: ['seen_count', 'total'],
    });
    assert.equal(lexicalAnchor('The total is what we want.', lines, ids), null);
    assert.equal(
      lexicalAnchor('The total is what we want.', lines, ids, { minSharedIdentifiers: 1 })?.reason,
      'identifiers',
    );
    // whole identifiers only: "totally" is not "total"
    assert.equal(lexicalAnchor('totally seen_count', lines, ids), null);
  });

  test('topAmiSteps: positive values in the top ceil(f*n), ties by index', () => {
    assert.deepEqual([...topAmiSteps([0.5, 2, -1, 2, 0.1, Number.NaN, 3, 0, 0, 0], 0.2)].sort(), [6, 1].sort());
    assert.deepEqual([...topAmiSteps([0.5, 2, -1, 2], 0.5)].sort(), [1, 3]);
    assert.deepEqual([...topAmiSteps([-1, -2], 1)], []);
    assert.deepEqual([...topAmiSteps([1, 2], 0)], []);
  });
});

describe('tokenCoveringOffset', () => {
  const tok = (start: number, end: number): ScoredToken => ({ id: 0, text: '', logprob: 0, start, end });
  const tokens = [tok(0, 2), tok(2, 3), tok(3, 3), tok(3, 7), tok(9, 10)];
  test('first token whose span covers the offset, else the next one', () => {
    assert.equal(tokenCoveringOffset(tokens, 0), 0);
    assert.equal(tokenCoveringOffset(tokens, 1), 0);
    assert.equal(tokenCoveringOffset(tokens, 2), 1);
    assert.equal(tokenCoveringOffset(tokens, 3), 3); // the empty-span token (3,3) covers nothing
    assert.equal(tokenCoveringOffset(tokens, 8), 4);
    assert.equal(tokenCoveringOffset(tokens, 10), -1);
  });
});
