// Why chunks lost lines, decided by the engine (ScoredChunk.dropReason, keptTokens): exact
// expectations on a small fixture compressed end to end with a deterministic scorer, the
// selection stages' marks, and the words every front end shows.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ChunkSelection } from '../../src/core/code/assemble.js';
import { compressCode } from '../../src/core/code/compress.js';
import { DROP_REASON_WORDS, dropReasonOf, dropReasonSummary, keptTokensOf } from '../../src/core/code/drop-reasons.js';
import type { Prefilter, Ranked } from '../../src/core/code/rank.js';
import { fillAndEnforce, fineCandidates, SelectionCosts } from '../../src/core/code/select.js';
import type { ScoreRequest, ScoreResult, Scorer } from '../../src/core/model/scorer.js';
import type { Chunk, ChunkedFile, DropReason, ScoredChunk } from '../../src/core/types.js';

/** One token per whitespace-separated word: easy to count by hand. */
const words = (t: string) => t.split(/\s+/).filter(Boolean).length;

/**
 * A scorer with no model: each word of the text costs 1 nat when the context holds it and 4
 * when it does not, so a chunk's relevance is how many query words it shares.
 */
function wordScorer(): Scorer {
  const score = async (requests: ScoreRequest[]): Promise<ScoreResult[]> =>
    requests.map(({ context, text }) => {
      const seen = new Set(context.toLowerCase().match(/\w+/g) ?? []);
      const tokens = [...text.matchAll(/\S+/g)].map((m, id) => ({
        id,
        text: m[0],
        logprob: seen.has(m[0].toLowerCase().replace(/\W/g, '')) ? -1 : -4,
        start: m.index,
        end: m.index + m[0].length,
      }));
      const totalLogprob = tokens.reduce((s, t) => s + t.logprob, 0);
      return {
        tokens,
        totalLogprob,
        perplexity: tokens.length ? Math.exp(-totalLogprob / tokens.length) : 1,
        contextTruncated: false,
        tokensProcessed: words(context) + tokens.length,
      };
    });
  return {
    info: { id: 'words', dtype: 'none' },
    maxTokens: 4096,
    score,
    countTokens: words,
    dispose: async () => undefined,
  };
}

function fileOf(file: string, defs: Array<{ name: string; lines: string[] }>): ChunkedFile {
  let line = 1;
  let offset = 0;
  const chunks: Chunk[] = defs.map(({ name, lines }) => {
    const text = lines.map((l) => `${l}\n`).join('');
    const c: Chunk = {
      file,
      name,
      kind: lines[0].trim() === '' ? 'code' : 'function',
      startLine: line,
      endLine: line + lines.length - 1,
      tokens: words(text),
      parent: null,
      text,
      startOffset: offset,
      endOffset: offset + text.length,
      language: 'python',
      headerLines: lines[0].trim() === '' ? 0 : 1,
    };
    line += lines.length;
    offset += text.length;
    return c;
  });
  return { file, language: 'python', chunks, method: 'tree-sitter', hadParseErrors: false };
}

const body = (n: number, w: string) => Array.from({ length: n }, (_, k) => `    ${w}${k} = ${w}${k} + 1`);
const files = [
  fileOf('geo.py', [
    { name: 'distance', lines: ['def distance(point, other):', '    return sqrt(point.x - other.x)'] },
    { name: '', lines: [''] },
    {
      name: 'contains',
      lines: [
        'def contains(shape, point):',
        ...body(4, 'edge'),
        '',
        '    d = distance(point, other)',
        '    near = d < other.r',
        '',
        ...body(4, 'corner'),
        '    return near',
      ],
    },
    { name: 'area', lines: ['def area(shape):', '    return shape.w * shape.h'] },
    { name: 'render', lines: ['def render(canvas, point):', ...body(30, 'pixel'), '    return canvas'] },
  ]),
];

const QUERY = 'distance between a point and other point';
const run = (budget: number, prefilter: Prefilter = 'off') =>
  compressCode({
    files,
    query: QUERY,
    budget: { tokens: budget },
    scorer: wordScorer(),
    countTokens: words,
    ranking: 'ami',
    prefilter,
  });
const fates = (chunks: ScoredChunk[]) => chunks.map((c) => [c.name, c.rank, c.status, c.keptTokens, c.dropReason]);

describe('drop reasons of a compression run (compressCode)', () => {
  it('budget 60: the walk keeps distance and stops at contains, whose share keeps no block; area fills; render is too large', async () => {
    const r = await run(60);
    assert.deepEqual(fates(r.chunks), [
      ['distance', 1, 'kept', 7, undefined],
      ['', 0, 'dropped', 0, 'blank'],
      ['contains', 2, 'dropped', 0, 'pruned-away'],
      ['area', 4, 'kept', 6, undefined],
      ['render', 3, 'dropped', 0, 'too-large'],
    ]);
    // kept whole: no dropReason key at all in the JSON
    assert.equal('dropReason' in r.chunks[0], false);
    assert.equal(JSON.parse(JSON.stringify(r)).chunks[4].dropReason, 'too-large');
  });

  it('budget 40: contains does not fit and is not offered to the fine stage: too large, as area (rank 4) fits', async () => {
    const r = await run(40);
    assert.deepEqual(
      fates(r.chunks).map((f) => f[4]),
      [undefined, 'blank', 'too-large', undefined, 'too-large'],
    );
  });

  it('budget 88: contains fits whole; nothing lower-ranked is kept, so area and render are below the cut', async () => {
    const r = await run(88);
    assert.deepEqual(fates(r.chunks), [
      ['distance', 1, 'kept', 7, undefined],
      ['', 0, 'dropped', 0, 'blank'],
      ['contains', 2, 'kept', 54, undefined],
      ['area', 4, 'dropped', 0, 'below-cut'],
      ['render', 3, 'dropped', 0, 'below-cut'],
    ]);
  });

  it('with a prefilter of 2 chunks, the ones it left out are not scored', async () => {
    const r = await run(40, 2);
    assert.deepEqual(
      fates(r.chunks).map((f) => f[4]),
      [undefined, 'blank', 'below-cut', 'not-scored', 'not-scored'],
    );
  });

  it('when everything fits, nothing is ranked or dropped and every chunk keeps all its tokens', async () => {
    const r = await run(10_000);
    assert.deepEqual(
      r.chunks.map((c) => [c.status, c.keptTokens, c.dropReason]),
      files[0].chunks.map((c) => ['kept', c.tokens, undefined]),
    );
  });
});

describe('selection marks and the reason of each', () => {
  const [distance, , contains, area] = files[0].chunks;
  const ranked = (order: number[]): Ranked[] =>
    order.map((i, k) => ({ chunk: files[0].chunks[i], index: i, score: 10 - k, rank: k + 1 }));

  it('fine candidates are marked; what the exact budget removes is marked over-budget', () => {
    const costs = new SelectionCosts(words);
    const r = ranked([0, 2, 3]);
    assert.deepEqual(
      fineCandidates(r, 1, 60, costs, 2).map((x) => x.index),
      [2, 3],
    );
    assert.deepEqual(
      [...costs.marks],
      [
        [2, 'fine-candidate'],
        [3, 'fine-candidate'],
      ],
    );
    // distance and area whole (7 + 6 words), contains partial: over 30 words with the headers
    // and markers, so the partial one goes first, then the lowest-ranked whole one.
    const sel: ChunkSelection = new Map<number, { keptLines: Array<[number, number]> }>([
      [0, { keptLines: [[distance.startLine, distance.endLine]] }],
      [2, { keptLines: [[contains.startLine, contains.startLine + 5]] }],
      [3, { keptLines: [[area.startLine, area.endLine]] }],
    ]);
    const text = fillAndEnforce(files, r, sel, costs, 22, words, -1);
    assert.ok(words(text) <= 22, text);
    assert.deepEqual([...sel.keys()], [0]);
    assert.equal(costs.marks.get(2), 'removed-over-budget');
    assert.equal(costs.marks.get(3), 'removed-over-budget');
    assert.equal(dropReasonOf('dropped', r[1], costs.marks.get(2), 1), 'over-budget');
  });

  it('the reason from status, rank, mark and the lowest rank kept', () => {
    const r: Ranked = { chunk: contains, index: 2, score: 1, rank: 3 };
    const cases: Array<[Parameters<typeof dropReasonOf>, DropReason | undefined]> = [
      [['kept', r, 'fine-candidate', 5], undefined],
      [['partial', r, 'fine-candidate', 5], 'pruned'],
      [['dropped', undefined, undefined, 5], 'blank'],
      [['dropped', r, 'removed-over-budget', 5], 'over-budget'],
      [['dropped', r, 'fine-candidate', 5], 'pruned-away'],
      [['dropped', { ...r, score: -Infinity }, undefined, 5], 'not-scored'],
      [['dropped', r, undefined, 5], 'too-large'],
      [['dropped', r, undefined, 3], 'below-cut'],
      [['dropped', r, undefined, 0], 'below-cut'],
    ];
    for (const [args, want] of cases) assert.equal(dropReasonOf(...args), want, JSON.stringify(args.slice(2)));
  });

  it('kept tokens: the chunk tokens when whole, the kept lines counted when partial, 0 when dropped', () => {
    assert.equal(keptTokensOf(contains, 'kept', [[4, 17]], words), contains.tokens);
    // lines 4 ("def contains(shape, point):", 3 words) and 10-11 (4 + 5 words)
    assert.equal(
      keptTokensOf(
        contains,
        'partial',
        [
          [4, 4],
          [10, 11],
        ],
        words,
      ),
      12,
    );
    assert.equal(keptTokensOf(contains, 'dropped', [], words), 0);
  });
});

describe('the words for each reason (one place for every front end)', () => {
  const at = (dropReason: DropReason | undefined, keptLines: Array<[number, number]> = []) =>
    dropReasonSummary({ dropReason, keptLines, startLine: 4, endLine: 17 });
  it('short summaries', () => {
    assert.deepEqual(
      [
        at(undefined),
        at('pruned', [
          [4, 4],
          [10, 11],
        ]),
        at('pruned-away'),
        at('too-large'),
        at('below-cut'),
        at('over-budget'),
        at('not-scored'),
        at('blank'),
      ],
      [
        'kept whole',
        'pruned to 3 of 14 lines',
        'pruned away: its share kept no block',
        'too large for the remaining budget',
        'below the cut',
        'removed to stay within the budget',
        'not scored (prefilter)',
        'blank, not ranked',
      ],
    );
    assert.deepEqual(Object.keys(DROP_REASON_WORDS).sort(), [
      'below-cut',
      'blank',
      'not-scored',
      'over-budget',
      'pruned',
      'pruned-away',
      'too-large',
    ]);
  });
});
