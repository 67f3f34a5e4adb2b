// The pure parts of the editor surfaces: readable relevance and reasons (explain), line
// bookkeeping of inline results (chunkLines), file sections of the compressed text (sections),
// and the run report's HTML (CSP, escaping). Exact values on a hand-built result.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { CompressionResult, ScoredChunk } from '../../src/core/types.js';
import { explainRun, lensTitle } from '../../src/extension/compress/explain.js';
import { orderSections, splitSections } from '../../src/extension/compress/sections.js';
import { applyLineEdits, lineFates, placeChunks } from '../../src/extension/inline/chunkLines.js';
import { buildReportData } from '../../src/extension/report/reportData.js';
import { renderRunReportHtml } from '../../src/extension/report/reportHtml.js';

function chunk(p: Partial<ScoredChunk> & Pick<ScoredChunk, 'name' | 'startLine' | 'endLine'>): ScoredChunk {
  return {
    file: 'a.ts',
    kind: 'function',
    tokens: 10,
    parent: null,
    language: 'typescript',
    headerLines: 1,
    score: 0,
    rank: 0,
    status: 'dropped',
    keptLines: [],
    keptTokens: 0,
    ...p,
  };
}

// ranks: big (1, dropped: too large), top (2, kept), pruned (3, partial), low (4, dropped);
// the reasons and kept tokens are the engine's (ScoredChunk.dropReason, keptTokens)
const result: CompressionResult = {
  originalTokens: 400,
  compressedTokens: 90,
  ratio: 0.225,
  budget: 100,
  model: { id: 'embedded', dtype: 'q8' },
  timings: { parseMs: 1, scoreMs: 2, totalMs: 10, coarseMs: 3, fineMs: 4, assembleMs: 1 },
  modelTokensProcessed: 50,
  text: '// ===== a.ts =====\nfunction top() {}\n// ===== b.py =====\ndef pruned():\n',
  chunks: [
    chunk({ name: 'big', startLine: 1, endLine: 20, tokens: 300, score: 9, rank: 1, dropReason: 'too-large' }),
    chunk({
      name: 'top',
      startLine: 21,
      endLine: 25,
      tokens: 40,
      score: 7,
      rank: 2,
      status: 'kept',
      keptLines: [[21, 25]],
      keptTokens: 40,
    }),
    chunk({ name: '', kind: 'code', startLine: 25, endLine: 26, tokens: 1, dropReason: 'blank' }),
    chunk({
      file: 'b.py',
      name: 'pruned',
      startLine: 1,
      endLine: 10,
      tokens: 50,
      score: 5,
      rank: 3,
      status: 'partial',
      keptLines: [
        [1, 2],
        [9, 10],
      ],
      keptTokens: 18,
      dropReason: 'pruned',
    }),
    chunk({
      file: 'b.py',
      name: 'low',
      startLine: 11,
      endLine: 12,
      tokens: 9,
      score: 1,
      rank: 4,
      dropReason: 'below-cut',
    }),
  ],
};

describe('explainRun', () => {
  const ex = explainRun(result);
  const by = (name: string) => ex.chunks.find((e) => e.chunk.name === name)!;

  test('relevance is 0-100 within the run; the engine reasons, in words', () => {
    assert.deepEqual(
      ex.chunks.map((e) => [e.chunk.name, e.relevance, e.reason]),
      [
        ['big', 100, 'too-large'],
        ['top', 75, 'top'],
        ['', undefined, 'blank'],
        ['pruned', 50, 'pruned'],
        ['low', 0, 'below-cut'],
      ],
    );
    assert.equal(by('big').summary, 'too large for the remaining budget');
    assert.equal(by('pruned').summary, 'pruned to 4 of 10 lines');
    assert.equal(by('pruned').keptTokens, 18);
    assert.equal(by('low').summary, 'below the cut');
    assert.equal(by('').summary, 'blank, not ranked');
    assert.equal(
      by('big').detail,
      'Dropped: relevance 100/100, rank 1 of 4. At 300 tokens (300% of the budget) it did not fit what was left of the budget when its turn came, though lower-ranked chunks did.',
    );
    assert.equal(
      by('pruned').detail,
      'Pruned to 4 of 10 lines: relevance 50/100, rank 3 of 4. Pruned block by block to its share of what was left of the budget: 18 of its 50 tokens (18% of the budget).',
    );
    assert.deepEqual(ex.keptRelevance, { min: 50, max: 75 });
    assert.deepEqual(ex.counts, { kept: 1, partial: 1, dropped: 3 });
  });

  test('CodeLens titles', () => {
    assert.equal(lensTitle(by('big')), 'rank 1 of 4 · dropped · relevance 100');
    assert.equal(lensTitle(by('top')), 'rank 2 of 4 · kept 5/5 lines · relevance 75');
    assert.equal(lensTitle(by('pruned')), 'rank 3 of 4 · kept 4/10 lines · relevance 50');
  });

  test('a run where everything fit ranks nothing', () => {
    const fit = explainRun({
      ...result,
      chunks: [chunk({ name: 'f', startLine: 1, endLine: 3, status: 'kept', keptLines: [[1, 3]], keptTokens: 10 })],
    });
    assert.equal(fit.chunks[0].reason, 'fit');
    assert.equal(fit.chunks[0].relevance, undefined);
  });
});

describe('inline line bookkeeping', () => {
  const ex = explainRun(result);
  test('line fates per status, merged; a shared line takes the better fate; unranked code undecorated', () => {
    const b = placeChunks(ex.chunks.filter((e) => e.chunk.file === 'b.py'));
    assert.deepEqual(lineFates(b, 100), {
      kept: [],
      partialKept: [
        [1, 2],
        [9, 10],
      ],
      partialDropped: [[3, 8]],
      dropped: [[11, 12]],
    });
    const a = placeChunks(ex.chunks.filter((e) => e.chunk.file === 'a.ts'));
    assert.deepEqual(lineFates(a, 100).kept, [[21, 25]]);
    assert.deepEqual(lineFates(a, 100).dropped, [[1, 20]]);
  });

  test('edits above move chunks, edits inside stretch them, insertions at a line start move that line', () => {
    const b = placeChunks(ex.chunks.filter((e) => e.chunk.file === 'b.py'));
    applyLineEdits(b, [{ from: 5, to: 5, delta: 3 }]); // 3 lines typed inside "pruned"
    assert.deepEqual(
      [b[0].start, b[0].end, b[0].kept],
      [
        1,
        13,
        [
          [1, 2],
          [12, 13],
        ],
      ],
    );
    assert.deepEqual([b[1].start, b[1].end], [14, 15]);
    applyLineEdits(b, [{ from: 1, to: 1, delta: 1, atLineStart: true }]);
    assert.deepEqual([b[0].start, b[1].end], [2, 16]);
    applyLineEdits(b, [{ from: 3, to: 6, delta: -3 }]); // lines 3-6 joined into one
    assert.deepEqual([b[0].start, b[0].end, b[1].start], [2, 11, 12]);
  });
});

describe('file sections of the compressed text', () => {
  test('split at known headers only; ordered most relevant first, text kept verbatim', () => {
    const s = splitSections(result.text, ['a.ts', 'b.py']);
    assert.deepEqual(
      s.map((x) => x.file),
      ['a.ts', 'b.py'],
    );
    const ordered = orderSections(
      s,
      new Map([
        ['a.ts', 2],
        ['b.py', 1],
      ]),
    );
    assert.equal(
      ordered.map((x) => x.text).join(''),
      '// ===== b.py =====\ndef pruned():\n// ===== a.ts =====\nfunction top() {}\n',
    );
    assert.equal(splitSections('# ===== other =====\nx\n', ['a.ts']).length, 1);
  });
});

describe('run report HTML', () => {
  test('strict CSP with the nonce, no remote sources, escaped query, every ranked chunk a focusable row', () => {
    const data = buildReportData({
      id: 3,
      title: 'Run #3: “<b>q</b>”',
      query: '<b>q</b>',
      scopeLabel: 'Workspace',
      tokenizer: 'o200k_base',
      result,
    });
    assert.deepEqual(
      data.points.map((p) => [p.name, p.relevance, p.status]),
      [
        ['big', 100, 'dropped'],
        ['top', 75, 'kept'],
        ['pruned', 50, 'partial'],
        ['low', 0, 'dropped'],
      ],
    );
    const html = renderRunReportHtml(data, {
      nonce: 'N0nce',
      cspSource: 'vscode-resource:',
      scriptUri: 'x/report.js',
      styleUri: 'x/report.css',
    });
    assert.match(html, /default-src 'none'; style-src 'nonce-N0nce' vscode-resource:; script-src 'nonce-N0nce'/);
    assert.ok(!html.includes('<b>q</b>'));
    assert.ok(!/https?:\/\//.test(html));
    assert.equal((html.match(/<tr class="\w+" data-i="\d+" tabindex="0"/g) ?? []).length, 4);
    assert.match(html, /<script type="application\/json" id="report-data" nonce="N0nce">/);
  });
});
