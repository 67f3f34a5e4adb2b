/**
 * HTML of the CoT report webview (steps with surprisal bars, anchored/kept marks). Pure: no
 * vscode import, so the markup is unit-tested. Styling uses the theme's CSS variables only;
 * the CSP allows nothing but our nonce'd style and script.
 */
import type { CotResult } from '../../core/cot/compress.js';
import { escapeHtml, webviewDocumentHead } from '../webviewHtml.js';

export interface ReportHtmlOptions {
  nonce: string;
  /** webview.cspSource */
  cspSource: string;
  /** URI of dist/webview/cot.js (click-to-reveal); omitted: a static page. */
  scriptUri?: string;
  title: string;
  /** The original trace, to show each step's first words. */
  input: string;
}

const REASON_LABEL: Record<string, string> = {
  answer: 'holds the answer',
  'code-line': 'shares a code line with the answer',
  identifiers: 'shares identifiers with the answer',
  ami: 'high AMI toward the answer',
  'chat-model': 'kept by the chat model',
};

export function renderCotReportHtml(result: CotResult, opts: ReportHtmlOptions): string {
  const maxS = Math.max(1e-9, ...result.steps.map((s) => s.surprisal ?? 0));
  const kept = result.steps.filter((s) => s.kept).length;
  const anchored = result.steps.filter((s) => s.anchored).length;
  const csp = [
    "default-src 'none'",
    `style-src 'nonce-${opts.nonce}'`,
    opts.scriptUri ? `script-src 'nonce-${opts.nonce}' ${opts.cspSource}` : "script-src 'none'",
  ].join('; ');
  const rows = result.steps
    .map((s) => {
      const text = opts.input.slice(s.start, s.end);
      const preview = text.length > 140 ? `${text.slice(0, 137)}…` : text;
      const sLabel = s.surprisal === null ? 'not scored' : `${s.surprisal.toFixed(2)} nats`;
      const status = s.kept ? 'kept' : s.removedBy === 'stage1' ? 'removed (stage 1)' : 'removed';
      const anchor = s.anchored ? `anchored: ${REASON_LABEL[s.anchorReason ?? ''] ?? s.anchorReason}` : '';
      return `<tr class="${s.kept ? 'kept' : 'removed'}${s.anchored ? ' anchored' : ''}" data-start="${s.start}" data-end="${s.end}" tabindex="0" aria-label="Step ${s.index + 1}, ${status}${anchor ? `, ${escapeHtml(anchor)}` : ''}, surprisal ${sLabel}">
  <td class="num">${s.index + 1}</td>
  <td class="bar"><div class="track" role="img" aria-label="surprisal ${sLabel}"><div class="fill"></div></div><span class="val">${s.surprisal === null ? '–' : s.surprisal.toFixed(2)}</span></td>
  <td class="mark">${s.anchored ? `<span class="badge anchor" title="${escapeHtml(anchor)}">⚓ anchored</span>` : ''}</td>
  <td class="mark">${s.kept ? '<span class="badge keep">✓ kept</span>' : `<span class="badge drop">✗ ${escapeHtml(status)}</span>`}</td>
  <td class="num">${s.tokens}</td>
  <td class="text" title="${escapeHtml(preview)}"><code>${escapeHtml(preview.replace(/\s+/g, ' '))}</code></td>
</tr>`;
    })
    .join('\n');
  const warnings = result.warnings.map((w) => `<li>${escapeHtml(w)}</li>`).join('');
  // Bar widths go in the nonce'd sheet: the CSP forbids inline style attributes.
  const widths = result.steps
    .map((s) => {
      const pct = s.surprisal === null ? 0 : Math.round((100 * s.surprisal) / maxS);
      return `tr[data-start="${s.start}"] .fill{width:${pct}%}`;
    })
    .join('\n');
  return `${webviewDocumentHead({ csp, title: opts.title })}<style nonce="${opts.nonce}">
body { font-family: var(--vscode-font-family); font-size: var(--vscode-font-size); color: var(--vscode-foreground); background: var(--vscode-editor-background); padding: 0 16px 16px; }
h1 { font-size: 1.2em; font-weight: 600; }
.summary { display: flex; flex-wrap: wrap; gap: 16px; margin: 8px 0 12px; }
.summary div { border: 1px solid var(--vscode-panel-border); border-radius: 4px; padding: 6px 10px; }
.summary b { display: block; font-size: 1.2em; }
.warn { color: var(--vscode-editorWarning-foreground); }
table { border-collapse: collapse; width: 100%; }
caption { text-align: left; color: var(--vscode-descriptionForeground); padding-bottom: 6px; }
th, td { text-align: left; padding: 3px 6px; border-bottom: 1px solid var(--vscode-panel-border); vertical-align: middle; }
th { color: var(--vscode-descriptionForeground); font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.bar { width: 180px; white-space: nowrap; }
.track { display: inline-block; width: 120px; height: 8px; background: var(--vscode-editorWidget-background); border: 1px solid var(--vscode-panel-border); vertical-align: middle; }
.fill { height: 100%; background: var(--vscode-charts-blue); }
tr.removed .fill { background: var(--vscode-charts-red); }
tr.removed td.text { opacity: 0.6; text-decoration: line-through; }
.val { margin-left: 6px; font-variant-numeric: tabular-nums; }
.badge { border-radius: 3px; padding: 0 4px; white-space: nowrap; }
.badge.anchor { color: var(--vscode-charts-purple); }
.badge.keep { color: var(--vscode-charts-green); }
.badge.drop { color: var(--vscode-charts-red); }
td.text { width: 100%; max-width: 0; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
td.text code { font-family: var(--vscode-editor-font-family); }
tr[tabindex]:focus { outline: 1px solid var(--vscode-focusBorder); outline-offset: -1px; }
tr[tabindex] { cursor: pointer; }
${widths}
</style>
</head>
<body>
<h1>${escapeHtml(opts.title)}</h1>
<section class="summary" aria-label="Summary">
  <div>Tokens<b>${result.originalTokens} → ${result.compressedTokens}</b></div>
  <div>Ratio<b>${(100 * result.ratio).toFixed(1)}%</b></div>
  <div>Budget<b>${result.budget}${result.budgetMet ? '' : ' (not met)'}</b></div>
  <div>Steps<b>${kept} kept / ${result.steps.length}</b></div>
  <div>Anchored<b>${anchored}</b></div>
  <div>Answer<b>${escapeHtml(result.answer.source)}</b></div>
  <div>Stage 1<b>${escapeHtml(result.stage1.method)}</b></div>
</section>
${warnings ? `<ul class="warn" aria-label="Warnings">${warnings}</ul>` : ''}
<table>
<caption>Steps in trace order. Surprisal is −log p(first token of the step | everything before it), in nats; steps with the lowest surprisal are removed first, anchored steps never.${opts.scriptUri ? ' Select a row (Enter) to reveal the step in the original.' : ''}</caption>
<thead><tr><th scope="col">#</th><th scope="col">Surprisal</th><th scope="col">Anchor</th><th scope="col">Status</th><th scope="col">Tokens</th><th scope="col">Step</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>
${opts.scriptUri ? `<script nonce="${opts.nonce}" src="${escapeHtml(opts.scriptUri)}"></script>` : ''}
</body>
</html>`;
}
