// The compression stages one at a time, with exact expectations: the budget walk, the fine
// stage's candidate pool, block choice under a function budget, kept ranges without orphan
// closing brackets, fill + exact enforcement, and the fused ranking's z-scores.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ChunkSelection } from '../../src/core/code/assemble.js';
import {
  chooseBlocks,
  closerOpeners,
  keptLineRanges,
  MARKER_TOKENS_ESTIMATE,
} from '../../src/core/code/prune-functions.js';
import { CASCADE, modelPoolSize, parsePrefilter, zScores, type Ranked } from '../../src/core/code/rank.js';
import { fillAndEnforce, fineCandidates, SelectionCosts, takeWholeByRank } from '../../src/core/code/select.js';
import type { Chunk, ChunkedFile } from '../../src/core/types.js';

/** One token per whitespace-separated word: easy to count by hand. */
const words = (t: string) => t.split(/\s+/).filter(Boolean).length;

function chunkOf(file: string, startLine: number, lines: string[], name: string): Chunk {
  const text = lines.map((l) => `${l}\n`).join('');
  return {
    file,
    name,
    kind: 'function',
    startLine,
    endLine: startLine + lines.length - 1,
    tokens: words(text),
    parent: null,
    text,
    startOffset: 0,
    endOffset: text.length,
    language: 'python',
    headerLines: 1,
  };
}

// a.py: three functions of 4, 8 and 2 lines; word counts 12, 24, 6.
const fa = chunkOf('a.py', 1, ['def f(): x y', '  a b c', '  d e f', '  g h i'], 'f');
const fb = chunkOf('a.py', 5, ['def g(): x y', ...Array.from({ length: 7 }, () => '  a b c')], 'g');
const fc = chunkOf('a.py', 13, ['def h(): x y', '  z w'], 'h');
const files: ChunkedFile[] = [
  { file: 'a.py', language: 'python', chunks: [fa, fb, fc], method: 'tree-sitter', hadParseErrors: false },
];
const ranked = (order: number[], scores: number[]): Ranked[] =>
  order.map((i, k) => ({ chunk: files[0].chunks[i], index: i, score: scores[k], rank: k + 1 }));

describe('budget walk (takeWholeByRank)', () => {
  it('keeps whole chunks by rank while header + text + one marker fit, and stops at the first that does not', () => {
    const costs = new SelectionCosts(words);
    const header = words('# ===== a.py =====\n'); // 4
    assert.equal(costs.whole(fc), header + 6 + MARKER_TOKENS_ESTIMATE);
    const sel: ChunkSelection = new Map();
    // h (4 + 6 + 16 = 26), then f (13 + 16 = 29, the header is paid): 55; g (25 + 16) would need 96.
    const out = takeWholeByRank(ranked([2, 0, 1], [3, 2, 1]), sel, costs, 60, 0);
    assert.deepEqual(out, { used: 55, next: 2 });
    assert.deepEqual(
      [...sel.entries()],
      [
        [2, { keptLines: [[13, 14]] }],
        [0, { keptLines: [[1, 4]] }],
      ],
    );
  });

  it('fine candidates: ranked chunks after the walk while the pool stays within 2x what is left', () => {
    const costs = new SelectionCosts(words);
    const r = ranked([2, 0, 1], [3, 2, 1]);
    // Pool cap 33: h (6) and f (13) fit, g (25) would make 44.
    assert.deepEqual(
      fineCandidates(r, 0, 33, costs, 1).map((x) => x.chunk.name),
      ['h', 'f'],
    );
    assert.deepEqual(
      fineCandidates(r, 0, 40, costs, 2).map((x) => x.chunk.name),
      ['h', 'f', 'g'],
    );
    // Nothing is offered when what is left cannot hold two markers.
    assert.deepEqual(fineCandidates(r, 0, 2 * MARKER_TOKENS_ESTIMATE, costs, 2), []);
    // Chunks the model never scored (prefiltered) are not candidates.
    assert.deepEqual(fineCandidates(ranked([2, 0], [3, -Infinity]), 0, 100, costs, 2).length, 1);
  });
});

describe('cascade: the chunks the model ranks (modelPoolSize)', () => {
  const sized = (tokens: number[]) => tokens.map((t) => ({ c: { tokens: t } as Chunk }));
  it('sizes the model pool by the budget, never by the scope, with a floor in tokens and in chunks', () => {
    // 100 chunks of 1,000 tokens: the pool holds max(24k, 6 x budget) tokens.
    const thousand = sized(new Array(100).fill(1000));
    assert.equal(CASCADE.minPoolTokens, 24_000);
    assert.equal(modelPoolSize(thousand, 'auto', 1000), 40); // 24 fit the floor; at least 40 chunks
    assert.equal(modelPoolSize(thousand, 'auto', 8000), 48); // 6 x 8,000 = 48,000 tokens
    assert.equal(modelPoolSize(sized(new Array(5000).fill(1000)), 'auto', 8000), 48); // 5M-token scope: same cost
    assert.equal(modelPoolSize(thousand, 'auto', 20_000), 100); // the pool covers everything
    // 2,000 chunks of 100 tokens: the token cap decides.
    assert.equal(modelPoolSize(sized(new Array(2000).fill(100)), 'auto', 8000), 480);
    // A chunk that would pass the cap stops the pool (order is the cheap signals' order).
    assert.equal(modelPoolSize(sized([...new Array(40).fill(10), 30_000, 10]), 'auto', 1000), 40);
    assert.equal(modelPoolSize(thousand, 'off', 1000), 100);
    assert.equal(modelPoolSize(thousand, 0, 1000), 100);
    assert.equal(modelPoolSize(thousand, 7, 1000), 7);
    assert.equal(modelPoolSize(sized([1, 2]), 7, 1000), 2);
  });

  it('reads auto, off and chunk counts, and nothing else', () => {
    assert.equal(parsePrefilter('auto'), 'auto');
    assert.equal(parsePrefilter('off'), 'off');
    assert.equal(parsePrefilter('200'), 200);
    assert.equal(parsePrefilter(0), 0);
    assert.equal(parsePrefilter('1.5'), undefined);
    assert.equal(parsePrefilter('-3'), undefined);
    assert.equal(parsePrefilter('all'), undefined);
    assert.equal(parsePrefilter(null), undefined);
  });
});

describe('fill and exact enforcement (fillAndEnforce)', () => {
  it('fills leftover budget with whole ranked chunks and never exceeds the budget', () => {
    const sel: ChunkSelection = new Map([[0, { keptLines: [[1, 4]] as Array<[number, number]> }]]);
    const costs = new SelectionCosts(words);
    const text = fillAndEnforce(files, ranked([0, 2, 1], [3, 2, 1]), sel, costs, 50, words, -1);
    assert.deepEqual([...sel.keys()].sort(), [0, 2]);
    assert.ok(words(text) <= 50);
    assert.match(text, /def h\(\): x y/);
    assert.doesNotMatch(text, /def g/);
  });

  it('drops the lowest-ranked selections, partial ones first, until the exact count fits', () => {
    const sel: ChunkSelection = new Map<number, { keptLines: Array<[number, number]> }>([
      [0, { keptLines: [[1, 4]] }],
      [1, { keptLines: [[5, 6]] }],
      [2, { keptLines: [[13, 14]] }],
    ]);
    const costs = new SelectionCosts(words);
    const text = fillAndEnforce(files, ranked([1, 0, 2], [3, 2, 1]), sel, costs, 24, words, -1);
    // g is ranked first but partial: it goes before the whole, lower-ranked h.
    assert.deepEqual([...sel.keys()].sort(), [0]);
    assert.ok(words(text) <= 24, text);
  });
});

describe('block choice inside a function (chooseBlocks, keptLineRanges)', () => {
  const lines = ['def f(x):\n', `  ${Array(18).fill('w').join(' ')}\n`, '  b = 2\n', '  return a\n'];
  const blocks = [
    { startLine: 0, endLine: 0 },
    { startLine: 1, endLine: 1 },
    { startLine: 2, endLine: 2 },
    { startLine: 3, endLine: 3 },
  ];
  const prot = new Set([0]);
  const items = [
    { weight: 18, value: 1 },
    { weight: 3, value: 5 },
    { weight: 2, value: 4 },
  ];
  it('keeps the header and the knapsack optimum whose blocks and gap markers fit the budget', () => {
    // Header 2 words; everything (25) does not fit 23; blocks 2 and 3 (5) with one gap marker
    // (16) cost exactly 23.
    assert.deepEqual([...chooseBlocks(blocks, prot, items, lines, 23, words)].sort(), [0, 2, 3]);
    assert.deepEqual(keptLineRanges(10, lines, blocks, new Set([0, 2, 3]), prot), [
      [10, 10],
      [12, 13],
    ]);
  });
  it('drops a function that would keep only its signature', () => {
    assert.deepEqual([...chooseBlocks(blocks, prot, items, lines, 22, words)], []);
    assert.deepEqual([...chooseBlocks(blocks, prot, items, lines, 5, words)], []);
  });
  it('never keeps a closing bracket whose opening line was dropped', () => {
    const ts = ['function f(x) {\n', '  if (x) {\n', '    run(x);\n', '  }\n', '  return x;\n', '}\n'];
    assert.deepEqual(
      [...closerOpeners(ts).entries()],
      [
        [3, [1]],
        [5, [0]],
      ],
    );
    const tsBlocks = ts.map((_, i) => ({ startLine: i, endLine: i }));
    const keep = new Set([0, 2, 3, 4, 5]); // the `if` line was dropped, its `}` must go too
    assert.deepEqual(keptLineRanges(1, ts, tsBlocks, keep, new Set([0, 5])), [
      [1, 1],
      [3, 3],
      [5, 6],
    ]);
    // Brackets inside strings and comments do not count.
    assert.deepEqual([...closerOpeners(['x = "{"  // }\n', 'y = [\n', ']\n']).entries()], [[2, [1]]]);
  });
});

describe('z-scores for fusion', () => {
  it('standardises a list, maps non-finite values to the minimum, and zeroes a constant list', () => {
    assert.deepEqual(zScores([1, 2, 3]), [-1.224744871391589, 0, 1.224744871391589]);
    assert.deepEqual(zScores([1, -Infinity, 3]), zScores([1, 1, 3]));
    assert.deepEqual(zScores([5, 5]), [0, 0]);
    assert.deepEqual(zScores([]), []);
  });
});
