import fs from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import { CancelledError } from '../../core/errors.js';
import {
  EMBEDDED_MODEL_ID,
  modelFolderBytes,
  resolveModelLocation,
  type ModelLocation,
} from '../../core/model/model-files.js';
import { displayUrl } from '../../core/model/remote-client.js';
import { remoteSpecKey, type RemoteScorerSpec } from '../../core/model/remote-scorer.js';
import { ModelWorkerClient, type JobOptions } from '../../worker/client.js';
import type { JobPayload, JobResultOf, ModelJobName } from '../../worker/job-table.js';
import type { ModelSpecPayload, ModelStatus } from '../../worker/jobs.js';
import type { JobProgress } from '../../worker/protocol.js';
import type { ContextZipLog } from '../log.js';
import { readSettings } from '../settings.js';

export type ModelState = 'not loaded' | 'loading' | 'ready' | 'error';

/** What the model setting points at, resolved in the extension host (file checks only, no model work). */
export interface ModelDescription {
  /** The setting's value ("embedded", a hub id or a folder path). */
  setting: string;
  kind: ModelLocation['kind'] | 'remote' | 'invalid';
  /** Remote scoring: where code is sent (no credentials or query string). */
  remoteUrl?: string;
  /** Short name for the status bar: "embedded", the hub repo name, or the folder name. */
  shortName: string;
  dtype: string;
  /** The model folder (for hub models: where it is or will be downloaded). */
  dir?: string;
  /** Bytes of the model folder on disk (0 when not downloaded yet). */
  bytes: number;
  /** Root of downloaded hub models (global storage). */
  cacheDir: string;
  /** Why the setting cannot be resolved (e.g. a folder that no longer exists). */
  problem?: string;
}

const DEFAULT_HUB_ENDPOINT = 'https://huggingface.co';
/** SecretStorage key of the remote scorer's API key. */
export const SCORER_API_KEY_SECRET = 'contextzip.scorer.apiKey';
/** workspaceState: the remote scorer URLs the user allowed code to be sent to from this workspace. */
const REMOTE_ALLOWED_STATE = 'contextzip.scorer.allowedUrls';

/**
 * Owns the one model worker of the extension: every model job (load, compress, status,
 * cache) goes through it, so the extension host never runs the model itself. Tracks what
 * the worker has loaded and the last compression ratio for the status bar and Model view.
 */
export class ModelService implements vscode.Disposable {
  readonly client: ModelWorkerClient;
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private readonly disposables: vscode.Disposable[] = [];

  state: ModelState = 'not loaded';
  /** The last error of a load (shown in the tooltip and the Model view). */
  lastError: string | undefined;
  /** The worker's status after the last job (score cache counters, loaded model). */
  lastStatus: ModelStatus | undefined;
  /** compressedTokens / originalTokens of the last compression run. */
  lastRatio: number | undefined;
  /** What a running compression is doing ("Ranking the chunks… 40%"), shown in the status bar. */
  busy: string | undefined;
  /** The model key the last "setting changed" line announced (one line per change, not per event). */
  private announcedKey: string | undefined;

  /** Stops the worker after `contextzip.worker.idleTimeoutMinutes` without a model job. */
  private idleTimer: ReturnType<typeof setTimeout> | undefined;

  /** Spec key the worker has loaded, and the one a running load is bringing in. */
  private loadedKey: string | undefined;
  private pendingKey: string | undefined;

  /** The remote scorer's API key from SecretStorage (added to job payloads only when they are sent). */
  private apiKey: string | undefined;
  private apiKeyLoaded: Promise<void>;
  /** A confirmation question being shown, per URL (several jobs wait for the same answer). */
  private readonly confirming = new Map<string, Promise<void>>();

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly log: ContextZipLog,
  ) {
    this.client = new ModelWorkerClient(path.join(context.extensionPath, 'dist', 'worker.js'));
    this.disposables.push(
      this.changed,
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (
          e.affectsConfiguration('contextzip.model') ||
          e.affectsConfiguration('contextzip.modelDtype') ||
          e.affectsConfiguration('contextzip.scorer') ||
          e.affectsConfiguration('contextzip.threads') ||
          e.affectsConfiguration('contextzip.cache.maxSizeMB')
        ) {
          void this.onModelSettingChanged();
        } else if (e.affectsConfiguration('contextzip.hubEndpoint')) {
          this.changed.fire();
        }
      }),
      context.secrets.onDidChange((e) => {
        if (e.key === SCORER_API_KEY_SECRET) {
          this.apiKeyLoaded = this.loadApiKey();
          void this.apiKeyLoaded.then(() => this.onModelSettingChanged(true));
        }
      }),
    );
    this.apiKeyLoaded = this.loadApiKey();
  }

  private async loadApiKey(): Promise<void> {
    try {
      this.apiKey = (await this.context.secrets.get(SCORER_API_KEY_SECRET))?.trim() || undefined;
    } catch (err) {
      this.apiKey = undefined;
      this.log.error('Reading the remote scorer API key from the secret storage failed', err);
    }
  }

  /** Stores (or, with undefined, deletes) the remote scorer's API key in SecretStorage. */
  async setApiKey(key: string | undefined): Promise<void> {
    if (key?.trim()) await this.context.secrets.store(SCORER_API_KEY_SECRET, key.trim());
    else await this.context.secrets.delete(SCORER_API_KEY_SECRET);
    this.apiKeyLoaded = this.loadApiKey();
    await this.apiKeyLoaded;
    this.log.info(key?.trim() ? 'Remote scorer API key stored in the secret storage' : 'Remote scorer API key cleared');
  }

  get hasApiKey(): boolean {
    return this.apiKey !== undefined;
  }

  /** The remote scorer from the settings (contextzip.scorer.*), without the API key; undefined when off. */
  remoteSpec(): RemoteScorerSpec | undefined {
    const r = readSettings().scorer;
    if (!r.url) return undefined;
    return {
      url: r.url,
      model: r.model || undefined,
      tokenizer: r.tokenizer || undefined,
      protocol: r.protocol,
      maxPromptsPerRequest: r.batchSize,
      concurrency: r.concurrency,
      timeoutMs: Math.round(r.timeoutSeconds * 1000),
      maxTokens: r.maxTokens,
    };
  }

  /**
   * A payload's model spec as sent to the worker: for remote scoring, after the user allowed
   * this workspace to send code to that URL (asked once), with the API key added.
   */
  private async prepare(spec: ModelSpecPayload): Promise<ModelSpecPayload> {
    if (!spec.remote) return spec;
    await this.confirmRemote(spec.remote.url);
    await this.apiKeyLoaded;
    return { ...spec, remote: { ...spec.remote, apiKey: this.apiKey } };
  }

  private confirmRemote(url: string): Promise<void> {
    const where = displayUrl(url);
    if (this.context.workspaceState.get<string[]>(REMOTE_ALLOWED_STATE, []).includes(where)) return Promise.resolve();
    let asking = this.confirming.get(where);
    if (!asking) {
      asking = (async () => {
        const choice = await vscode.window.showWarningMessage(
          `ContextZip is set to score remotely: the code being compressed and your query will be sent to ${where}. Allow this for this workspace?`,
          {
            modal: true,
            detail:
              'From the setting contextzip.scorer.url. Clear it to score locally with the bundled model; nothing is sent then.',
          },
          'Allow',
        );
        if (choice !== 'Allow') throw new CancelledError('Remote scoring was not allowed for this workspace.');
        const allowed = this.context.workspaceState.get<string[]>(REMOTE_ALLOWED_STATE, []);
        await this.context.workspaceState.update(REMOTE_ALLOWED_STATE, [...allowed, where]);
        this.log.info(`Remote scoring allowed for this workspace: ${where}`);
      })().finally(() => this.confirming.delete(where));
      this.confirming.set(where, asking);
    }
    return asking;
  }

  /** Root folder of downloaded hub models: the extension's global storage. */
  get cacheDir(): string {
    return path.join(this.context.globalStorageUri.fsPath, 'models');
  }

  /** Persisted score files live next to the model cache (like the CLI's layout). */
  get scoresDir(): string {
    return path.join(this.context.globalStorageUri.fsPath, 'scores');
  }

  get hubEndpoint(): string {
    const v = vscode.workspace.getConfiguration('contextzip').get<string>('hubEndpoint', DEFAULT_HUB_ENDPOINT);
    return (v || DEFAULT_HUB_ENDPOINT).trim().replace(/\/+$/, '');
  }

  /** The model part of every job payload, from the current settings. */
  payload(extra: Partial<ModelSpecPayload> = {}): ModelSpecPayload {
    const s = readSettings();
    return {
      model: s.model,
      dtype: s.modelDtype,
      cacheDir: this.cacheDir,
      endpoint: this.hubEndpoint,
      remote: this.remoteSpec(),
      threads: s.threads,
      scoresDir: this.scoresDir,
      cacheMaxMB: s.cacheMaxSizeMB,
      ...extra,
    };
  }

  describe(): ModelDescription {
    const s = readSettings();
    if (s.scorer.url) {
      const remoteUrl = displayUrl(s.scorer.url);
      return {
        setting: remoteUrl,
        kind: 'remote',
        shortName: s.scorer.model ? path.basename(s.scorer.model) : 'remote',
        dtype: 'remote',
        cacheDir: this.cacheDir,
        bytes: 0,
        remoteUrl,
      };
    }
    const setting = (s.model ?? '').trim() || EMBEDDED_MODEL_ID;
    const base = { setting, dtype: s.modelDtype, cacheDir: this.cacheDir };
    try {
      const loc = resolveModelLocation(setting, this.cacheDir);
      const shortName = loc.kind === 'embedded' ? 'embedded' : path.basename(loc.id);
      return { ...base, kind: loc.kind, shortName, dir: loc.dir, bytes: folderBytes(loc.dir) };
    } catch (err) {
      return {
        ...base,
        kind: 'invalid',
        shortName: path.basename(setting) || setting,
        bytes: 0,
        problem: err instanceof Error ? err.message : String(err),
      };
    }
  }

  /** Loads the configured model in the worker (downloading a hub model only when allowed). */
  async load(options: JobOptions & { allowDownload?: boolean } = {}): Promise<ModelStatus> {
    const spec = await this.prepare(this.payload({ allowDownload: options.allowDownload === true }));
    const key = specKey(spec);
    this.pendingKey = key;
    this.setState('loading');
    try {
      const status = await this.client.run('loadModel', spec, options);
      this.loadedKey = key;
      this.lastStatus = status;
      this.lastError = undefined;
      this.log.info(`Model loaded: ${status.id ?? spec.model} (${status.dtype ?? spec.dtype})`);
      this.setState('ready');
      return status;
    } catch (err) {
      this.loadedKey = undefined;
      if (err instanceof CancelledError) {
        this.lastError = undefined;
        this.setState('not loaded');
      } else {
        this.lastError = err instanceof Error ? err.message : String(err);
        this.setState('error');
      }
      throw err;
    } finally {
      if (this.pendingKey === key) this.pendingKey = undefined;
      this.armIdleTimer();
    }
  }

  /**
   * Runs a job that uses the configured model (e.g. 'compress'). The worker loads the model
   * on first use; the state follows ('loading' when the worker reports the load stage).
   */
  async runWithModel<K extends ModelJobName>(
    job: K,
    payload: JobPayload<K> & { model: ModelSpecPayload },
    options: JobOptions = {},
  ): Promise<JobResultOf<K>> {
    payload = { ...payload, model: await this.prepare(payload.model) };
    const key = specKey(payload.model);
    const wasReady = this.loadedKey === key && this.state === 'ready';
    const onProgress = (p: JobProgress) => {
      if (p.stage === 'load' && !wasReady) {
        this.pendingKey = key;
        this.setState('loading');
      } else if (p.stage !== 'load' && p.stage !== 'download' && this.state === 'loading') {
        this.loadedKey = key;
        this.setState('ready');
      }
      options.onProgress?.(p);
    };
    try {
      const result = await this.client.run(job, payload, { ...options, onProgress });
      this.loadedKey = key;
      this.lastError = undefined;
      this.setState('ready');
      return result;
    } catch (err) {
      if (this.state === 'loading') {
        this.loadedKey = undefined;
        const cancelled = err instanceof CancelledError;
        this.lastError = cancelled ? undefined : err instanceof Error ? err.message : String(err);
        this.setState(cancelled ? 'not loaded' : 'error');
      }
      throw err;
    } finally {
      if (this.pendingKey === key) this.pendingKey = undefined;
      this.armIdleTimer();
      void this.refreshStatus();
    }
  }

  /**
   * The worker keeps the model and its caches warm between runs; after the idle timeout
   * without a model job it is stopped (the model unloads and saves the persisted caches
   * first), and the next job starts it again.
   */
  private armIdleTimer(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    const minutes = readSettings().workerIdleTimeoutMinutes;
    if (!(minutes > 0)) return;
    this.idleTimer = setTimeout(() => void this.stopIdleWorker(minutes), minutes * 60_000);
    this.idleTimer.unref?.();
  }

  private async stopIdleWorker(minutes: number): Promise<void> {
    this.idleTimer = undefined;
    if (this.client.busy) {
      this.armIdleTimer(); // a job of another kind (inspection, traces) is running
      return;
    }
    if (!this.client.running) return;
    this.log.info(`No model job for ${minutes} min: stopping the model worker to free its memory (caches saved)`);
    await this.client.dispose().catch(() => undefined);
    this.loadedKey = undefined;
    if (this.state === 'ready') this.setState('not loaded');
    await this.refreshStatus();
  }

  /** Asks the worker for its status (loaded model, score cache counters). */
  async refreshStatus(): Promise<ModelStatus | undefined> {
    if (!this.client.running) {
      // No worker (not started yet, or stopped when idle): nothing is loaded; do not start one.
      this.lastStatus = { loaded: false, cacheEntries: 0, cacheHits: 0, cacheMisses: 0 };
      if (this.state === 'ready') this.setState('not loaded');
      else this.changed.fire();
      return this.lastStatus;
    }
    try {
      this.lastStatus = await this.client.run('status', {});
      if (!this.lastStatus.loaded && this.state === 'ready') this.setState('not loaded');
      else this.changed.fire();
    } catch (err) {
      this.log.error('Model status failed', err);
    }
    return this.lastStatus;
  }

  /** Empties the worker's score cache and deletes the persisted score files. */
  async clearCaches(): Promise<{ cleared: number; files: number }> {
    const { cleared } = await this.client.run('clearCache', {});
    let files = 0;
    if (fs.existsSync(this.scoresDir)) {
      for (const name of await fs.promises.readdir(this.scoresDir)) {
        if (!/^((scores|chunks)-.*\.json|(tokens|assoc)-.*\.bin)(\..*\.tmp)?$/.test(name)) continue;
        await fs.promises.rm(path.join(this.scoresDir, name), { force: true });
        files++;
      }
    }
    this.log.info(`Caches cleared: ${cleared} score cache entries, ${files} persisted score file(s)`);
    await this.refreshStatus();
    return { cleared, files };
  }

  setLastRatio(ratio: number): void {
    this.lastRatio = ratio;
    this.changed.fire();
  }

  setBusy(message: string | undefined): void {
    if (message === this.busy) return;
    this.busy = message;
    this.changed.fire();
  }

  private setState(state: ModelState): void {
    this.state = state;
    this.changed.fire();
  }

  /** A different model or dtype: free the old one now (the next job loads the new one). */
  private async onModelSettingChanged(keyChanged = false): Promise<void> {
    const key = specKey(this.payload());
    // selectModel writes model and dtype: two configuration events for one change
    if (!keyChanged && (key === this.loadedKey || key === this.pendingKey || key === this.announcedKey)) {
      this.changed.fire();
      return;
    }
    this.announcedKey = key;
    const d = this.describe();
    this.log.info(`Model setting changed to ${d.setting} (${d.dtype}); unloading the previous model`);
    this.loadedKey = undefined;
    this.lastError = undefined;
    this.setState('not loaded');
    try {
      await this.client.run('unloadModel', {});
    } catch (err) {
      this.log.error('Unloading the previous model failed', err);
    }
    await this.refreshStatus();
  }

  dispose(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    for (const d of this.disposables) d.dispose();
    // Releases the model inside the worker, then stops the thread (see ModelWorkerClient.dispose).
    void this.client.dispose().catch(() => undefined);
  }
}

function specKey(spec: ModelSpecPayload): string {
  return JSON.stringify([
    (spec.model ?? '').trim() || EMBEDDED_MODEL_ID,
    spec.dtype ?? 'q8',
    spec.cacheDir ?? '',
    spec.remote ? remoteSpecKey({ ...spec.remote, apiKey: undefined }) : '',
    spec.threads ?? 1,
    spec.cacheMaxMB ?? '',
  ]);
}

function folderBytes(dir: string): number {
  try {
    return modelFolderBytes(dir);
  } catch {
    return 0;
  }
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v >= 100 ? v.toFixed(0) : v.toFixed(1)} ${units[i]}`;
}
