import * as vscode from 'vscode';
import type { ChunkStatus, ScoredChunk } from '../../core/types.js';
import { escapeMd } from '../model/statusBar.js';
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
}

export type LastRunNode = RunFileNode | RunChunkNode;

const statusIcon: Record<ChunkStatus, [string, string]> = {
  kept: ['pass-filled', 'charts.green'],
  partial: ['adjust', 'charts.yellow'],
  dropped: ['circle-slash', 'disabledForeground'],
};

/** "rank 3 · kept · 310 tok · AMI 0.84" (partial: "partial 12/40 lines"). */
export function chunkRunDescription(c: ScoredChunk): string {
  const rank = c.rank > 0 ? `rank ${c.rank}` : 'not ranked';
  let status: string = c.status;
  if (c.status === 'partial') {
    const kept = c.keptLines.reduce((n, [a, b]) => n + b - a + 1, 0);
    status = `partial ${kept}/${c.endLine - c.startLine + 1} lines`;
  }
  return `${rank} · ${status} · ${fmt(c.tokens)} tok · AMI ${c.score.toFixed(2)}`;
}

/** The Last Run view: files -> chunks of the newest run, with rank, status, tokens and AMI score. */
export class LastRunTreeProvider implements vscode.TreeDataProvider<LastRunNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<LastRunNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private roots: RunFileNode[] = [];
  private readonly subscription: vscode.Disposable;

  constructor(private readonly runs: RunStore) {
    this.subscription = runs.onDidChange(() => this.rebuild());
    this.rebuild();
  }

  get run(): CompressionRun | undefined {
    return this.runs.last;
  }

  private rebuild(): void {
    const run = this.runs.last;
    this.roots = [];
    if (run) {
      const byFile = new Map<string, RunFileNode>();
      for (const chunk of run.result.chunks) {
        let node = byFile.get(chunk.file);
        if (!node) {
          node = { type: 'file', run, file: chunk.file, chunks: [], children: [] };
          byFile.set(chunk.file, node);
          this.roots.push(node);
        }
        node.chunks.push(chunk);
        node.children.push({ type: 'chunk', run, parent: node, chunk });
      }
    }
    this.changed.fire(undefined);
  }

  getChildren(element?: LastRunNode): LastRunNode[] {
    if (!element) return this.roots;
    if (element.type === 'chunk') return [];
    return element.children;
  }

  getParent(element: LastRunNode): LastRunNode | undefined {
    return element.type === 'chunk' ? element.parent : undefined;
  }

  getTreeItem(node: LastRunNode): vscode.TreeItem {
    const uri = node.run.files[node.type === 'file' ? node.file : node.chunk.file];
    if (node.type === 'file') {
      const count = (s: ChunkStatus) => node.chunks.filter((c) => c.status === s).length;
      const kept = count('kept');
      const partial = count('partial');
      const tokens = node.chunks.reduce((n, c) => n + c.tokens, 0);
      const expand = kept + partial > 0 && this.roots.length <= 8;
      const item = new vscode.TreeItem(
        node.file,
        expand ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed,
      );
      item.id = `run${node.run.id}:${node.file}`;
      item.resourceUri = uri;
      item.iconPath = vscode.ThemeIcon.File;
      item.description = `${kept} kept · ${partial} partial · ${node.chunks.length - kept - partial} dropped · ${fmt(tokens)} tok`;
      item.tooltip = `${node.file}\n${node.chunks.length} chunks, ${fmt(tokens)} tokens before compression`;
      item.contextValue = 'contextzip.runFile';
      return item;
    }
    const c = node.chunk;
    const item = new vscode.TreeItem(c.name, vscode.TreeItemCollapsibleState.None);
    item.id = `run${node.run.id}:${c.file}:${c.startLine}-${c.endLine}`;
    item.description = chunkRunDescription(c);
    const [icon, color] = statusIcon[c.status];
    item.iconPath = new vscode.ThemeIcon(icon, new vscode.ThemeColor(color));
    const tip = new vscode.MarkdownString(undefined, true);
    tip.appendMarkdown(`**${escapeMd(c.name)}** — ${c.kind}, ${c.status}\n\n`);
    tip.appendMarkdown(`${escapeMd(c.file)}, lines ${c.startLine}–${c.endLine} · ${fmt(c.tokens)} tokens\n\n`);
    tip.appendMarkdown(
      c.rank > 0 ? `rank ${c.rank} · AMI ${c.score.toFixed(3)}` : 'not ranked (the query itself, or everything fit)',
    );
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
