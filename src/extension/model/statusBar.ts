import * as vscode from 'vscode';
import { formatBytes, type ModelService, type ModelState } from './modelService.js';

const stateLabel: Record<ModelState, string> = {
  'not loaded': 'not loaded',
  loading: 'loading…',
  ready: 'ready',
  error: 'error',
};

/**
 * "$(zap) embedded q8 · 28%": which model and the last compression ratio; while a run works,
 * what it is doing ("$(loading~spin) embedded q8 · Ranking the chunks… 40%"); a state word only
 * when the model is not ready. Clicking it opens "Select Model…".
 */
export class ModelStatusBar implements vscode.Disposable {
  readonly item: vscode.StatusBarItem;
  private readonly subscription: vscode.Disposable;

  constructor(private readonly service: ModelService) {
    this.item = vscode.window.createStatusBarItem('contextzip.model', vscode.StatusBarAlignment.Right, 100);
    this.item.name = 'ContextZip Model';
    this.item.command = 'contextzip.selectModel';
    this.subscription = service.onDidChange(() => this.update());
    this.update();
    this.item.show();
  }

  update(): void {
    const s = this.service;
    const d = s.describe();
    const busy = s.busy !== undefined;
    const remote = d.kind === 'remote';
    const icon =
      s.state === 'loading' || busy
        ? '$(loading~spin)'
        : s.state === 'error'
          ? '$(warning)'
          : remote
            ? '$(cloud)'
            : '$(zap)';
    const ratio = s.lastRatio !== undefined ? ` · ${Math.round(s.lastRatio * 100)}%` : '';
    const what = busy ? ` · ${s.busy}` : s.state === 'ready' ? ratio : ` · ${stateLabel[s.state]}`;
    this.item.text = `${icon} ${d.shortName} ${d.dtype}${what}`;
    this.item.backgroundColor =
      s.state === 'error' ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;

    const tip = new vscode.MarkdownString(undefined, true);
    tip.appendMarkdown(`**ContextZip compressor model**\n\n`);
    tip.appendMarkdown(`$(symbol-namespace) ${escapeMd(d.setting)} (${d.kind}) · ${d.dtype}\n\n`);
    if (remote)
      tip.appendMarkdown(
        `$(cloud) **Remote scoring**: the code being compressed and the query are sent to ${escapeMd(d.remoteUrl ?? '')}` +
          `${s.hasApiKey ? ' (with the stored API key)' : ''}\n\n`,
      );
    tip.appendMarkdown(`$(pulse) ${busy ? escapeMd(s.busy!) : stateLabel[s.state]}`);
    if (s.lastError) tip.appendMarkdown(`: ${escapeMd(s.lastError)}`);
    if (d.problem) tip.appendMarkdown(`\n\n$(warning) ${escapeMd(d.problem)}`);
    if (!remote) tip.appendMarkdown(`\n\n$(database) ${d.bytes > 0 ? formatBytes(d.bytes) : 'not on disk yet'}`);
    if (d.dir) tip.appendMarkdown(` · ${escapeMd(d.dir)}`);
    const st = s.lastStatus;
    if (st) tip.appendMarkdown(`\n\n$(history) score cache: ${st.cacheEntries} entries, ${st.cacheHits} hits`);
    if (s.lastRatio !== undefined) {
      tip.appendMarkdown(`\n\n$(dashboard) last compression kept ${(s.lastRatio * 100).toFixed(1)}% of the tokens`);
    }
    tip.appendMarkdown(`\n\n---\n\nClick to choose a model`);
    this.item.tooltip = tip;
  }

  dispose(): void {
    this.subscription.dispose();
    this.item.dispose();
  }
}

export function escapeMd(s: string): string {
  return s.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, '\\$&');
}
