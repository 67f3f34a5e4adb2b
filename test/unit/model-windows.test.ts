// The forward-pass window plan shared by the local and the remote scorer, with exact windows.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { planTokenWindows } from '../../src/core/model/windows.js';

const plain = (c: number, t: number, cap: number) =>
  planTokenWindows(c, t, cap).map((w) => [w.start, w.end, w.firstScored, w.targetOffset, w.truncated]);

describe('forward-pass windows (planTokenWindows)', () => {
  it('one window when context and text fit; none for an empty text', () => {
    assert.deepEqual(plain(2, 3, 8), [[0, 5, 2, 0, false]]);
    assert.deepEqual(plain(5, 0, 8), []);
  });

  it('cuts the context from the left, then keeps half a window of left context', () => {
    assert.deepEqual(plain(5, 10, 8), [
      [1, 9, 5, 0, true],
      [5, 13, 9, 4, true],
      [9, 15, 13, 8, true],
    ]);
    // A text longer than a window, with no context: every later window sees 4 tokens before it.
    assert.deepEqual(plain(0, 20, 8), [
      [0, 8, 0, 0, false],
      [4, 12, 8, 8, true],
      [8, 16, 12, 12, true],
      [12, 20, 16, 16, true],
    ]);
  });

  it('scores every text token exactly once, within the cap', () => {
    for (const [c, t, cap] of [
      [0, 1, 2],
      [7, 30, 9],
      [100, 3, 16],
      [13, 1000, 1023],
    ]) {
      const ws = planTokenWindows(c, t, cap);
      let next = c;
      for (const w of ws) {
        assert.ok(w.end - w.start <= cap);
        assert.equal(w.firstScored, next);
        next = w.end;
      }
      assert.equal(next, c + t);
    }
  });
});
