/**
 * Model compression inspector in VS Code: a read-only custom editor for .onnx, .safetensors
 * and .gguf files (summary, tensor table, charts), a comparison panel and a compressor-variant
 * evaluation panel. All reading and statistics run as jobs in the model worker; the host
 * only shows progress (cancellable) and posts the results to the webview.
 */
import path from 'node:path';
import * as vscode from 'vscode';
import type { CompareResult } from '../../core/inspect/index.js';
import type { ModelReport } from '../../core/inspect/types.js';
import type { EvalVariantsResult } from '../../core/inspect/variants.js';
import type { JobOptions } from '../../worker/client.js';
import type { JobPayload, JobResultOf } from '../../worker/job-table.js';
import { webviewNonce } from '../webviewHtml.js';
import { renderInspectorHtml } from './html.js';

export const INSPECTOR_VIEW_TYPE = 'contextzip.modelInspector';

/** The model worker's jobs (src/core/inspect/jobs.ts) this feature runs. */
type InspectJobName = 'inspectModel' | 'compareModels' | 'evalVariants';

export interface InspectDeps {
  log: { info(line: string): void; error(line: string, err?: unknown): void };
  command: (id: string, run: (...args: never[]) => unknown) => void;
  /** The model worker's run (ModelWorkerClient.run), for the inspection jobs. */
  run: <K extends InspectJobName>(job: K, payload: JobPayload<K>, options?: JobOptions) => Promise<JobResultOf<K>>;
  /** Model spec of the current settings (for variant evaluation). */
  modelSpec: () => { model?: string; cacheDir?: string };
}

const MODEL_FILTERS = { 'Model files': ['onnx', 'safetensors', 'gguf'] };

function setHtml(panel: vscode.WebviewPanel, extensionUri: vscode.Uri, view: string, title: string): void {
  const root = vscode.Uri.joinPath(extensionUri, 'dist', 'webview');
  panel.webview.options = { enableScripts: true, localResourceRoots: [root] };
  panel.webview.html = renderInspectorHtml({
    nonce: webviewNonce(),
    cspSource: panel.webview.cspSource,
    scriptUri: panel.webview.asWebviewUri(vscode.Uri.joinPath(root, 'inspect.js')).toString(),
    styleUri: panel.webview.asWebviewUri(vscode.Uri.joinPath(root, 'inspect.css')).toString(),
    title,
    view,
  });
}

/** Runs a worker job with a cancellable notification, mirroring progress into the webview. */
async function runWithProgress<K extends InspectJobName>(
  deps: InspectDeps,
  panel: vscode.WebviewPanel,
  title: string,
  job: K,
  payload: JobPayload<K>,
): Promise<JobResultOf<K>> {
  return vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title, cancellable: true },
    async (progress, token) => {
      let last = 0;
      const dispose = panel.onDidDispose(() => source.cancel());
      const source = new vscode.CancellationTokenSource();
      token.onCancellationRequested(() => source.cancel());
      try {
        return await deps.run(job, payload, {
          cancellation: source.token,
          onProgress: (p) => {
            const frac = p.total > 0 ? p.done / p.total : 0;
            progress.report({ increment: Math.max(0, 100 * (frac - last)), message: p.message });
            last = frac;
            void panel.webview.postMessage({ type: 'progress', done: p.done, total: p.total, message: p.message });
          },
        });
      } finally {
        dispose.dispose();
        source.dispose();
      }
    },
  );
}

class ModelFileDocument implements vscode.CustomDocument {
  constructor(readonly uri: vscode.Uri) {}
  dispose(): void {}
}

export class ModelInspectorProvider implements vscode.CustomReadonlyEditorProvider<ModelFileDocument> {
  private readonly reports = new Map<string, Promise<ModelReport>>();

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly deps: InspectDeps,
  ) {}

  openCustomDocument(uri: vscode.Uri): ModelFileDocument {
    return new ModelFileDocument(uri);
  }

  /** The report shown for a file (resolves when its editor has finished reading it). */
  reportFor(uri: vscode.Uri): Promise<ModelReport> | undefined {
    return this.reports.get(uri.toString());
  }

  resolveCustomEditor(document: ModelFileDocument, panel: vscode.WebviewPanel): void {
    const name = path.basename(document.uri.path);
    setHtml(panel, this.extensionUri, 'model', `Inspect ${name}`);
    const pending =
      document.uri.scheme !== 'file'
        ? Promise.reject(new Error(`Only local files can be inspected (${document.uri.scheme}:).`))
        : runWithProgress(this.deps, panel, `ContextZip: inspecting ${name}`, 'inspectModel', {
            file: document.uri.fsPath,
          });
    this.reports.set(document.uri.toString(), pending);
    pending.then(
      (report) => {
        this.deps.log.info(
          `inspect ${document.uri.fsPath}: ${report.tensors.length} tensors, ${report.totalParams} params, ${report.bitsPerWeight.toFixed(3)} bits/weight`,
        );
        void panel.webview.postMessage({ type: 'report', report });
      },
      (err: unknown) => {
        const message = err instanceof Error ? err.message : String(err);
        this.deps.log.error(`inspect ${document.uri.fsPath} failed`, err);
        void panel.webview.postMessage({ type: 'error', message });
      },
    );
    panel.onDidDispose(() => this.reports.delete(document.uri.toString()));
  }
}

export interface InspectFeatures {
  provider: ModelInspectorProvider;
}

export function registerInspectFeatures(context: vscode.ExtensionContext, deps: InspectDeps): InspectFeatures {
  const provider = new ModelInspectorProvider(context.extensionUri, deps);
  context.subscriptions.push(
    vscode.window.registerCustomEditorProvider(INSPECTOR_VIEW_TYPE, provider, {
      webviewOptions: { retainContextWhenHidden: true },
      supportsMultipleEditorsPerDocument: true,
    }),
  );

  deps.command('contextzip.inspectModelFile', async (uri?: vscode.Uri): Promise<ModelReport | undefined> => {
    const target = uri ?? (await pickModelFile('Inspect Model File'));
    if (!target) return undefined;
    await vscode.commands.executeCommand('vscode.openWith', target, INSPECTOR_VIEW_TYPE);
    return provider.reportFor(target);
  });

  deps.command(
    'contextzip.compareModelFiles',
    async (a?: vscode.Uri, b?: vscode.Uri): Promise<CompareResult | undefined> => {
      const first = a ?? (await pickModelFile('Reference model file (e.g. the dense one)'));
      if (!first) return undefined;
      const second = b ?? (await pickModelFile('Model file to compare with it (e.g. the compressed one)'));
      if (!second) return undefined;
      const title = `${path.basename(first.path)} ↔ ${path.basename(second.path)}`;
      const panel = vscode.window.createWebviewPanel('contextzip.modelCompare', title, vscode.ViewColumn.Active, {
        enableScripts: true,
        retainContextWhenHidden: true,
      });
      setHtml(panel, context.extensionUri, 'compare', title);
      try {
        const result = await runWithProgress(deps, panel, `ContextZip: comparing ${title}`, 'compareModels', {
          a: first.fsPath,
          b: second.fsPath,
        });
        void panel.webview.postMessage({ type: 'compare', result });
        return result;
      } catch (err) {
        void panel.webview.postMessage({ type: 'error', message: err instanceof Error ? err.message : String(err) });
        throw err;
      }
    },
  );

  deps.command(
    'contextzip.evaluateVariants',
    async (args?: {
      dtypes?: string[];
      queries?: string[];
      files?: string[];
    }): Promise<EvalVariantsResult | undefined> => {
      let dtypes = args?.dtypes;
      if (!dtypes) {
        const picks = await vscode.window.showQuickPick(
          [
            { label: 'q8', picked: true, description: 'int8 weights (default)' },
            { label: 'q4', picked: true, description: '4-bit block-wise' },
            { label: 'fp32', description: 'full precision (only if the model folder has onnx/model.onnx)' },
          ],
          { canPickMany: true, title: 'Variants to evaluate (the first is the reference)' },
        );
        dtypes = picks?.map((p) => p.label);
      }
      if (!dtypes || dtypes.length < 2) {
        if (dtypes) void vscode.window.showWarningMessage('ContextZip: pick at least two variants.');
        return undefined;
      }
      let queries = args?.queries;
      if (!queries) {
        const q = await vscode.window.showInputBox({
          title: 'Queries to rank the workspace code for (separate several with ";")',
          value: 'How is the configuration loaded?; Where are errors handled?',
        });
        queries = q
          ?.split(';')
          .map((s) => s.trim())
          .filter(Boolean);
      }
      if (!queries?.length) return undefined;
      const files =
        args?.files ??
        (
          await vscode.workspace.findFiles(
            '**/*.{ts,js,py,go,rs,java,c,cc,cpp,h,cs,rb,php,kt,sh}',
            '{**/node_modules/**,**/.git/**,**/dist/**,**/out/**,**/*.min.js}',
            40,
          )
        ).map((u) => u.fsPath);
      if (files.length === 0) throw new Error('No code files in the workspace to evaluate on.');
      const sources = await Promise.all(
        files.map(async (f) => ({
          file: vscode.workspace.asRelativePath(f, false),
          text: Buffer.from(await vscode.workspace.fs.readFile(vscode.Uri.file(f))).toString('utf8'),
        })),
      );
      const spec = deps.modelSpec();
      const title = `Compressor variants: ${dtypes.join(' vs ')}`;
      const panel = vscode.window.createWebviewPanel('contextzip.evalVariants', title, vscode.ViewColumn.Active, {
        enableScripts: true,
        retainContextWhenHidden: true,
      });
      setHtml(panel, context.extensionUri, 'variants', title);
      try {
        const result = await runWithProgress(deps, panel, `ContextZip: ${title}`, 'evalVariants', {
          variants: dtypes.map((d) => ({ label: d, model: spec.model, dtype: d, cacheDir: spec.cacheDir })),
          sources: sources.filter((s) => s.text.length < 200_000),
          queries,
        });
        void panel.webview.postMessage({ type: 'variants', result });
        return result;
      } catch (err) {
        void panel.webview.postMessage({ type: 'error', message: err instanceof Error ? err.message : String(err) });
        throw err;
      }
    },
  );
  return { provider };
}

/** One model file chosen in an open dialog (undefined when cancelled). */
async function pickModelFile(title: string): Promise<vscode.Uri | undefined> {
  return (await vscode.window.showOpenDialog({ title, filters: MODEL_FILTERS }))?.[0];
}
