import * as vscode from 'vscode';
import type { CompressionResult, SkippedFile } from '../../core/types.js';

export const PREVIEW_SCHEME = 'contextzip';
export const PREVIEW_LANGUAGE = 'contextzip-context';
const HISTORY_SIZE = 10;

export type CompressScope = 'file' | 'openEditors' | 'workspace' | 'folder';

/** One compression run as the editor keeps it: what was asked, where, and the engine's result. */
export interface CompressionRun {
  /** 1-based, increasing within the window's session. */
  id: number;
  /** The query, or '' for the completion scenario (cursor). */
  query: string;
  scope: CompressScope;
  /** Human-readable scope ("Workspace", "src/shapes.ts", "Folder src/"). */
  scopeLabel: string;
  cursor?: { file: string; line: number };
  time: Date;
  result: CompressionResult & { skipped?: SkippedFile[] };
  /** Result file label (relative path) -> the document it came from (for reveal). */
  files: Record<string, vscode.Uri>;
  tokenizer: string;
  /** What to compress again for "re-run with another budget". */
  request: RunRequestInfo;
  /** The read-only preview document of this run. */
  uri: vscode.Uri;
}

/** Enough of a run's request to run it again with another budget. */
export interface RunRequestInfo {
  scope: CompressScope;
  folder?: vscode.Uri;
  /** The document that had to take part (current file, the cursor's document). */
  include?: vscode.Uri;
  cursor?: { uri: vscode.Uri; offset: number; line: number };
}

/** The last run and a short history (last 10), in memory for this window. */
export class RunStore implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<CompressionRun | undefined>();
  readonly onDidChange = this.changed.event;
  private readonly items: CompressionRun[] = [];
  private nextId = 1;

  add(run: Omit<CompressionRun, 'id' | 'uri'>): CompressionRun {
    const id = this.nextId++;
    const full: CompressionRun = { ...run, id, uri: previewUri(id) };
    this.items.unshift(full);
    if (this.items.length > HISTORY_SIZE) this.items.length = HISTORY_SIZE;
    this.changed.fire(full);
    return full;
  }

  get last(): CompressionRun | undefined {
    return this.items[0];
  }

  /** Newest first. */
  get runs(): readonly CompressionRun[] {
    return this.items;
  }

  get(id: number): CompressionRun | undefined {
    return this.items.find((r) => r.id === id);
  }

  byUri(uri: vscode.Uri): CompressionRun | undefined {
    return this.items.find((r) => r.uri.toString() === uri.toString());
  }

  clear(): void {
    this.items.length = 0;
    this.changed.fire(undefined);
  }

  dispose(): void {
    this.changed.dispose();
  }
}

/** contextzip:/Compressed Context #3.ctxzip — the .ctxzip extension selects the preview's language. */
export function previewUri(id: number): vscode.Uri {
  return vscode.Uri.from({ scheme: PREVIEW_SCHEME, path: `/Compressed Context #${id}.ctxzip` });
}
