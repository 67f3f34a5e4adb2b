/**
 * The run report panel for code runs: one webview, reused, showing the run it was opened for
 * (budget, tokens per file, relevance-vs-tokens chart, chunks by rank, timings) with a
 * re-run-with-budget slider. Messages from the page: `reveal` (a chunk), `rerun` (a budget),
 * `ready` (the page's script ran).
 */
import * as vscode from 'vscode';
import { createTokenCounter } from '../../core/tokens/index.js';
import type { CompressionRun, RunStore } from '../compress/runStore.js';
import { runTitle } from '../compress/runTrees.js';
import { splitSections } from '../compress/sections.js';
import { buildReportData, type ReportData } from './reportData.js';
import { webviewNonce } from '../webviewHtml.js';
import { renderRunReportHtml } from './reportHtml.js';

export type ReportMessage =
  | { type: 'reveal'; i: number; file?: string; startLine?: number; endLine?: number }
  | { type: 'rerun'; budget: number }
  | { type: 'ready'; points?: number };

export interface RunReportDeps {
  extensionUri: vscode.Uri;
  runs: RunStore;
  /** Re-runs a run with another budget; resolves to the new run (undefined: cancelled). */
  rerun: (run: CompressionRun, budget: number) => Promise<CompressionRun | undefined>;
  reveal: (uri: vscode.Uri, startLine: number, endLine: number) => Promise<unknown>;
}

export class RunReportPanel implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private shown: CompressionRun | undefined;
  private data: ReportData | undefined;
  /** Resolves when the page has loaded its script and posted `ready` (tests, screenshots). */
  private readyWaiters: Array<() => void> = [];
  ready = false;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly deps: RunReportDeps) {}

  get webviewPanel(): vscode.WebviewPanel | undefined {
    return this.panel;
  }

  get run(): CompressionRun | undefined {
    return this.shown;
  }

  get reportData(): ReportData | undefined {
    return this.data;
  }

  show(run: CompressionRun): vscode.WebviewPanel {
    const dist = vscode.Uri.joinPath(this.deps.extensionUri, 'dist', 'webview');
    if (!this.panel) {
      this.panel = vscode.window.createWebviewPanel(
        'contextzip.runReport',
        'ContextZip Report',
        { viewColumn: vscode.ViewColumn.Beside, preserveFocus: false },
        { enableScripts: true, localResourceRoots: [dist], retainContextWhenHidden: true },
      );
      this.panel.iconPath = vscode.Uri.joinPath(this.deps.extensionUri, 'media', 'contextzip.svg');
      this.panel.onDidDispose(() => {
        this.panel = undefined;
        this.shown = undefined;
        this.ready = false;
      });
      this.panel.webview.onDidReceiveMessage((m: ReportMessage) => void this.handleMessage(m));
    } else this.panel.reveal(undefined, false);
    this.shown = run;
    this.ready = false;
    this.data = buildReportData({ ...run, title: `Run #${run.id}: ${titleOf(run)}` }, compressedPerFile(run));
    const webview = this.panel.webview;
    this.panel.title = `ContextZip Report #${run.id}`;
    webview.html = renderRunReportHtml(this.data, {
      nonce: webviewNonce(),
      cspSource: webview.cspSource,
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(dist, 'report.js')).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(dist, 'report.css')).toString(),
    });
    return this.panel;
  }

  /** Resolves once the page's script has started (or after `ms`). */
  whenReady(ms = 15_000): Promise<boolean> {
    if (this.ready) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), ms);
      this.readyWaiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  /** What the page's messages do (also called by the integration tests). */
  async handleMessage(m: ReportMessage): Promise<unknown> {
    const run = this.shown;
    if (!m || !run) return undefined;
    if (m.type === 'ready') {
      this.ready = true;
      for (const w of this.readyWaiters.splice(0)) w();
      return true;
    }
    if (m.type === 'reveal') {
      const chunk = run.result.chunks[m.i];
      const uri = chunk && run.files[chunk.file];
      if (!uri) return undefined;
      return this.deps.reveal(uri, chunk.startLine, chunk.endLine);
    }
    if (m.type === 'rerun') {
      if (!Number.isFinite(m.budget) || m.budget <= 0) return undefined;
      const next = await this.deps.rerun(run, Math.round(m.budget));
      if (next && this.panel) this.show(next);
      return next;
    }
    return undefined;
  }

  dispose(): void {
    this.panel?.dispose();
    for (const d of this.disposables) d.dispose();
  }
}

function titleOf(run: CompressionRun): string {
  const t = runTitle(run);
  return run.cursor && run.query.trim() === '' ? t : `“${t}”`;
}

/** Exact tokens of each file's section of the compressed text, in the run's tokenizer. */
function compressedPerFile(run: CompressionRun): Map<string, number> | undefined {
  try {
    const count = createTokenCounter(run.tokenizer === 'model' ? 'estimate' : run.tokenizer);
    const out = new Map<string, number>();
    for (const s of splitSections(run.result.text, Object.keys(run.files))) {
      if (s.file) out.set(s.file, (out.get(s.file) ?? 0) + count(s.text));
    }
    for (const f of Object.keys(run.files)) if (!out.has(f)) out.set(f, 0);
    return out;
  } catch {
    return undefined;
  }
}
