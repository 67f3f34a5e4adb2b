import * as vscode from 'vscode';
import type { ContextZipLog } from '../log.js';
import type { CommandRegistrar } from '../model/index.js';
import type { ModelService } from '../model/modelService.js';
import { compressFile, compressForCursor, compressForQuery, type CompressArgs } from './compressCommands.js';
import { fmt } from './format.js';
import { openPreview, PreviewContentProvider } from './preview.js';
import { PREVIEW_SCHEME, RunStore, type CompressionRun } from './runStore.js';
import { HistoryTreeProvider, LastRunTreeProvider, runTitle, type HistoryNode, type LastRunNode } from './runTrees.js';

export interface CompressFeatures {
  readonly runs: RunStore;
  readonly lastRunTree: LastRunTreeProvider;
  readonly lastRunView: vscode.TreeView<LastRunNode>;
  readonly historyTree: HistoryTreeProvider;
  readonly historyView: vscode.TreeView<HistoryNode>;
}

/**
 * Compression in the editor: the compress commands (query / current file / cursor), the
 * read-only preview documents, copy/open of results, and the Last Run and History views.
 */
export function registerCompressFeatures(
  context: vscode.ExtensionContext,
  deps: { log: ContextZipLog; command: CommandRegistrar; service: ModelService },
): CompressFeatures {
  const { log, command, service } = deps;
  const runs = new RunStore();
  const lastRunTree = new LastRunTreeProvider(runs);
  const lastRunView = vscode.window.createTreeView('contextzip.lastRun', {
    treeDataProvider: lastRunTree,
    showCollapseAll: true,
  });
  const historyTree = new HistoryTreeProvider(runs);
  const historyView = vscode.window.createTreeView('contextzip.history', { treeDataProvider: historyTree });
  context.subscriptions.push(
    runs,
    lastRunTree,
    lastRunView,
    historyTree,
    historyView,
    vscode.workspace.registerTextDocumentContentProvider(PREVIEW_SCHEME, new PreviewContentProvider(runs)),
    runs.onDidChange(() => {
      const run = runs.last;
      lastRunView.message = run ? lastRunMessage(run) : undefined;
      lastRunView.description = run ? `#${run.id}` : undefined;
      historyView.description = runs.runs.length ? `${runs.runs.length}` : undefined;
    }),
  );

  const revealRun = async (_run: CompressionRun) => {
    const first = lastRunTree.getChildren()[0];
    if (first)
      await lastRunView.reveal(first, { select: false, focus: false, expand: true }).then(undefined, () => undefined);
  };
  const compressDeps = { service, runs, log, revealRun };
  /** A run by id (history items, notification buttons) or the last one. */
  const runFor = (arg?: number | HistoryNode): CompressionRun | undefined => {
    const id = typeof arg === 'number' ? arg : arg?.run?.id;
    return id !== undefined ? runs.get(id) : runs.last;
  };
  const noRun = () => {
    void vscode.window.showInformationMessage(
      'ContextZip: no compression result yet. Run "ContextZip: Compress Context for Query…" first.',
    );
    return undefined;
  };

  command('contextzip.compressForQuery', (args?: CompressArgs) => compressForQuery(compressDeps, args));
  command('contextzip.compressFile', (args?: CompressArgs) => compressFile(compressDeps, args));
  command('contextzip.compressForCursor', (args?: CompressArgs) => compressForCursor(compressDeps, args));
  command('contextzip.copyLastResult', async (arg?: number | HistoryNode) => {
    const run = runFor(arg);
    if (!run) return noRun();
    await vscode.env.clipboard.writeText(run.result.text);
    void vscode.window.showInformationMessage(
      `ContextZip: copied the compressed context (${fmt(run.result.compressedTokens)} tokens) to the clipboard.`,
    );
    return run.result.text;
  });
  command('contextzip.openLastResult', async (arg?: number | HistoryNode) => {
    const run = runFor(arg);
    if (!run) return noRun();
    return openPreview(run, false);
  });
  command('contextzip.openRunPreview', async (arg?: number | HistoryNode) => {
    const run = runFor(arg);
    if (!run) return noRun();
    return openPreview(run, false);
  });
  command('contextzip.clearHistory', () => runs.clear());

  return { runs, lastRunTree, lastRunView, historyTree, historyView };
}

function lastRunMessage(run: CompressionRun): string {
  const r = run.result;
  const what = run.cursor && run.query.trim() === '' ? runTitle(run) : `“${runTitle(run)}”`;
  return `${what} · ${run.scopeLabel}: ${fmt(r.originalTokens)} → ${fmt(r.compressedTokens)} tokens (${(r.ratio * 100).toFixed(0)}%), budget ${fmt(r.budget)}`;
}
