import * as vscode from 'vscode';
import type { ChunkStatus, ScoredChunk } from '../../core/types.js';
import { escapeMd } from '../model/statusBar.js';
import { TreeRefresh } from '../views/revealSettled.js';
import { explainRun, lensTitle, type ChunkExplanation, type RunExplanation } from './explain.js';
import { fmt, oneLine, pct } from './format.js';
import type { CompressionRun, RunStore } from './runStore.js';

export interface RunFileNode {
  type: 'file';
  run: CompressionRun;
  file: string;
  chunks: ScoredChunk[];
  children: RunChunkNode[];
}

export interface RunChunkNode {
  type: 'chunk';
  run: CompressionRun;
  parent: RunFileNode;
  chunk: ScoredChunk;
  explanation: ChunkExplanation;
}

export type LastRunNode = RunFileNode | RunChunkNode;

/** Codicons that exist in the engines.vscode minimum (1.100); `adjust` does not. */
export const STATUS_ICON: Record<ChunkStatus, [string, string]> = {
  kept: ['pass-filled', 'charts.green'],
  partial: ['color-mode', 'charts.yellow'],
  dropped: ['circle-slash', 'disabledForeground'],
};

export type LastRunSort = 'relevance' | 'path';
/** Which chunks the view lists. */
export type LastRunFilter = 'all' | 'included' | 'kept' | 'partial' | 'dropped';

export const FILTER_LABEL: Record<LastRunFilter, string> = {
  all: 'all chunks',
  included: 'kept or partial',
  kept: 'kept',
  partial: 'partial',
  dropped: 'dropped',
};

function passes(filter: LastRunFilter, status: ChunkStatus): boolean {
  if (filter === 'all') return true;
  if (filter === 'included') return status !== 'dropped';
  return status === filter;
}

/** "rank 3 of 42 · kept 12/40 lines · relevance 71 · 310 tok". */
export function chunkRunDescription(e: ChunkExplanation): string {
  return `${lensTitle(e)} · ${fmt(e.chunk.tokens)} tok`;
}

/**
 * The Last Run view: files -> chunks of the newest run. Sorted by relevance (files by their
 * best chunk, chunks by rank; the default) or by path (files by name, chunks by line).
 * Filtered to a status, and/or to chunks whose name or file contains a text: unlike the
 * tree's own find, this searches collapsed files too (matching files are expanded).
 */
export class LastRunTreeProvider implements vscode.TreeDataProvider<LastRunNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<LastRunNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private fileNodes: RunFileNode[] = [];
  private explanation: RunExplanation | undefined;
  private readonly subscription: vscode.Disposable;
  /** Whether VS Code has read the roots since the last change (reveals wait for it: revealSettled.ts). */
  readonly refresh = new TreeRefresh();
  sort: LastRunSort = 'relevance';
  filter: LastRunFilter = 'all';
  find = '';

  constructor(private readonly runs: RunStore) {
    this.subscription = runs.onDidChange(() => this.rebuild());
    this.rebuild();
  }

  get run(): CompressionRun | undefined {
    return this.runs.last;
  }

  /** Chunks the view lists now, and all of the run. */
  get shownCount(): { shown: number; total: number } {
    return {
      shown: this.fileNodes.reduce((n, f) => n + f.children.length, 0),
      total: this.runs.last?.result.chunks.length ?? 0,
    };
  }

  /** The files shown now (what getChildren() gives VS Code, without counting as VS Code's read). */
  get roots(): readonly RunFileNode[] {
    return this.fileNodes;
  }

  /** The node of a chunk of the last run, if the view lists it now. */
  findChunk(file: string, startLine: number): RunChunkNode | undefined {
    return this.fileNodes.find((f) => f.file === file)?.children.find((c) => c.chunk.startLine === startLine);
  }

  get isFiltered(): boolean {
    return this.filter !== 'all' || this.find.trim() !== '';
  }

  setSort(sort: LastRunSort): void {
    this.sort = sort;
    this.rebuild();
  }

  setFilter(filter: LastRunFilter, find = this.find): void {
    this.filter = filter;
    this.find = find;
    this.rebuild();
  }

  private rebuild(): void {
    const run = this.runs.last;
    this.fileNodes = [];
    this.explanation = run ? explainRun(run.result) : undefined;
    if (run && this.explanation) {
      const needle = this.find.trim().toLowerCase();
      const byFile = new Map<string, RunFileNode>();
      const all = new Map<string, ChunkExplanation[]>();
      for (const e of this.explanation.chunks) {
        const list = all.get(e.chunk.file) ?? [];
        list.push(e);
        all.set(e.chunk.file, list);
      }
      for (const e of this.explanation.chunks) {
        const c = e.chunk;
        if (!passes(this.filter, c.status)) continue;
        if (needle && !`${c.name}\u0000${c.file}`.toLowerCase().includes(needle)) continue;
        let node = byFile.get(c.file);
        if (!node) {
          node = { type: 'file', run, file: c.file, chunks: all.get(c.file)!.map((x) => x.chunk), children: [] };
          byFile.set(c.file, node);
          this.fileNodes.push(node);
        }
        node.children.push({ type: 'chunk', run, parent: node, chunk: c, explanation: e });
      }
      const rankKey = (c: ScoredChunk) => (c.rank > 0 ? c.rank : c.status === 'kept' ? 0 : Number.MAX_SAFE_INTEGER);
      const bestRank = (f: RunFileNode) => Math.min(...f.chunks.filter((c) => c.rank > 0).map((c) => c.rank), Infinity);
      if (this.sort === 'relevance') {
        this.fileNodes.sort((a, b) => bestRank(a) - bestRank(b) || a.file.localeCompare(b.file));
        for (const f of this.fileNodes)
          f.children.sort((a, b) => rankKey(a.chunk) - rankKey(b.chunk) || a.chunk.startLine - b.chunk.startLine);
      } else {
        this.fileNodes.sort((a, b) => a.file.localeCompare(b.file));
        for (const f of this.fileNodes) f.children.sort((a, b) => a.chunk.startLine - b.chunk.startLine);
      }
    }
    this.refresh.changed();
    this.changed.fire(undefined);
  }

  getChildren(element?: LastRunNode): LastRunNode[] {
    if (!element) {
      this.refresh.rootsRead();
      return this.fileNodes;
    }
    if (element.type === 'chunk') return [];
    return element.children;
  }

  getParent(element: LastRunNode): LastRunNode | undefined {
    return element.type === 'chunk' ? element.parent : undefined;
  }

  getTreeItem(node: LastRunNode): vscode.TreeItem {
    const uri = node.run.files[node.type === 'file' ? node.file : node.chunk.file];
    // ids carry the view state, so a new filter or sort gets fresh expansion states
    const viewKey = `${this.sort}.${this.filter}.${this.find}`;
    if (node.type === 'file') {
      const count = (s: ChunkStatus) => node.chunks.filter((c) => c.status === s).length;
      const kept = count('kept');
      const partial = count('partial');
      const tokens = node.chunks.reduce((n, c) => n + c.tokens, 0);
      const expand = this.isFiltered || (kept + partial > 0 && this.fileNodes.length <= 8);
      const item = new vscode.TreeItem(
        node.file,
        expand ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed,
      );
      item.id = `run${node.run.id}:${viewKey}:${node.file}`;
      item.resourceUri = uri;
      item.iconPath = vscode.ThemeIcon.File;
      item.description = `${kept} kept · ${partial} partial · ${node.chunks.length - kept - partial} dropped · ${fmt(tokens)} tok`;
      const shown = node.children.length < node.chunks.length ? ` (${node.children.length} shown)` : '';
      item.tooltip = `${node.file}\n${node.chunks.length} chunks${shown}, ${fmt(tokens)} tokens before compression`;
      item.contextValue = 'contextzip.runFile';
      return item;
    }
    const c = node.chunk;
    const e = node.explanation;
    const item = new vscode.TreeItem(c.name, vscode.TreeItemCollapsibleState.None);
    item.id = `run${node.run.id}:${viewKey}:${c.file}:${c.startLine}-${c.endLine}`;
    item.description = chunkRunDescription(e);
    const [icon, color] = STATUS_ICON[c.status];
    item.iconPath = new vscode.ThemeIcon(icon, new vscode.ThemeColor(color));
    const tip = new vscode.MarkdownString(undefined, true);
    tip.appendMarkdown(`**${escapeMd(c.name)}** — ${c.kind}, ${escapeMd(e.summary)}\n\n`);
    tip.appendMarkdown(`${escapeMd(c.file)}, lines ${c.startLine}–${c.endLine} · ${fmt(c.tokens)} tokens\n\n`);
    tip.appendMarkdown(escapeMd(e.detail));
    if (c.status === 'partial') {
      tip.appendMarkdown(`\n\nkept lines: ${c.keptLines.map(([a, b]) => (a === b ? `${a}` : `${a}–${b}`)).join(', ')}`);
    }
    item.tooltip = tip;
    item.contextValue = `contextzip.runChunk.${c.status}`;
    if (uri) {
      item.command = {
        command: 'contextzip.revealChunk',
        title: 'Reveal Chunk',
        arguments: [uri, c.startLine, c.endLine],
      };
    }
    return item;
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}

export interface HistoryNode {
  run: CompressionRun;
}

/** Short title of a run: its query, or where the cursor was. */
export function runTitle(run: CompressionRun): string {
  if (run.cursor && run.query.trim() === '') return `Cursor in ${run.cursor.file}:${run.cursor.line}`;
  return oneLine(run.query, 48);
}

/** The History view: the last runs, newest first; a click reopens the run's preview. */
export class HistoryTreeProvider implements vscode.TreeDataProvider<HistoryNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<HistoryNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly subscription: vscode.Disposable;

  constructor(private readonly runs: RunStore) {
    this.subscription = runs.onDidChange(() => this.changed.fire(undefined));
  }

  getChildren(element?: HistoryNode): HistoryNode[] {
    return element ? [] : this.runs.runs.map((run) => ({ run }));
  }

  getTreeItem({ run }: HistoryNode): vscode.TreeItem {
    const r = run.result;
    const item = new vscode.TreeItem(runTitle(run), vscode.TreeItemCollapsibleState.None);
    item.id = `history.run${run.id}`;
    const time = run.time.toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit' });
    item.description = `${pct(r.ratio)} · ${fmt(r.compressedTokens)} tok · ${time} · ${run.scopeLabel}`;
    item.iconPath = new vscode.ThemeIcon(run.cursor ? 'debug-stackframe-focused' : 'history');
    const tip = new vscode.MarkdownString(undefined, true);
    tip.appendMarkdown(`**#${run.id}** ${escapeMd(runTitle(run))}\n\n`);
    tip.appendMarkdown(`${escapeMd(run.scopeLabel)} · ${run.time.toLocaleString('en-GB')}\n\n`);
    tip.appendMarkdown(
      `${fmt(r.originalTokens)} → ${fmt(r.compressedTokens)} tokens (${pct(r.ratio)}), budget ${fmt(r.budget)} (${run.tokenizer})\n\n`,
    );
    tip.appendMarkdown(`${escapeMd(r.model.id)} (${r.model.dtype}) · ${Math.round(r.timings.totalMs)} ms`);
    item.tooltip = tip;
    item.contextValue = 'contextzip.historyRun';
    item.command = { command: 'contextzip.openRunPreview', title: 'Open Preview', arguments: [run.id] };
    return item;
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}
