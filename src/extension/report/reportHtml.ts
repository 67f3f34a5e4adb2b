/**
 * HTML of the run report webview. Pure (no vscode), so the markup is unit-tested. Theme CSS
 * variables only; the CSP allows nothing but our nonce'd inline style, the bundled script and
 * stylesheet (dist/webview/report.js/.css, which include uPlot), and no network at all.
 */
import type { ReportData } from './reportData.js';
import { escapeHtml, webviewDocumentHead } from '../webviewHtml.js';

export interface RunReportHtmlOptions {
  nonce: string;
  cspSource: string;
  scriptUri: string;
  styleUri: string;
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const pct = (x: number) => `${(100 * x).toFixed(x < 0.1 ? 1 : 0)}%`;

export function renderRunReportHtml(d: ReportData, o: RunReportHtmlOptions): string {
  const csp = [
    "default-src 'none'",
    `style-src 'nonce-${o.nonce}' ${o.cspSource}`,
    `script-src 'nonce-${o.nonce}'`,
    `img-src ${o.cspSource} data:`,
  ].join('; ');
  const json = JSON.stringify(d).replace(/</g, '\\u003c');
  const files = d.files
    .map(
      (f) =>
        `<tr><td class="path">${escapeHtml(f.file)}</td><td class="num">${fmt(f.originalTokens)}</td>` +
        `<td class="num">${fmt(f.compressedTokens)}</td><td class="num">${f.originalTokens ? pct(f.compressedTokens / f.originalTokens) : '–'}</td>` +
        `<td class="num">${f.best ?? '–'}</td></tr>`,
    )
    .join('\n');
  const rows = d.points
    .map(
      (p) =>
        `<tr class="${p.status}" data-i="${p.i}" tabindex="0" aria-label="Rank ${p.rank}, ${escapeHtml(p.name)} in ${escapeHtml(p.file)}, relevance ${p.relevance}, ${p.status}: ${escapeHtml(p.summary)}. Enter reveals the code.">` +
        `<td class="num">${p.rank}</td>` +
        `<td class="rel"><span class="meter"><span class="fill w${Math.round(p.relevance / 5) * 5}"></span></span><span class="val">${p.relevance}</span></td>` +
        `<td><code>${escapeHtml(p.name)}</code> <span class="dim">${escapeHtml(p.kind)}</span></td>` +
        `<td class="path">${escapeHtml(p.file)}:${p.startLine}–${p.endLine}</td>` +
        `<td class="num">${fmt(p.tokens)}</td>` +
        `<td><span class="badge ${p.status}">${p.status}</span> ${escapeHtml(p.summary)}</td></tr>`,
    )
    .join('\n');
  const widths = Array.from({ length: 21 }, (_, k) => `.fill.w${k * 5}{width:${k * 5}%}`).join('');
  const timings = d.timings.map((t) => `<li>${escapeHtml(t.stage)} <b>${fmt(t.ms)} ms</b></li>`).join('');
  return `${webviewDocumentHead({ csp, title: d.title, styleUri: o.styleUri })}<style nonce="${o.nonce}">
body { font-family: var(--vscode-font-family); font-size: var(--vscode-font-size); color: var(--vscode-foreground); background: var(--vscode-editor-background); padding: 0 18px 18px; }
h1 { font-size: 1.25em; font-weight: 600; margin: 14px 0 4px; }
h2 { font-size: 1.05em; font-weight: 600; margin: 20px 0 6px; }
.sub { color: var(--vscode-descriptionForeground); margin: 0 0 10px; }
.summary { display: flex; flex-wrap: wrap; gap: 10px; margin: 8px 0 12px; }
.summary div { border: 1px solid var(--vscode-panel-border); border-radius: 4px; padding: 6px 10px; min-width: 90px; }
.summary b { display: block; font-size: 1.2em; font-variant-numeric: tabular-nums; }
.rerun { display: flex; flex-wrap: wrap; align-items: center; gap: 8px; padding: 8px 10px; border: 1px solid var(--vscode-panel-border); border-radius: 4px; }
.rerun input[type=range] { flex: 1 1 220px; accent-color: var(--vscode-button-background); }
.rerun input[type=number] { width: 90px; background: var(--vscode-input-background); color: var(--vscode-input-foreground); border: 1px solid var(--vscode-input-border, transparent); padding: 3px 4px; }
button { background: var(--vscode-button-background); color: var(--vscode-button-foreground); border: none; padding: 4px 12px; border-radius: 2px; cursor: pointer; }
button:hover { background: var(--vscode-button-hoverBackground); }
button:focus-visible, input:focus-visible, #chart:focus-visible, tr[tabindex]:focus { outline: 1px solid var(--vscode-focusBorder); outline-offset: 1px; }
#chart { position: relative; min-height: 300px; border: 1px solid var(--vscode-panel-border); border-radius: 4px; padding: 6px 0 0; }
.legend { display: flex; gap: 14px; margin: 6px 0; color: var(--vscode-descriptionForeground); }
.dot { display: inline-block; width: 9px; height: 9px; border-radius: 50%; margin-right: 4px; vertical-align: middle; }
.dot.kept, .badge.kept { background: var(--vscode-charts-green); }
.dot.partial, .badge.partial { background: var(--vscode-charts-yellow); }
.dot.dropped, .badge.dropped { background: var(--vscode-charts-red); }
.badge { color: var(--vscode-editor-background); border-radius: 3px; padding: 0 5px; font-size: 0.9em; }
#point-info { min-height: 1.4em; margin: 4px 0; }
table { border-collapse: collapse; width: 100%; }
caption { text-align: left; color: var(--vscode-descriptionForeground); padding-bottom: 6px; }
th, td { text-align: left; padding: 3px 6px; border-bottom: 1px solid var(--vscode-panel-border); vertical-align: middle; }
th { color: var(--vscode-descriptionForeground); font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.path { font-family: var(--vscode-editor-font-family); font-size: 0.95em; white-space: nowrap; }
code { font-family: var(--vscode-editor-font-family); }
.dim { color: var(--vscode-descriptionForeground); }
tr.dropped td { color: var(--vscode-disabledForeground); }
tr.dropped td .badge { color: var(--vscode-editor-background); }
tr[tabindex] { cursor: pointer; }
tr[tabindex]:hover { background: var(--vscode-list-hoverBackground); }
td.rel { white-space: nowrap; width: 130px; }
.meter { display: inline-block; width: 80px; height: 7px; background: var(--vscode-editorWidget-background); border: 1px solid var(--vscode-panel-border); vertical-align: middle; }
.fill { display: block; height: 100%; background: var(--vscode-charts-blue); }
.val { margin-left: 6px; font-variant-numeric: tabular-nums; }
ul.timings { display: flex; flex-wrap: wrap; gap: 14px; list-style: none; padding: 0; margin: 4px 0; }
.sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
.u-legend { display: none; }
.u-cursor-pt { border-width: 2px !important; }
${widths}
</style>
</head>
<body>
<h1>${escapeHtml(d.title)}</h1>
<p class="sub">${escapeHtml(d.scope)} · ${escapeHtml(d.model)} · tokens counted in ${escapeHtml(d.tokenizer)}</p>
<section class="summary" aria-label="Summary">
  <div>Budget<b>${fmt(d.budget)}</b></div>
  <div>Tokens<b>${fmt(d.originalTokens)} → ${fmt(d.compressedTokens)}</b></div>
  <div>Kept<b>${pct(d.ratio)}</b></div>
  <div>Chunks<b>${d.counts.kept} kept · ${d.counts.partial} partial · ${d.counts.dropped} dropped</b></div>
  <div>Model work<b>${fmt(d.modelTokensProcessed)} tokens</b></div>
</section>
<form class="rerun" id="rerun" aria-label="Re-run with another budget">
  <label for="budget-range">Re-run with budget</label>
  <input type="range" id="budget-range" min="${d.slider.min}" max="${d.slider.max}" step="${d.slider.step}" value="${d.slider.value}" aria-describedby="budget-hint">
  <input type="number" id="budget-number" min="1" step="1" value="${d.slider.value}" aria-label="Budget in tokens">
  <span class="dim" id="budget-hint">tokens</span>
  <button type="submit" id="rerun-button">Re-run</button>
</form>
<h2 id="chart-title">Relevance against size</h2>
<div class="legend" aria-hidden="true"><span><span class="dot kept"></span>kept</span><span><span class="dot partial"></span>partial</span><span><span class="dot dropped"></span>dropped</span></div>
<div id="chart" tabindex="0" role="img" aria-labelledby="chart-title" aria-describedby="chart-help"></div>
<p class="sr-only" id="chart-help">One point per ranked chunk: tokens across (log scale), relevance up (0 to 100 within this run). Left and right arrows move between chunks by rank; Enter reveals the chunk.</p>
<div id="point-info" aria-live="polite"></div>
<h2>Tokens per file</h2>
<table>
<thead><tr><th scope="col">File</th><th scope="col" class="num">Original</th><th scope="col" class="num">Compressed</th><th scope="col" class="num">Kept</th><th scope="col" class="num">Best relevance</th></tr></thead>
<tbody>
${files}
</tbody>
</table>
<h2>Chunks by rank</h2>
<table id="chunks">
<caption>Relevance is the chunk's score scaled to 0–100 within this run (100 = most relevant). Select a row (Enter) to reveal the chunk.</caption>
<thead><tr><th scope="col" class="num">Rank</th><th scope="col">Relevance</th><th scope="col">Chunk</th><th scope="col">Where</th><th scope="col" class="num">Tokens</th><th scope="col">Decision</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>
<h2>Timings</h2>
<ul class="timings">${timings}</ul>
<script type="application/json" id="report-data" nonce="${o.nonce}">${json}</script>
<script nonce="${o.nonce}" src="${escapeHtml(o.scriptUri)}"></script>
</body>
</html>`;
}
