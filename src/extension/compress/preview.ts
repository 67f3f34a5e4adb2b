import * as vscode from 'vscode';
import { readSettings } from '../settings.js';
import { PREVIEW_LANGUAGE, type CompressionRun, type RunStore } from './runStore.js';
import { orderSections, splitSections } from './sections.js';

/**
 * The text a user gets from a run (preview, copy, save): the engine's text with its file
 * sections most relevant first (`contextzip.preview.order`: relevance) or as the engine wrote
 * them (path order).
 */
export function previewText(run: CompressionRun): string {
  if (readSettings().previewOrder !== 'relevance') return run.result.text;
  const best = new Map<string, number>();
  for (const c of run.result.chunks) {
    if (c.status === 'dropped') continue;
    // the cursor's chunk (rank 0, kept) makes its file the most relevant
    const r = c.rank > 0 ? c.rank : 0;
    best.set(c.file, Math.min(best.get(c.file) ?? Number.MAX_SAFE_INTEGER, r));
  }
  const sections = splitSections(run.result.text, Object.keys(run.files));
  return orderSections(sections, best)
    .map((s) => s.text)
    .join('');
}

/**
 * Read-only documents `contextzip:/Compressed Context #N.ctxzip`, one per run, whose text is
 * exactly the run's compressed context. Runs that fell out of the history say so.
 */
export class PreviewContentProvider implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private readonly subscription: vscode.Disposable;

  constructor(private readonly runs: RunStore) {
    this.subscription = vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('contextzip.preview.order')) for (const r of runs.runs) this.changed.fire(r.uri);
    });
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    const run = this.runs.byUri(uri);
    if (!run) return `This compressed context is no longer in the ContextZip history (it keeps the last 10 runs).\n`;
    return previewText(run);
  }
}

/**
 * Opens the run's preview in the preview language: beside the current editor, or in the
 * first column when no editor is open (Beside would leave that column empty).
 */
export async function openPreview(run: CompressionRun, preserveFocus = true): Promise<vscode.TextEditor> {
  let doc = await vscode.workspace.openTextDocument(run.uri);
  // The .ctxzip extension maps to the language; set it anyway in case a user association overrides it.
  if (doc.languageId !== PREVIEW_LANGUAGE) doc = await vscode.languages.setTextDocumentLanguage(doc, PREVIEW_LANGUAGE);
  return vscode.window.showTextDocument(doc, {
    viewColumn: vscode.window.activeTextEditor ? vscode.ViewColumn.Beside : vscode.ViewColumn.Active,
    preview: false,
    preserveFocus,
  });
}
