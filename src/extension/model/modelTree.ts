import * as vscode from 'vscode';
import { formatBytes, type ModelService } from './modelService.js';

/** One row of the Model view (flat: label, value, icon). */
export interface ModelRow {
  id: 'model' | 'dtype' | 'state' | 'size' | 'location' | 'scoreCache' | 'lastRatio';
  label: string;
  value: string;
  icon: string;
  tooltip?: string;
}

/**
 * The Model view: which compressor model the settings select, whether the worker has it
 * loaded, its size on disk, where it lives, and the score cache counters.
 */
export class ModelTreeProvider implements vscode.TreeDataProvider<ModelRow>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<ModelRow | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly subscription: vscode.Disposable;

  constructor(private readonly service: ModelService) {
    this.subscription = service.onDidChange(() => this.changed.fire(undefined));
  }

  rows(): ModelRow[] {
    const s = this.service;
    const d = s.describe();
    const kind =
      d.kind === 'embedded'
        ? 'bundled, offline'
        : d.kind === 'remote'
          ? 'remote server: code is sent there'
          : d.kind === 'hub'
            ? 'hub model'
            : d.kind === 'local'
              ? 'local folder'
              : 'invalid';
    const st = s.lastStatus;
    const state =
      s.state === 'error'
        ? `error: ${s.lastError ?? 'load failed'}`
        : s.state === 'ready' && st?.maxTokens
          ? `ready · ${st.maxTokens} token window`
          : s.state === 'loading'
            ? 'loading…'
            : s.state;
    const rows: ModelRow[] = [
      {
        id: 'model',
        label: 'Model',
        value: `${d.kind === 'embedded' ? 'embedded' : d.setting} · ${kind}`,
        icon: 'symbol-namespace',
        tooltip: d.problem ?? d.setting,
      },
      { id: 'dtype', label: 'Weights', value: d.dtype, icon: 'symbol-numeric' },
      {
        id: 'state',
        label: 'State',
        value: state,
        icon:
          s.state === 'ready'
            ? 'pass'
            : s.state === 'error'
              ? 'error'
              : s.state === 'loading'
                ? 'loading~spin'
                : 'circle-large-outline',
        tooltip: s.lastError,
      },
      {
        id: 'size',
        label: 'Size on disk',
        value: d.bytes > 0 ? formatBytes(d.bytes) : d.kind === 'hub' ? 'not downloaded' : '—',
        tooltip: d.kind === 'remote' ? 'Remote scoring: the model runs on the server.' : undefined,
        icon: 'database',
      },
      {
        id: 'location',
        label: 'Location',
        value: d.remoteUrl ?? d.dir ?? d.cacheDir,
        icon: d.kind === 'remote' ? 'cloud' : 'folder-library',
        tooltip:
          d.kind === 'remote'
            ? `Remote scoring (setting contextzip.scorer.url): the code being compressed and the query are sent to ${d.remoteUrl}. Clear the setting to score locally.`
            : `Model folder: ${d.dir ?? '—'}\nDownloaded hub models: ${d.cacheDir}`,
      },
      {
        id: 'scoreCache',
        label: 'Score cache',
        value: st ? `${st.cacheEntries} entries · ${st.cacheHits} hits · ${st.cacheMisses} misses` : '—',
        icon: 'history',
        tooltip: 'Scores the worker keeps in memory, so re-compressing after a small edit re-scores only what changed.',
      },
    ];
    if (s.lastRatio !== undefined) {
      rows.push({
        id: 'lastRatio',
        label: 'Last run',
        value: `kept ${(s.lastRatio * 100).toFixed(1)}% of the tokens`,
        icon: 'dashboard',
      });
    }
    return rows;
  }

  getChildren(element?: ModelRow): ModelRow[] {
    return element ? [] : this.rows();
  }

  getTreeItem(row: ModelRow): vscode.TreeItem {
    const item = new vscode.TreeItem(row.label, vscode.TreeItemCollapsibleState.None);
    item.id = `contextzip.model.${row.id}`;
    item.description = row.value;
    item.iconPath = new vscode.ThemeIcon(
      row.icon,
      row.id === 'state' && this.service.state === 'error' ? new vscode.ThemeColor('errorForeground') : undefined,
    );
    item.tooltip = row.tooltip ? `${row.label}: ${row.value}\n\n${row.tooltip}` : `${row.label}: ${row.value}`;
    item.contextValue = `contextzip.modelRow.${row.id}`;
    if (row.id === 'model' || row.id === 'dtype') {
      item.command = { command: 'contextzip.selectModel', title: 'Select Model…' };
    }
    return item;
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}
