import * as vscode from 'vscode';
import type { CommandRegistrar } from '../commands.js';
import type { ContextZipLog } from '../log.js';
import { ModelService } from './modelService.js';
import { ModelTreeProvider, type ModelRow } from './modelTree.js';
import { selectModel, type SelectModelArgs } from './selectModel.js';
import { ModelStatusBar } from './statusBar.js';

export interface ModelFeatures {
  readonly modelService: ModelService;
  readonly modelStatusBar: ModelStatusBar;
  readonly modelTree: ModelTreeProvider;
  readonly modelView: vscode.TreeView<ModelRow>;
}

/**
 * The compressor model in the editor: the worker-owning service, the status bar item, the
 * Model view and the Select Model / Clear Caches / Refresh commands.
 */
export function registerModelFeatures(
  context: vscode.ExtensionContext,
  deps: { log: ContextZipLog; command: CommandRegistrar },
): ModelFeatures {
  const { log, command } = deps;
  const modelService = new ModelService(context, log);
  const modelStatusBar = new ModelStatusBar(modelService);
  const modelTree = new ModelTreeProvider(modelService);
  const modelView = vscode.window.createTreeView('contextzip.model', { treeDataProvider: modelTree });
  context.subscriptions.push(modelService, modelStatusBar, modelTree, modelView);

  command('contextzip.selectModel', (args?: SelectModelArgs) => selectModel({ service: modelService, log }, args));
  command('contextzip.refreshModel', () => modelService.refreshStatus());
  command('contextzip.setScorerApiKey', async () => {
    const key = await vscode.window.showInputBox({
      title: 'ContextZip: Remote Scorer API Key',
      prompt:
        'Sent as "Authorization: Bearer <key>" to the server in contextzip.scorer.url; kept in VS Code\'s secret storage.',
      password: true,
      ignoreFocusOut: true,
      validateInput: (v) =>
        v.trim() === '' ? 'Enter a key (use "Clear Remote Scorer API Key" to remove it).' : undefined,
    });
    if (key === undefined) return false;
    await modelService.setApiKey(key);
    void vscode.window.showInformationMessage('ContextZip: remote scorer API key stored.');
    return true;
  });
  command('contextzip.clearScorerApiKey', async () => {
    await modelService.setApiKey(undefined);
    void vscode.window.showInformationMessage('ContextZip: remote scorer API key cleared.');
    return true;
  });
  command('contextzip.clearCaches', async () => {
    const r = await modelService.clearCaches();
    void vscode.window.showInformationMessage(
      `ContextZip: cleared ${r.cleared} cached score${r.cleared === 1 ? '' : 's'}` +
        (r.files ? ` and ${r.files} persisted score file${r.files === 1 ? '' : 's'}.` : '.'),
    );
    return r;
  });

  // the view's rows read the worker's counters when it becomes visible
  context.subscriptions.push(
    modelView.onDidChangeVisibility((e) => {
      if (e.visible) void modelService.refreshStatus();
    }),
  );
  return { modelService, modelStatusBar, modelTree, modelView };
}
