import * as vscode from 'vscode';
import { PREVIEW_LANGUAGE, type CompressionRun, type RunStore } from './runStore.js';

/**
 * Read-only documents `contextzip:/Compressed Context #N.ctxzip`, one per run, whose text is
 * exactly the run's compressed context. Runs that fell out of the history say so.
 */
export class PreviewContentProvider implements vscode.TextDocumentContentProvider {
  constructor(private readonly runs: RunStore) {}

  provideTextDocumentContent(uri: vscode.Uri): string {
    const run = this.runs.byUri(uri);
    if (!run) return `This compressed context is no longer in the ContextZip history (it keeps the last 10 runs).\n`;
    return run.result.text;
  }
}

/** Opens the run's preview beside the current editor, in the preview language. */
export async function openPreview(run: CompressionRun, preserveFocus = true): Promise<vscode.TextEditor> {
  let doc = await vscode.workspace.openTextDocument(run.uri);
  // The .ctxzip extension maps to the language; set it anyway in case a user association overrides it.
  if (doc.languageId !== PREVIEW_LANGUAGE) doc = await vscode.languages.setTextDocumentLanguage(doc, PREVIEW_LANGUAGE);
  return vscode.window.showTextDocument(doc, {
    viewColumn: vscode.ViewColumn.Beside,
    preview: false,
    preserveFocus,
  });
}
