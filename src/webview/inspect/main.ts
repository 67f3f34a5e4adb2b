/**
 * Browser side of the model inspector panels: the model view (summary cards, per-layer
 * charts, a sortable and filterable tensor table, the singular-value spectrum of the selected
 * tensor), the comparison view and the variant evaluation view. Data arrives by postMessage.
 * Charts are uPlot (bundled, canvas, no network); colours come from the theme's variables.
 * Keyboard: Tab to the filter, the column headers (Enter/Space sorts) and the table rows
 * (arrows move, Enter selects).
 */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { ModelReport, TensorReport } from '../../core/inspect/types.js';
import type { CompareResult } from '../../core/inspect/index.js';
import type { EvalVariantsResult } from '../../core/inspect/variants.js';

const app = document.getElementById('app')!;

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') e.className = v;
    else e.setAttribute(k, v);
  }
  for (const c of children) e.append(c);
  return e;
}

const css = (name: string, fallback: string) =>
  getComputedStyle(document.body).getPropertyValue(name).trim() || fallback;
const mb = (b: number) => `${(b / 2 ** 20).toFixed(2)} MB`;
const fix = (x: number | null | undefined, d = 3) =>
  x === null || x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(d);
const int = (x: number) => x.toLocaleString('en');

function card(label: string, value: string): HTMLElement {
  return el('div', { class: 'card' }, label, el('b', {}, value));
}

function chartWidth(): number {
  return Math.max(280, Math.min(560, Math.floor((document.body.clientWidth - 64) / 2)));
}

/** A bar chart of one series. */
function singleBarChart(
  title: string,
  labels: string[],
  series: { label: string; values: number[]; color: string },
  yLabel: string,
): HTMLElement {
  return barChart(title, labels, [series], yLabel);
}

/** One metric of `items` drawn as a single-series bar chart (`metricCharts`). */
interface MetricChart<T> {
  title: string;
  label: string;
  value: (item: T) => number;
  /** Theme colour variable and its fallback. */
  color: [string, string];
  unit: string;
}

/** One bar chart per metric, over the same items (named on the x axis). */
function metricCharts<T>(items: T[], name: (item: T) => string, metrics: Array<MetricChart<T>>): HTMLElement[] {
  return metrics.map((m) =>
    singleBarChart(
      m.title,
      items.map(name),
      { label: m.label, values: items.map(m.value), color: css(m.color[0], m.color[1]) },
      m.unit,
    ),
  );
}

/** A bar chart over categories (index on the x axis, labels as ticks). */
function barChart(
  title: string,
  labels: string[],
  series: { label: string; values: number[]; color: string }[],
  yLabel: string,
): HTMLElement {
  const box = el('figure', { class: 'chart', 'aria-label': title });
  box.append(el('figcaption', { class: 'muted' }, title));
  const fg = css('--vscode-descriptionForeground', '#888');
  const grid = css('--vscode-panel-border', '#444');
  const xs = labels.map((_, i) => i);
  const bars = uPlot.paths.bars!({ size: [0.7, 60] });
  const opts: uPlot.Options = {
    width: chartWidth(),
    height: 220,
    legend: { show: series.length > 1 },
    cursor: { drag: { x: false, y: false } },
    scales: {
      x: { time: false, range: [-0.5, labels.length - 0.5] },
      y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.05 : 1] },
    },
    axes: [
      {
        stroke: fg,
        grid: { show: false },
        ticks: { stroke: grid },
        values: (_u, splits) => splits.map((s) => (Number.isInteger(s) ? (labels[s] ?? '') : '')),
        rotate: labels.length > 6 ? -30 : 0,
        size: labels.length > 6 ? 70 : 40,
      } as uPlot.Axis,
      { stroke: fg, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid }, label: yLabel },
    ],
    series: [
      {},
      ...series.map((s) => ({ label: s.label, stroke: s.color, fill: s.color, paths: bars, points: { show: false } })),
    ],
  };
  new uPlot(opts, [xs, ...series.map((s) => s.values)], box);
  // The same numbers as text, for screen readers.
  box.append(
    el(
      'p',
      { class: 'sr-only' },
      labels.map((l, i) => `${l}: ${series.map((s) => `${s.label} ${fix(s.values[i])}`).join(', ')}`).join('; '),
    ),
  );
  return box;
}

function spectrumChart(t: TensorReport): HTMLElement {
  const box = el('figure', { class: 'chart', 'aria-label': `Singular values of ${t.name}` });
  const lr = t.lowRank;
  if (!lr || lr.singularValues.length === 0) {
    box.append(el('figcaption', { class: 'muted' }, `${t.name}: no low-rank profile (not a 2-D weight, or all zero).`));
    return box;
  }
  box.append(
    el(
      'figcaption',
      { class: 'muted' },
      `Singular values of ${t.name} (sample ${lr.sampleShape.join('×')}): numerical rank ${lr.numericalRank}${lr.truncated && lr.numericalRank === lr.singularValues.length ? '+' : ''}, 99% energy at ${lr.effectiveRank ?? `> ${lr.singularValues.length}`}`,
    ),
  );
  const fg = css('--vscode-descriptionForeground', '#888');
  const grid = css('--vscode-panel-border', '#444');
  const xs = lr.singularValues.map((_, i) => i + 1);
  new uPlot(
    {
      width: chartWidth(),
      height: 220,
      scales: { x: { time: false }, y: { distr: 3 }, e: { range: [0, 1] } },
      axes: [
        { stroke: fg, grid: { show: false }, label: 'index' },
        { stroke: fg, grid: { stroke: grid, width: 1 }, label: 'σ (log)' },
        { stroke: fg, scale: 'e', side: 1, grid: { show: false }, label: 'energy' },
      ],
      series: [
        {},
        { label: 'σ', stroke: css('--vscode-charts-blue', '#3794ff'), width: 2 },
        { label: 'energy', scale: 'e', stroke: css('--vscode-charts-orange', '#d18616'), width: 1, dash: [4, 3] },
      ],
    },
    [xs, lr.singularValues.map((s) => Math.max(s, 1e-12)), lr.energy],
    box,
  );
  return box;
}

interface Column<T> {
  key: string;
  label: string;
  num?: boolean;
  value: (row: T) => string | number | null;
  show?: (row: T) => string;
}

/** A sortable, filterable, keyboard-navigable table. */
function dataTable<T>(
  caption: string,
  rows: T[],
  columns: Column<T>[],
  filterText: (row: T) => string,
  onSelect?: (row: T) => void,
): HTMLElement {
  const wrap = el('section', { 'aria-label': caption });
  const filter = el('input', {
    type: 'search',
    placeholder: 'Filter by name or dtype…',
    'aria-label': 'Filter tensors',
  });
  const countEl = el('span', { class: 'muted', role: 'status' });
  wrap.append(el('div', { class: 'toolbar' }, filter, countEl));
  const table = el('table', { 'aria-rowcount': String(rows.length) });
  table.append(el('caption', { class: 'sr-only' }, caption));
  const head = el('tr');
  const tbody = el('tbody');
  let sortKey = '';
  let dir = 1;
  const ths = columns.map((c) => {
    const th = el('th', { scope: 'col', tabindex: '0', 'aria-sort': 'none' }, c.label);
    const sort = () => {
      dir = sortKey === c.key ? -dir : c.num ? -1 : 1;
      sortKey = c.key;
      ths.forEach((h) => h.setAttribute('aria-sort', 'none'));
      th.setAttribute('aria-sort', dir > 0 ? 'ascending' : 'descending');
      render();
    };
    th.addEventListener('click', sort);
    th.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' || e.key === ' ') {
        e.preventDefault();
        sort();
      }
    });
    head.append(th);
    return th;
  });
  table.append(el('thead', {}, head), tbody);
  wrap.append(el('div', { class: 'tablewrap' }, table));
  let selected: HTMLTableRowElement | undefined;
  function render(): void {
    const q = filter.value.trim().toLowerCase();
    let shown = rows.filter((r) => !q || filterText(r).toLowerCase().includes(q));
    const col = columns.find((c) => c.key === sortKey);
    if (col) {
      shown = [...shown].sort((a, b) => {
        const x = col.value(a);
        const y = col.value(b);
        if (x === null) return 1;
        if (y === null) return -1;
        return (
          (typeof x === 'number' && typeof y === 'number'
            ? x - y
            : String(x).localeCompare(String(y), 'en', { numeric: true })) * dir
        );
      });
    }
    tbody.replaceChildren(
      ...shown.map((r) => {
        const tr = el('tr', { tabindex: '-1', 'aria-selected': 'false' });
        for (const c of columns) {
          const v = c.show ? c.show(r) : c.value(r);
          tr.append(el('td', c.num ? { class: 'num' } : {}, v === null ? '–' : String(v)));
        }
        const select = () => {
          selected?.setAttribute('aria-selected', 'false');
          tr.setAttribute('aria-selected', 'true');
          selected = tr;
          onSelect?.(r);
        };
        tr.addEventListener('click', select);
        tr.addEventListener('keydown', (e) => {
          if (e.key === 'Enter' || e.key === ' ') {
            e.preventDefault();
            select();
          } else if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
            e.preventDefault();
            const next = (
              e.key === 'ArrowDown' ? tr.nextElementSibling : tr.previousElementSibling
            ) as HTMLElement | null;
            next?.focus();
          }
        });
        return tr;
      }),
    );
    const first = tbody.firstElementChild as HTMLElement | null;
    if (first) first.tabIndex = 0;
    countEl.textContent = `${shown.length} of ${rows.length}`;
  }
  filter.addEventListener('input', render);
  render();
  return wrap;
}

function renderModel(r: ModelReport): void {
  const detail = el('div');
  const spectrum = el('div', { class: 'charts' });
  const showTensor = (t: TensorReport) => {
    spectrum.replaceChildren(spectrumChart(t));
    const s = t.stats;
    detail.replaceChildren(
      el(
        'dl',
        { class: 'details', 'aria-label': `Details of ${t.name}` },
        ...[
          ['tensor', t.name],
          [
            'scheme',
            t.quant
              ? `${t.quant.scheme}${t.quant.blockSize ? `, block ${t.quant.blockSize}` : ''}${t.quant.axis !== undefined ? `, axis ${t.quant.axis}` : ''}${t.quant.scales ? `, ${int(t.quant.scales)} scales (${t.quant.scaleDtype ?? '?'})` : ''}${t.quant.zeroPoint ? ', zero points' : ''}`
              : t.dtype,
          ],
          ['stored as', t.quant?.parts?.join(', ') ?? t.name],
          [
            'values',
            s
              ? `min ${fix(s.min, 5)} · max ${fix(s.max, 5)} · mean ${fix(s.mean, 6)} · std ${fix(s.std, 6)} · outliers (>6σ) ${fix(100 * s.outlierFraction, 3)}%${s.sampled ? ` · sampled ${int(s.elements)} values` : ''}`
              : 'not decodable',
          ],
          ['location', t.location ?? 'in the file'],
        ].flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, v)]),
      ),
    );
  };
  const layers = r.layers;
  app.replaceChildren(
    el('h1', {}, r.file.split(/[\\/]/).pop() ?? r.file),
    el('div', { class: 'sub' }, `${r.format.toUpperCase()} · ${r.file}`),
    el(
      'div',
      { class: 'cards', role: 'group', 'aria-label': 'Summary' },
      card('Parameters', int(r.totalParams)),
      card('Tensors', int(r.tensors.length)),
      card('Tensor bytes', mb(r.bytes)),
      card('File size', mb(r.fileBytes)),
      card('Bits / weight', fix(r.bitsPerWeight, 3)),
      card('vs fp16', `×${fix(r.compressionVsFp16, 2)}`),
      card(
        'Schemes',
        Object.entries(r.dtypes)
          .map(([k, v]) => `${k} ${((100 * v) / Math.max(1, r.totalParams)).toFixed(1)}%`)
          .join(' · '),
      ),
    ),
    ...(r.warnings.length ? [el('ul', { class: 'warn' }, ...r.warnings.map((w) => el('li', {}, w)))] : []),
    el('h2', {}, 'Per layer'),
    el(
      'div',
      { class: 'charts' },
      ...metricCharts(layers, (l) => l.layer, [
        {
          title: 'Bits per weight by layer',
          label: 'bits/weight',
          value: (l) => l.bitsPerWeight,
          color: ['--vscode-charts-blue', '#3794ff'],
          unit: 'bits',
        },
        {
          title: 'Zero fraction by layer',
          label: 'zeros',
          value: (l) => l.zeroFraction ?? 0,
          color: ['--vscode-charts-purple', '#b180d7'],
          unit: 'fraction',
        },
      ]),
    ),
    el('h2', {}, 'Tensors'),
    dataTable<TensorReport>(
      'Tensors of the model; select a row for its singular-value spectrum',
      r.tensors,
      [
        { key: 'name', label: 'Name', value: (t) => t.name },
        { key: 'layer', label: 'Layer', value: (t) => t.layer },
        { key: 'dtype', label: 'Dtype', value: (t) => t.dtype },
        { key: 'shape', label: 'Shape', value: (t) => t.shape.join('×') },
        { key: 'params', label: 'Params', num: true, value: (t) => t.params, show: (t) => int(t.params) },
        { key: 'bytes', label: 'Bytes', num: true, value: (t) => t.bytes, show: (t) => int(t.bytes) },
        {
          key: 'bits',
          label: 'Bits/w',
          num: true,
          value: (t) => t.bitsPerWeight,
          show: (t) => fix(t.bitsPerWeight, 3),
        },
        { key: 'zeros', label: 'Zeros', num: true, value: (t) => t.zeroFraction, show: (t) => fix(t.zeroFraction, 4) },
        { key: 'nm', label: 'N:M', value: (t) => t.nmSparsity },
        {
          key: 'rank',
          label: 'Rank',
          num: true,
          value: (t) => t.numericalRank,
          show: (t) =>
            t.numericalRank === null
              ? '–'
              : `${t.numericalRank}${t.lowRank?.truncated && t.numericalRank === t.lowRank.singularValues.length ? '+' : ''}`,
        },
        { key: 'eff', label: 'Eff. rank', num: true, value: (t) => t.effectiveRank },
        { key: 'std', label: 'Std', num: true, value: (t) => t.stats?.std ?? null, show: (t) => fix(t.stats?.std, 5) },
        {
          key: 'maxabs',
          label: 'Max |w|',
          num: true,
          value: (t) => t.stats?.maxAbs ?? null,
          show: (t) => fix(t.stats?.maxAbs, 4),
        },
      ],
      (t) => `${t.name} ${t.dtype} ${t.layer}`,
      showTensor,
    ),
    el('h2', {}, 'Selected tensor'),
    detail,
    spectrum,
  );
  const first = r.tensors.find((t) => t.lowRank) ?? r.tensors[0];
  if (first) showTensor(first);
}

function renderCompare(c: CompareResult): void {
  const cmp = c.comparison;
  const name = (f: string) => f.split(/[\\/]/).pop() ?? f;
  const withErr = cmp.tensors.filter((t) => t.relError !== null && t.relError > 0);
  app.replaceChildren(
    el('h1', {}, `${name(cmp.a.file)} ↔ ${name(cmp.b.file)}`),
    el('div', { class: 'sub' }, `Reference: ${cmp.a.file} · compared: ${cmp.b.file}`),
    el(
      'div',
      { class: 'cards', role: 'group', 'aria-label': 'Summary' },
      card('Size', `${mb(cmp.a.bytes)} → ${mb(cmp.b.bytes)}`),
      card('Size ratio', `×${fix(cmp.sizeRatio, 3)}`),
      card('Bits / weight', `${fix(cmp.a.bitsPerWeight, 2)} → ${fix(cmp.b.bitsPerWeight, 2)}`),
      card('Params', `${int(cmp.a.totalParams)} → ${int(cmp.b.totalParams)}`),
      card('Matched', `${cmp.tensors.length} tensors`),
      card('Mean rel. error', fix(cmp.meanRelError, 4)),
    ),
    ...(cmp.onlyA.length || cmp.onlyB.length
      ? [
          el(
            'p',
            { class: 'muted' },
            `Only in the reference: ${cmp.onlyA.join(', ') || 'none'}. Only in the other: ${cmp.onlyB.join(', ') || 'none'}.`,
          ),
        ]
      : []),
    el(
      'div',
      { class: 'charts' },
      singleBarChart(
        'Relative reconstruction error ‖B−A‖/‖A‖ per tensor',
        withErr.map((t) => t.name),
        {
          label: 'rel. error',
          values: withErr.map((t) => t.relError ?? 0),
          color: css('--vscode-charts-red', '#f14c4c'),
        },
        'rel. error',
      ),
      barChart(
        'Bits per weight per tensor',
        withErr.map((t) => t.name),
        [
          {
            label: 'reference',
            values: withErr.map((t) => t.bitsPerWeightA),
            color: css('--vscode-charts-blue', '#3794ff'),
          },
          {
            label: 'other',
            values: withErr.map((t) => t.bitsPerWeightB),
            color: css('--vscode-charts-green', '#89d185'),
          },
        ],
        'bits',
      ),
    ),
    el('h2', {}, 'Tensors'),
    dataTable(
      'Matched tensors',
      cmp.tensors,
      [
        { key: 'name', label: 'Reference', value: (t) => t.name },
        { key: 'other', label: 'Other', value: (t) => t.otherName },
        { key: 'dtype', label: 'Dtype', value: (t) => `${t.dtypeA} → ${t.dtypeB}` },
        { key: 'params', label: 'Params', num: true, value: (t) => t.params, show: (t) => int(t.params) },
        {
          key: 'bits',
          label: 'Bits/w',
          num: true,
          value: (t) => t.bitsPerWeightB,
          show: (t) => `${fix(t.bitsPerWeightA, 2)} → ${fix(t.bitsPerWeightB, 2)}`,
        },
        { key: 'size', label: 'Size', num: true, value: (t) => t.sizeRatio, show: (t) => `×${fix(t.sizeRatio, 3)}` },
        { key: 'err', label: 'Rel. error', num: true, value: (t) => t.relError, show: (t) => fix(t.relError, 5) },
        { key: 'maxerr', label: 'Max |Δ|', num: true, value: (t) => t.maxAbsError, show: (t) => fix(t.maxAbsError, 5) },
        { key: 'match', label: 'Matched by', value: (t) => t.matchedBy + (t.transposed ? ' (transposed)' : '') },
      ],
      (t) => `${t.name} ${t.otherName} ${t.dtypeA} ${t.dtypeB}`,
    ),
  );
}

function renderVariants(r: EvalVariantsResult): void {
  const ref = r.variants[0]?.label ?? '';
  app.replaceChildren(
    el('h1', {}, 'Compressor variants on your code'),
    el(
      'div',
      { class: 'sub' },
      `${r.files} files · perplexity on ${int(r.perplexitySample.chars)} characters · rankings for ${r.queries.length} queries at ratio ${r.ratio} · agreement with ${ref}`,
    ),
    el(
      'div',
      { class: 'charts' },
      ...metricCharts(r.variants, (v) => v.label, [
        {
          title: 'Perplexity on the code sample',
          label: 'perplexity',
          value: (v) => v.perplexity,
          color: ['--vscode-charts-blue', '#3794ff'],
          unit: 'ppl',
        },
        {
          title: 'Tokens per second',
          label: 'tokens/s',
          value: (v) => v.tokensPerSecond,
          color: ['--vscode-charts-green', '#89d185'],
          unit: 'tok/s',
        },
      ]),
    ),
    dataTable(
      'Variants',
      r.variants,
      [
        { key: 'label', label: 'Variant', value: (v) => v.label },
        { key: 'load', label: 'Load ms', num: true, value: (v) => v.loadMs, show: (v) => fix(v.loadMs, 0) },
        {
          key: 'rss',
          label: 'RSS MB',
          num: true,
          value: (v) => v.rssAfterLoadMB,
          show: (v) => fix(v.rssAfterLoadMB, 0),
        },
        { key: 'ppl', label: 'Perplexity', num: true, value: (v) => v.perplexity, show: (v) => fix(v.perplexity, 3) },
        {
          key: 'tps',
          label: 'Tokens/s',
          num: true,
          value: (v) => v.tokensPerSecond,
          show: (v) => fix(v.tokensPerSecond, 0),
        },
        {
          key: 'tau',
          label: `Kendall τ vs ${ref}`,
          num: true,
          value: (v) => v.meanKendallTau,
          show: (v) => fix(v.meanKendallTau),
        },
        {
          key: 'topk',
          label: `Top-${r.topK} overlap`,
          num: true,
          value: (v) => v.meanTopKOverlap,
          show: (v) => fix(v.meanTopKOverlap),
        },
        {
          key: 'same',
          label: 'Same decisions',
          num: true,
          value: (v) => v.meanSameDecision,
          show: (v) => fix(v.meanSameDecision),
        },
      ],
      (v) => v.label,
    ),
  );
}

window.addEventListener('message', (e: MessageEvent) => {
  const m = e.data as
    | { type: 'progress'; done: number; total: number; message?: string }
    | { type: 'report'; report: ModelReport }
    | { type: 'compare'; result: CompareResult }
    | { type: 'variants'; result: EvalVariantsResult }
    | { type: 'error'; message: string };
  if (m.type === 'progress') {
    const bar = document.getElementById('progress-bar') as HTMLProgressElement | null;
    const text = document.getElementById('progress-text');
    if (bar && m.total > 0) bar.value = m.done / m.total;
    if (text) text.textContent = m.message ? `Reading ${m.message}…` : 'Reading…';
  } else if (m.type === 'report') renderModel(m.report);
  else if (m.type === 'compare') renderCompare(m.result);
  else if (m.type === 'variants') renderVariants(m.result);
  else if (m.type === 'error') app.replaceChildren(el('div', { class: 'error', role: 'alert' }, m.message));
});
