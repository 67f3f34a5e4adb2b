/**
 * The shell of the inspector webviews (model file, comparison, variant evaluation). Pure:
 * no vscode import. The page gets its data by postMessage; the CSP allows only our nonce'd
 * script and the bundled stylesheet (uPlot's), nothing remote.
 */
import { escapeHtml, webviewDocumentHead } from '../webviewHtml.js';
export interface InspectorHtmlOptions {
  nonce: string;
  cspSource: string;
  scriptUri: string;
  styleUri: string;
  title: string;
  /** 'model' | 'compare' | 'variants' */
  view: string;
}

export function renderInspectorHtml(o: InspectorHtmlOptions): string {
  const csp = [
    "default-src 'none'",
    `style-src ${o.cspSource} 'nonce-${o.nonce}'`,
    `script-src 'nonce-${o.nonce}'`,
    `img-src ${o.cspSource} data:`,
  ].join('; ');
  return `${webviewDocumentHead({ csp, title: o.title, styleUri: o.styleUri })}<style nonce="${o.nonce}">
body { font-family: var(--vscode-font-family); font-size: var(--vscode-font-size); color: var(--vscode-foreground); background: var(--vscode-editor-background); padding: 0 16px 24px; }
h1 { font-size: 1.25em; font-weight: 600; margin: 12px 0 4px; word-break: break-all; }
h2 { font-size: 1.05em; font-weight: 600; margin: 18px 0 6px; }
.sub { color: var(--vscode-descriptionForeground); margin-bottom: 8px; }
.cards { display: flex; flex-wrap: wrap; gap: 10px; margin: 8px 0 12px; }
.card { border: 1px solid var(--vscode-panel-border); border-radius: 4px; padding: 6px 10px; min-width: 110px; }
.card b { display: block; font-size: 1.2em; font-variant-numeric: tabular-nums; }
.charts { display: flex; flex-wrap: wrap; gap: 16px; }
.chart { margin: 0; border: 1px solid var(--vscode-panel-border); border-radius: 4px; padding: 6px; }
.chart .u-legend { font-size: 0.9em; color: var(--vscode-foreground); }
.chart .u-axis { color: var(--vscode-descriptionForeground); }
.toolbar { display: flex; gap: 8px; align-items: center; margin: 8px 0; flex-wrap: wrap; }
input[type=search], select { background: var(--vscode-input-background); color: var(--vscode-input-foreground); border: 1px solid var(--vscode-input-border, var(--vscode-panel-border)); padding: 3px 6px; font: inherit; }
input[type=search] { min-width: 260px; }
input:focus, select:focus, button:focus, th:focus, tr:focus { outline: 1px solid var(--vscode-focusBorder); outline-offset: -1px; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 3px 6px; border-bottom: 1px solid var(--vscode-panel-border); white-space: nowrap; }
th { color: var(--vscode-descriptionForeground); font-weight: 600; cursor: pointer; user-select: none; position: sticky; top: 0; background: var(--vscode-editor-background); }
th[aria-sort=ascending]::after { content: ' ▲'; }
th[aria-sort=descending]::after { content: ' ▼'; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
tbody tr { cursor: pointer; }
tbody tr:hover { background: var(--vscode-list-hoverBackground); }
tbody tr[aria-selected=true] { background: var(--vscode-list-activeSelectionBackground); color: var(--vscode-list-activeSelectionForeground); }
.tablewrap { max-height: 60vh; overflow: auto; border: 1px solid var(--vscode-panel-border); }
.progress { margin: 16px 0; }
progress { width: 320px; }
.error { color: var(--vscode-errorForeground); border: 1px solid var(--vscode-inputValidation-errorBorder, var(--vscode-errorForeground)); padding: 8px; }
.warn { color: var(--vscode-editorWarning-foreground); }
.muted { color: var(--vscode-descriptionForeground); }
dl.details { display: grid; grid-template-columns: max-content auto; gap: 2px 12px; margin: 6px 0; }
dl.details dt { color: var(--vscode-descriptionForeground); }
.sr-only { position: absolute; left: -10000px; width: 1px; height: 1px; overflow: hidden; }
</style>
</head>
<body data-view="${escapeHtml(o.view)}">
<main id="app" aria-live="polite"><div class="progress" role="status"><span id="progress-text">Reading…</span><br><progress id="progress-bar" max="1" value="0" aria-label="Progress"></progress></div></main>
<script nonce="${o.nonce}" src="${o.scriptUri}"></script>
</body>
</html>`;
}
