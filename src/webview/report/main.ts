/**
 * Browser side of the run report: a scatter chart (uPlot) of chunk relevance against tokens,
 * kept / partial / dropped in the theme's chart colours; clicking a point (or Enter on a
 * table row, or arrows + Enter on the focused chart) asks the extension to reveal the chunk.
 * The budget slider and number stay in step; Re-run posts the chosen budget.
 */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { ReportData, ReportPoint } from '../../extension/report/reportData';
import { activatableRows } from '../shared/rows.js';

interface VsCodeApi {
  postMessage(message: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const data = JSON.parse(document.getElementById('report-data')!.textContent!) as ReportData;
const css = getComputedStyle(document.body);
const color = (name: string, fallback: string) => css.getPropertyValue(name).trim() || fallback;
const colors = {
  kept: color('--vscode-charts-green', '#89d185'),
  partial: color('--vscode-charts-yellow', '#cca700'),
  dropped: color('--vscode-charts-red', '#f14c4c'),
  axis: color('--vscode-descriptionForeground', '#999'),
  grid: color('--vscode-panel-border', '#444'),
  focus: color('--vscode-focusBorder', '#007fd4'),
};

function reveal(p: ReportPoint): void {
  vscode.postMessage({ type: 'reveal', i: p.i, file: p.file, startLine: p.startLine, endLine: p.endLine });
}

// ---- table rows: click / Enter / Space reveal, arrows move
const rows = Array.from(document.querySelectorAll<HTMLTableRowElement>('#chunks tr[data-i]'));
const byIndex = new Map(data.points.map((p) => [p.i, p]));
activatableRows(rows, (row) => reveal(byIndex.get(Number(row.dataset.i))!));

// ---- budget slider + number + re-run
const range = document.getElementById('budget-range') as HTMLInputElement;
const number = document.getElementById('budget-number') as HTMLInputElement;
range.addEventListener('input', () => (number.value = range.value));
number.addEventListener('input', () => (range.value = number.value));
document.getElementById('rerun')!.addEventListener('submit', (e) => {
  e.preventDefault();
  const budget = Math.round(Number(number.value));
  if (Number.isFinite(budget) && budget > 0) vscode.postMessage({ type: 'rerun', budget });
});

// ---- the chart: x = tokens (log), y = relevance; one series per status, points only
const chartEl = document.getElementById('chart')!;
const info = document.getElementById('point-info')!;
const points = [...data.points].sort((a, b) => a.tokens - b.tokens || a.rank - b.rank);
const xs = points.map((p) => Math.max(1, p.tokens));
const seriesOf = (status: ReportPoint['status']) => points.map((p) => (p.status === status ? p.relevance : null));
let selected = -1; // index into `points`
const describe = (p: ReportPoint) =>
  `#${p.rank} ${p.name} (${p.file}:${p.startLine}) · relevance ${p.relevance} · ${p.tokens.toLocaleString('en-US')} tokens · ${p.status}: ${p.summary}`;

function nearest(u: uPlot, left: number, top: number): number {
  let best = -1;
  let bestD = Infinity;
  points.forEach((p, k) => {
    const dx = u.valToPos(xs[k], 'x') - left;
    const dy = u.valToPos(p.relevance, 'y') - top;
    const d = dx * dx + dy * dy;
    if (d < bestD) {
      bestD = d;
      best = k;
    }
  });
  return bestD <= 15 * 15 ? best : -1;
}

function drawSelection(u: uPlot): void {
  if (selected < 0) return;
  const ctx = u.ctx;
  const x = u.valToPos(xs[selected], 'x', true);
  const y = u.valToPos(points[selected].relevance, 'y', true);
  ctx.save();
  ctx.strokeStyle = colors.focus;
  ctx.lineWidth = 2 * devicePixelRatio;
  ctx.beginPath();
  ctx.arc(x, y, 8 * devicePixelRatio, 0, 2 * Math.PI);
  ctx.stroke();
  ctx.restore();
}

const pointSeries = (label: string, stroke: string): uPlot.Series => ({
  label,
  stroke,
  paths: () => null,
  points: { show: true, size: 9, stroke, fill: stroke, width: 1 },
});

function makeChart(): uPlot {
  const axis = (label: string): uPlot.Axis => ({
    label,
    stroke: colors.axis,
    grid: { stroke: colors.grid, width: 1 },
    ticks: { stroke: colors.grid, width: 1 },
  });
  return new uPlot(
    {
      width: Math.max(320, chartEl.clientWidth - 4),
      height: 300,
      legend: { show: false },
      cursor: { drag: { x: false, y: false }, points: { show: false }, x: false, y: false },
      scales: { x: { time: false, distr: 3 }, y: { range: [-5, 105] } },
      axes: [axis('tokens (log scale)'), { ...axis('relevance (0–100)'), size: 50 }],
      series: [
        {},
        pointSeries('kept', colors.kept),
        pointSeries('partial', colors.partial),
        pointSeries('dropped', colors.dropped),
      ],
      hooks: { draw: [drawSelection] },
    },
    [xs, seriesOf('kept'), seriesOf('partial'), seriesOf('dropped')] as uPlot.AlignedData,
    chartEl,
  );
}

if (points.length === 0) {
  chartEl.textContent = 'Nothing was ranked in this run (everything fit the budget).';
} else {
  const u = makeChart();
  const select = (k: number, announce = true) => {
    selected = k;
    u.redraw(false, false);
    if (announce) info.textContent = k >= 0 ? describe(points[k]) : '';
  };
  u.over.addEventListener('mousemove', (e) => {
    const k = nearest(u, e.offsetX, e.offsetY);
    u.over.style.cursor = k >= 0 ? 'pointer' : 'default';
    info.textContent = k >= 0 ? describe(points[k]) : selected >= 0 ? describe(points[selected]) : '';
  });
  u.over.addEventListener('click', (e) => {
    const k = nearest(u, e.offsetX, e.offsetY);
    if (k < 0) return;
    select(k);
    reveal(points[k]);
  });
  // keyboard: arrows walk the points by rank, Enter reveals
  const byRank = points.map((p, k) => ({ p, k })).sort((a, b) => a.p.rank - b.p.rank);
  chartEl.addEventListener('keydown', (e) => {
    const pos = byRank.findIndex((x) => x.k === selected);
    if (e.key === 'ArrowRight' || e.key === 'ArrowDown') {
      e.preventDefault();
      select(byRank[Math.min(byRank.length - 1, pos + 1)].k);
    } else if (e.key === 'ArrowLeft' || e.key === 'ArrowUp') {
      e.preventDefault();
      select(byRank[Math.max(0, pos - 1)].k);
    } else if ((e.key === 'Enter' || e.key === ' ') && selected >= 0) {
      e.preventDefault();
      reveal(points[selected]);
    }
  });
  new ResizeObserver(() => u.setSize({ width: Math.max(320, chartEl.clientWidth - 4), height: 300 })).observe(chartEl);
}
vscode.postMessage({ type: 'ready', points: data.points.length });
