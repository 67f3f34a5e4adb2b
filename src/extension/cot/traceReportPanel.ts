/**
 * The trace report of one reasoning-trace run: a webview (steps with surprisal bars,
 * anchored/kept marks; renderCotReportHtml) that owns its messages and its disposal. Selecting
 * a row posts `reveal` with the step's offsets in the original; the panel hands them to its
 * `reveal` callback.
 */
import fs from 'node:fs';
import * as vscode from 'vscode';
import type { CotResult } from '../../core/cot/compress.js';
import { webviewNonce } from '../webviewHtml.js';
import { renderCotReportHtml } from './reportHtml.js';

/** Messages from the page (src/webview/cot/main.ts). */
export type TraceReportMessage = { type: 'reveal'; start: number; end: number };

export interface TraceReportOptions {
  extensionUri: vscode.Uri;
  result: CotResult;
  /** The original trace (the steps' offsets point into it). */
  input: string;
  title: string;
  /** Shows offsets [start, end) of the original in its editor. */
  reveal: (start: number, end: number) => void;
}

export class TraceReportPanel implements vscode.Disposable {
  static readonly viewType = 'contextzip.cotReport';
  readonly panel: vscode.WebviewPanel;
  private readonly disposables: vscode.Disposable[] = [];
  private disposed = false;

  constructor(private readonly options: TraceReportOptions) {
    const scriptDir = vscode.Uri.joinPath(options.extensionUri, 'dist', 'webview');
    const scriptFile = vscode.Uri.joinPath(scriptDir, 'cot.js');
    // Without the bundled script (a build without webviews) the page is static.
    const hasScript = fs.existsSync(scriptFile.fsPath);
    this.panel = vscode.window.createWebviewPanel(
      TraceReportPanel.viewType,
      options.title,
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
      { enableScripts: hasScript, localResourceRoots: [scriptDir] },
    );
    const webview = this.panel.webview;
    webview.html = renderCotReportHtml(options.result, {
      nonce: webviewNonce(),
      cspSource: webview.cspSource,
      scriptUri: hasScript ? webview.asWebviewUri(scriptFile).toString() : undefined,
      title: options.title,
      input: options.input,
    });
    this.disposables.push(
      webview.onDidReceiveMessage((m: unknown) => this.handleMessage(m)),
      this.panel.onDidDispose(() => this.dispose()),
    );
  }

  /** Answers a message of the page; anything malformed is ignored. */
  handleMessage(m: unknown): void {
    if (!isReveal(m)) return;
    this.options.reveal(m.start, m.end);
  }

  /** Closes the panel (also runs when the user closes it). */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const d of this.disposables.splice(0)) d.dispose();
    this.panel.dispose();
  }
}

function isReveal(m: unknown): m is TraceReportMessage {
  const x = m as Partial<TraceReportMessage> | undefined;
  return x?.type === 'reveal' && typeof x.start === 'number' && typeof x.end === 'number';
}
