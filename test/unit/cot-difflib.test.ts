import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { applyChatStage1, checkAnchorCompression, sequenceRatio } from '../../src/core/cot/index.js';

describe('sequenceRatio = difflib.SequenceMatcher(None, a, b).ratio()', () => {
  // Expected values printed by CPython 3.11's difflib for the same pairs.
  const cases: Array<[string, string, number]> = [
    ['abcd', 'bcde', 0.75],
    ['', '', 1],
    ['abc', '', 0],
    ['private Thread currentThread;', 'private volatile Thread currentThread;', 0.8656716417910447],
    [
      'So we need the minimal sum of vertical ti.',
      'So we need the minimum sum of the vertical ti values.',
      0.8421052631578947,
    ],
    ['hello world', 'world hello', 0.45454545454545453],
    ['The quick brown fox', 'The quick brown dog', 0.8947368421052632],
    // code points, not UTF-16 units (the emoji is one element in Python)
    ['é😀x', '😀x', 0.8],
  ];
  for (const [a, b, expected] of cases) {
    test(`${JSON.stringify(a).slice(0, 30)} vs ${JSON.stringify(b).slice(0, 30)}`, () => {
      assert.equal(sequenceRatio(a, b), expected);
    });
  }

  test('autojunk: popular characters of a b with >= 200 elements are junk (asymmetric, like difflib)', () => {
    const a = 'Wait, the sum of horizontal wi must be <= the sum of vertical ti. '.repeat(4); // 264 chars
    const b = 'Wait: the sum of the horizontal w_i must be at most the sum of vertical t_i values. '.repeat(4); // 336 chars
    assert.equal(sequenceRatio(a, b), 0.68);
    assert.equal(sequenceRatio(b, a), 0.013333333333333334);
  });

  test('hand-computed: "abxcd" vs "abcd" has matches ab + cd = 4, ratio 8/9', () => {
    assert.equal(sequenceRatio('abxcd', 'abcd'), 8 / 9);
  });
});

describe('checkAnchorCompression (in-order, ratio >= 0.6)', () => {
  const original = [
    'Okay, the sum must be at most S.',
    'Let me try an example with three books.',
    'So the DP is over total thickness.',
    'Final check of edge cases.',
  ];

  test('accepts verbatim and lightly edited paragraphs in order', () => {
    const r = checkAnchorCompression(
      original,
      'Okay, the sum must be at most S.\n\nSo the DP is over the total thickness.',
    );
    assert.equal(r.valid, true);
    if (r.valid) {
      assert.deepEqual(r.matched, [0, 2]);
      assert.equal(r.ratios[0], 1);
      assert.ok(r.ratios[1] >= 0.6 && r.ratios[1] < 1);
    }
  });

  test('rejects reordering', () => {
    const r = checkAnchorCompression(
      original,
      'So the DP is over total thickness.\n\nOkay, the sum must be at most S.',
    );
    assert.equal(r.valid, false);
    if (!r.valid) assert.match(r.reason, /paragraph 2/);
  });

  test('rejects paraphrase and empty proposals', () => {
    assert.equal(checkAnchorCompression(original, 'We solve it with dynamic programming on widths.').valid, false);
    assert.equal(checkAnchorCompression(original, '  \n\n').valid, false);
  });

  test('think tags in the proposal are ignored', () => {
    assert.equal(checkAnchorCompression(original, '<think>\nFinal check of edge cases.\n</think>').valid, true);
  });
});

describe('applyChatStage1', () => {
  const original = [
    'Okay, the sum must be at most S.',
    'I like tea.',
    'So the DP is over total thickness.',
    'Final check of edge cases.',
  ];
  test('a valid proposal removes the unanchored steps it left out and never an anchored one', () => {
    const out = applyChatStage1(original, [false, false, false, true], 'So the DP is over total thickness.');
    assert.deepEqual(out, { removed: [0, 1], restored: [3] });
  });
  test('an invalid proposal removes nothing and says why', () => {
    const out = applyChatStage1(original, [false, false, false, false], 'Tea is nice.');
    assert.deepEqual(out.removed, []);
    assert.match(out.rejectedReason ?? '', /matches no remaining original step/);
  });
});
