import * as vscode from 'vscode';
import { revealChunk } from '../chunks/revealChunk.js';
import type { CommandRegistrar } from '../commands.js';
import type { ContextZipLog } from '../log.js';
import type { ModelService } from '../model/modelService.js';
import { revealSettled } from '../views/revealSettled.js';
import { RunReportPanel } from '../report/runReportPanel.js';
import type { BudgetItem } from './budgetPick.js';
import {
  chunkCounts,
  compressFile,
  compressForCursor,
  compressForQuery,
  rerunCompression,
  type CompressArgs,
} from './compressCommands.js';
import { fmt } from './format.js';
import { openPreview, previewText, PreviewContentProvider } from './preview.js';
import { PREVIEW_SCHEME, RunStore, type CompressionRun } from './runStore.js';
import {
  FILTER_LABEL,
  HistoryTreeProvider,
  LastRunTreeProvider,
  runTitle,
  type HistoryNode,
  type LastRunFilter,
  type LastRunNode,
  type LastRunSort,
} from './runTrees.js';

export interface CompressFeatures {
  readonly runs: RunStore;
  readonly lastRunTree: LastRunTreeProvider;
  readonly lastRunView: vscode.TreeView<LastRunNode>;
  readonly historyTree: HistoryTreeProvider;
  readonly historyView: vscode.TreeView<HistoryNode>;
  readonly report: RunReportPanel;
  /** Selects a chunk of the last run in the Last Run view; false when the view does not list it. */
  revealInLastRun(file: string, startLine: number): Promise<boolean>;
  /** The budget quick pick while it is open (the integration tests drive it). */
  readonly budgetPick: { current: vscode.QuickPick<BudgetItem> | undefined };
}

/** Argument of run commands: a run id, a History row, a preview URI (editor title bar), or nothing (the last run). */
type RunArg = number | HistoryNode | vscode.Uri | undefined;

/**
 * Compression in the editor: the compress commands (query / current file / cursor), the
 * read-only preview documents and their title bar actions, copy/save of results, the run
 * report panel, and the Last Run and History views.
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
  const previews = new PreviewContentProvider(runs);
  const updateLastRunView = () => {
    const run = runs.last;
    lastRunView.message = run ? lastRunMessage(run, lastRunTree) : undefined;
    lastRunView.description = run ? `#${run.id}` : undefined;
    historyView.description = runs.runs.length ? `${runs.runs.length}` : undefined;
    void vscode.commands.executeCommand('setContext', 'contextzip.lastRun.sort', lastRunTree.sort);
    void vscode.commands.executeCommand('setContext', 'contextzip.lastRun.filtered', lastRunTree.isFiltered);
  };
  context.subscriptions.push(
    runs,
    lastRunTree,
    lastRunView,
    historyTree,
    historyView,
    previews,
    vscode.workspace.registerTextDocumentContentProvider(PREVIEW_SCHEME, previews),
    runs.onDidChange(updateLastRunView),
    lastRunTree.onDidChangeTreeData(updateLastRunView),
  );
  updateLastRunView();

  // Reveals wait for the view's refresh after a run (views/revealSettled.ts: no TreeError).
  const revealRun = async (_run: CompressionRun) => {
    await revealSettled(lastRunView, lastRunTree.refresh, () => lastRunTree.roots[0], {
      select: false,
      focus: false,
      expand: true,
    }).catch((err: unknown) => log.error('Revealing the last run failed', err));
  };
  const revealInLastRun = (file: string, startLine: number): Promise<boolean> =>
    revealSettled(lastRunView, lastRunTree.refresh, () => lastRunTree.findChunk(file, startLine), {
      select: true,
      focus: false,
    });
  const budgetPick: CompressFeatures['budgetPick'] = { current: undefined };
  const compressDeps = {
    service,
    runs,
    log,
    revealRun,
    state: context.globalState,
    setBusy: (m: string | undefined) => service.setBusy(m),
    onBudgetPick: (pick: vscode.QuickPick<BudgetItem>) => {
      budgetPick.current = pick;
      pick.onDidHide(() => {
        if (budgetPick.current === pick) budgetPick.current = undefined;
      });
    },
  };
  const report = new RunReportPanel({
    extensionUri: context.extensionUri,
    runs,
    rerun: (run, budget) => rerunCompression(compressDeps, run, budget, { openPreview: false }),
    reveal: (uri, a, b) => revealChunk(uri, a, b, vscode.ViewColumn.One),
  });
  context.subscriptions.push(report);

  const runFor = (arg?: RunArg): CompressionRun | undefined => {
    if (arg instanceof vscode.Uri) return runs.byUri(arg);
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
  const copy = async (arg?: RunArg) => {
    const run = runFor(arg);
    if (!run) return noRun();
    const text = previewText(run);
    await vscode.env.clipboard.writeText(text);
    void vscode.window.showInformationMessage(
      `ContextZip: copied the compressed context (${fmt(run.result.compressedTokens)} tokens) to the clipboard.`,
    );
    return text;
  };
  command('contextzip.copyLastResult', copy);
  // The preview's copy copies with the header (issue 11): one command, contextzip.copyCompressedContext,
  // is the title button; this id stays for keybindings that name it.
  command('contextzip.copyPreview', async (arg?: RunArg) => {
    const run = runFor(arg);
    if (!run) return noRun();
    return vscode.commands.executeCommand<string>('contextzip.copyCompressedContext', run.id);
  });
  command('contextzip.openLastResult', async (arg?: RunArg) => {
    const run = runFor(arg);
    if (!run) return noRun();
    return openPreview(run, false);
  });
  command('contextzip.openRunPreview', async (arg?: RunArg) => {
    const run = runFor(arg);
    if (!run) return noRun();
    return openPreview(run, false);
  });
  command('contextzip.savePreviewAs', async (arg?: RunArg, target?: vscode.Uri) => {
    const run = runFor(arg);
    if (!run) return noRun();
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    const uri =
      target ??
      (await vscode.window.showSaveDialog({
        title: 'ContextZip: save the compressed context as',
        defaultUri: folder ? vscode.Uri.joinPath(folder, `compressed-context-${run.id}.txt`) : undefined,
        filters: { Text: ['txt', 'md'], 'All files': ['*'] },
      }));
    if (!uri) return undefined;
    await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(previewText(run)));
    log.info(`Saved run #${run.id} to ${uri.fsPath}`);
    return uri;
  });
  command('contextzip.rerunWithBudget', async (arg?: RunArg, budget?: number) => {
    const run = runFor(arg);
    if (!run) return noRun();
    return rerunCompression(compressDeps, run, budget);
  });
  command('contextzip.showRunReport', async (arg?: RunArg) => {
    const run = runFor(arg);
    if (!run) return noRun();
    return report.show(run);
  });
  command('contextzip.clearHistory', () => runs.clear());

  // Last Run view: sort, filter, find
  const setSort = (sort: LastRunSort) => {
    lastRunTree.setSort(sort);
    return sort;
  };
  command('contextzip.lastRun.sortByRelevance', () => setSort('relevance'));
  command('contextzip.lastRun.sortByPath', () => setSort('path'));
  command('contextzip.lastRun.filter', async (filter?: LastRunFilter) => {
    let chosen = filter;
    if (!chosen) {
      const items = (Object.keys(FILTER_LABEL) as LastRunFilter[]).map((f) => ({
        label: FILTER_LABEL[f],
        picked: f === lastRunTree.filter,
        description: f === lastRunTree.filter ? 'current' : undefined,
        f,
      }));
      chosen = (await vscode.window.showQuickPick(items, { title: 'ContextZip: Show in Last Run' }))?.f;
    }
    if (!chosen) return undefined;
    lastRunTree.setFilter(chosen);
    return chosen;
  });
  command('contextzip.lastRun.find', async (text?: string) => {
    const find =
      text ??
      (await vscode.window.showInputBox({
        title: 'ContextZip: Find in Last Run',
        prompt: 'Chunk or file name (searches collapsed files too)',
        value: lastRunTree.find,
      }));
    if (find === undefined) return undefined;
    lastRunTree.setFilter(lastRunTree.filter, find);
    return lastRunTree.shownCount;
  });
  command('contextzip.lastRun.clearFilter', () => lastRunTree.setFilter('all', ''));

  return { runs, lastRunTree, lastRunView, historyTree, historyView, report, budgetPick, revealInLastRun };
}

function lastRunMessage(run: CompressionRun, tree: LastRunTreeProvider): string {
  const r = run.result;
  const what = run.cursor && run.query.trim() === '' ? runTitle(run) : `“${runTitle(run)}”`;
  const counts = chunkCounts(r.chunks);
  const { shown } = tree.shownCount;
  const filter = tree.isFiltered
    ? ` · showing ${shown}: ${FILTER_LABEL[tree.filter]}${tree.find ? ` matching “${tree.find}”` : ''}`
    : '';
  return `${what} · ${run.scopeLabel}: ${fmt(r.originalTokens)} → ${fmt(r.compressedTokens)} tokens (${(r.ratio * 100).toFixed(0)}%), budget ${fmt(r.budget)} · ${counts}${filter}`;
}
