import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { CotResult } from '../../src/core/cot/index.js';
import { renderCotReportHtml } from '../../src/extension/cot/reportHtml.js';

const input = 'Okay <script>alert(1)</script> step.\n\nSecond "step" & more.';
const result: CotResult = {
  originalTokens: 20,
  compressedTokens: 10,
  ratio: 0.5,
  budget: 16,
  budgetMet: true,
  text: 'Second "step" & more.',
  steps: [
    {
      index: 0,
      tokens: 10,
      surprisal: 2,
      anchored: false,
      kept: false,
      anchorReason: null,
      ami: null,
      removedBy: 'surprisal',
      start: 0,
      end: 36,
    },
    {
      index: 1,
      tokens: 8,
      surprisal: 4,
      anchored: true,
      kept: true,
      anchorReason: 'identifiers',
      ami: null,
      removedBy: null,
      start: 38,
      end: 59,
    },
  ],
  contextTruncated: false,
  warnings: ['a <b>warning</b>'],
  answer: { source: 'user', tokens: 3 },
  stage1: { method: 'local' },
  model: { id: 'embedded', dtype: 'q8' },
  tokenizer: 'o200k_base',
  modelTokensProcessed: 100,
  surprisalWindows: 1,
  timings: { anchorMs: 1, scoreMs: 1, totalMs: 2 },
};

describe('CoT report webview HTML', () => {
  const html = renderCotReportHtml(result, {
    nonce: 'N0nce',
    cspSource: 'vscode-resource:',
    scriptUri: 'vscode-resource:/dist/webview/cot.js',
    title: 'Trace <x>',
    input,
  });

  test('strict CSP with the nonce; every style and script carries it; no inline style attributes', () => {
    assert.match(
      html,
      /content="default-src 'none'; style-src 'nonce-N0nce'; script-src 'nonce-N0nce' vscode-resource:"/,
    );
    assert.equal((html.match(/<style nonce="N0nce">/g) ?? []).length, 1);
    assert.equal((html.match(/<script /g) ?? []).length, 1);
    assert.match(html, /<script nonce="N0nce" src="vscode-resource:\/dist\/webview\/cot.js"><\/script>/);
    assert.doesNotMatch(html, /\sstyle="/);
  });

  test('trace text and warnings are escaped', () => {
    assert.doesNotMatch(html, /<script>alert/);
    assert.match(html, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
    assert.match(html, /a &lt;b&gt;warning&lt;\/b&gt;/);
    assert.match(html, /<title>Trace &lt;x&gt;<\/title>/);
  });

  test('accessible table: caption, column headers, labelled rows and bars; bars scaled to the max surprisal', () => {
    assert.match(html, /<caption>/);
    assert.equal((html.match(/<th scope="col">/g) ?? []).length, 6);
    assert.match(html, /aria-label="Step 1, removed, surprisal 2.00 nats"/);
    assert.match(html, /aria-label="Step 2, kept, anchored: shares identifiers with the answer, surprisal 4.00 nats"/);
    assert.match(html, /role="img" aria-label="surprisal 4.00 nats"/);
    assert.match(html, /tr\[data-start="0"\] \.fill\{width:50%\}/);
    assert.match(html, /tr\[data-start="38"\] \.fill\{width:100%\}/);
    assert.match(html, /var\(--vscode-foreground\)/);
  });

  test('without a script: script-src none', () => {
    const s = renderCotReportHtml(result, { nonce: 'n', cspSource: 'x', title: 't', input });
    assert.match(s, /script-src 'none'/);
    assert.doesNotMatch(s, /<script/);
  });
});
