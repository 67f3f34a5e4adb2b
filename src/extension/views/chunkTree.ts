import * as vscode from 'vscode';
import { TreeRefresh } from './revealSettled.js';
import type { Chunk, ChunkKind, ChunkedFile, SkippedFile } from '../../core/types.js';

/** What the tree keeps of a chunk: everything but its text (workspaces can be large). */
export type ChunkInfo = Omit<Chunk, 'text'>;

/** One chunked file as shown in the Chunks view. */
export interface ChunkedFileEntry {
  uri: vscode.Uri;
  /** Label shown for the file: workspace-relative path (folder-prefixed in multi-root workspaces). */
  label: string;
  language: string;
  method: ChunkedFile['method'];
  hadParseErrors: boolean;
  note?: string;
  chunks: ChunkInfo[];
}

export interface FileNode {
  type: 'file';
  entry: ChunkedFileEntry;
  children: ChunkNode[];
}

export interface ChunkNode {
  type: 'chunk';
  entry: ChunkedFileEntry;
  chunk: ChunkInfo;
  parent: FileNode | ChunkNode;
  children: ChunkNode[];
}

export type ChunkTreeNode = FileNode | ChunkNode;

/** Where the current contents came from (shown as the view's message). */
export type ChunksSource =
  | { scope: 'file'; label: string }
  | { scope: 'workspace'; files: number; chunks: number; skipped: SkippedFile[]; cancelled: boolean };

const kindIcons: Record<ChunkKind, string> = {
  function: 'symbol-function',
  method: 'symbol-method',
  class: 'symbol-class',
  interface: 'symbol-interface',
  type: 'symbol-type-parameter',
  enum: 'symbol-enum',
  impl: 'symbol-class',
  trait: 'symbol-interface',
  module: 'symbol-module',
  namespace: 'symbol-namespace',
  struct: 'symbol-struct',
  constant: 'symbol-constant',
  header: 'symbol-class', // a split container's own lines (signature, fields)
  code: 'symbol-misc',
  block: 'symbol-snippet',
  section: 'symbol-key',
};

/** Kinds that can enclose other chunks (their name is what children carry in `parent`). */
const containerKinds = new Set<ChunkKind>([
  'class',
  'interface',
  'impl',
  'trait',
  'module',
  'namespace',
  'struct',
  'enum',
  'function',
  'method',
  'header',
]);

/**
 * Nests a file's chunks by their `parent` name: a chunk goes under the closest preceding
 * chunk named like its parent (a class's header chunk, an impl, a module). Chunks whose
 * parent is not a chunk of their own (e.g. the class stayed whole) stay at the top level.
 */
export function nestChunks(file: FileNode): ChunkNode[] {
  const top: ChunkNode[] = [];
  const seen: ChunkNode[] = [];
  for (const chunk of file.entry.chunks) {
    let parent: FileNode | ChunkNode = file;
    if (chunk.parent) {
      const names = [chunk.parent, chunk.parent.split(/\.|::/).pop() ?? chunk.parent];
      for (let i = seen.length - 1; i >= 0; i--) {
        const cand = seen[i];
        if (names.includes(cand.chunk.name) && containerKinds.has(cand.chunk.kind)) {
          parent = cand;
          break;
        }
      }
    }
    const node: ChunkNode = { type: 'chunk', entry: file.entry, chunk, parent, children: [] };
    if (parent.type === 'file') top.push(node);
    else parent.children.push(node);
    seen.push(node);
  }
  return top;
}

export function chunkDescription(c: ChunkInfo): string {
  const lines = c.startLine === c.endLine ? `L${c.startLine}` : `L${c.startLine}–${c.endLine}`;
  return `${c.kind} · ${lines} · ${c.tokens} tok`;
}

/** The Chunks view: files -> chunks (nested by enclosing definition). */
export class ChunksTreeProvider implements vscode.TreeDataProvider<ChunkTreeNode> {
  private readonly changed = new vscode.EventEmitter<ChunkTreeNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private roots: FileNode[] = [];
  private currentSource: ChunksSource | undefined;
  /** Whether VS Code has read the roots since the last change (reveals wait for it: revealSettled.ts). */
  readonly refresh = new TreeRefresh();

  /** Replaces the contents of the view. */
  show(entries: ChunkedFileEntry[], source: ChunksSource): void {
    this.roots = entries.map((entry) => {
      const node: FileNode = { type: 'file', entry, children: [] };
      node.children = nestChunks(node);
      return node;
    });
    this.currentSource = source;
    this.refresh.changed();
    this.changed.fire(undefined);
  }

  clear(): void {
    this.roots = [];
    this.currentSource = undefined;
    this.refresh.changed();
    this.changed.fire(undefined);
  }

  get source(): ChunksSource | undefined {
    return this.currentSource;
  }

  get files(): readonly FileNode[] {
    return this.roots;
  }

  /** The smallest shown chunk of `uri` containing the 1-based `line`. */
  findChunkAt(uri: vscode.Uri, line: number): ChunkNode | undefined {
    const file = this.roots.find((f) => f.entry.uri.toString() === uri.toString());
    let best: ChunkNode | undefined;
    const visit = (nodes: ChunkNode[]): void => {
      for (const n of nodes) {
        const c = n.chunk;
        if (c.startLine <= line && line <= c.endLine) {
          if (!best || c.endLine - c.startLine < best.chunk.endLine - best.chunk.startLine) best = n;
        }
        visit(n.children);
      }
    };
    visit(file?.children ?? []);
    return best;
  }

  getChildren(element?: ChunkTreeNode): ChunkTreeNode[] {
    if (element) return element.children;
    this.refresh.rootsRead();
    return this.roots;
  }

  getParent(element: ChunkTreeNode): ChunkTreeNode | undefined {
    return element.type === 'chunk' ? element.parent : undefined;
  }

  getTreeItem(element: ChunkTreeNode): vscode.TreeItem {
    return element.type === 'file' ? this.fileItem(element) : this.chunkItem(element);
  }

  private fileItem(node: FileNode): vscode.TreeItem {
    const { entry } = node;
    const single = this.roots.length === 1;
    const item = new vscode.TreeItem(
      entry.label,
      single ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed,
    );
    const tokens = entry.chunks.reduce((s, c) => s + c.tokens, 0);
    const n = entry.chunks.length;
    item.id = `file:${entry.uri.toString()}`;
    item.resourceUri = entry.uri;
    item.description = `${n} chunk${n === 1 ? '' : 's'} · ${tokens} tok${entry.method === 'fallback' ? ' · fallback' : ''}`;
    const tip = new vscode.MarkdownString();
    tip.appendMarkdown(`**${escapeMd(entry.label)}**\n\n`);
    tip.appendMarkdown(`${n} chunks, ${tokens} tokens, language \`${entry.language}\`\n\n`);
    tip.appendMarkdown(
      entry.method === 'tree-sitter'
        ? `Parsed with tree-sitter${entry.hadParseErrors ? ' (with syntax errors)' : ''}.`
        : `Line-based fallback chunking${entry.note ? `: ${escapeMd(entry.note)}` : '.'}`,
    );
    item.tooltip = tip;
    item.contextValue = 'contextzip.file';
    return item;
  }

  private chunkItem(node: ChunkNode): vscode.TreeItem {
    const { chunk, entry } = node;
    const item = new vscode.TreeItem(
      chunk.name,
      node.children.length ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.None,
    );
    item.id = `chunk:${entry.uri.toString()}#${chunk.startOffset}-${chunk.endOffset}`;
    item.description = chunkDescription(chunk);
    item.iconPath = new vscode.ThemeIcon(kindIcons[chunk.kind] ?? 'symbol-misc');
    const tip = new vscode.MarkdownString();
    tip.appendMarkdown(`**${escapeMd(chunk.name)}** — ${chunk.kind}\n\n`);
    tip.appendMarkdown(`${escapeMd(entry.label)}, lines ${chunk.startLine}–${chunk.endLine}\n\n`);
    tip.appendMarkdown(`${chunk.tokens} tokens`);
    if (chunk.headerLines)
      tip.appendMarkdown(` · ${chunk.headerLines} header line${chunk.headerLines === 1 ? '' : 's'}`);
    if (chunk.parent) tip.appendMarkdown(`\n\nin \`${chunk.parent}\``);
    item.tooltip = tip;
    item.contextValue = `contextzip.chunk.${chunk.kind}`;
    item.command = {
      command: 'contextzip.revealChunk',
      title: 'Reveal Chunk',
      arguments: [entry.uri, chunk.startLine, chunk.endLine],
    };
    return item;
  }
}

function escapeMd(s: string): string {
  return s.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, (c) => `\\${c}`);
}
