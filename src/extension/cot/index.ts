/**
 * Reasoning-trace compression in the editor:
 * - "ContextZip: Compress Reasoning Trace" (selection or active document): runs the cot job,
 *   opens a side-by-side diff original ↔ compressed (read-only virtual documents) and the CoT
 *   report panel (steps with surprisal bars, anchored/kept marks; select a row to reveal it).
 * - "ContextZip: Compress Trace Data Set…": pick a JSONL and an output path, run the batch job
 *   with a cancellable progress notification, log the summary and the unusable lines.
 * Model work runs in the model worker (jobs "cot" / "cotBatch", registered in the worker with
 * registerCotJobs), never on the extension host; only the chat-model stage 1 (network) runs
 * here.
 */
import fs from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import type { CotBatchJobPayload, CotBatchJobResult, CotJobPayload, CotModelSpec } from '../../core/cot/jobs.js';
import type { CotResult } from '../../core/cot/compress.js';
import { detectFinalAnswer } from '../../core/cot/answer.js';
import { splitTrace } from '../../core/cot/steps.js';
import { CancelledError, ContextZipError } from '../../core/errors.js';
import type { CommandRegistrar } from '../commands.js';
import { readSettings } from '../settings.js';
import { LmAnchorModel, pickChatModel } from './lmAnchorModel.js';
import { renderCotReportHtml } from './reportHtml.js';

export const COT_COMMANDS = {
  compressTrace: 'contextzip.compressReasoningTrace',
  compressDataset: 'contextzip.compressTraceDataset',
  chooseChatModel: 'contextzip.chooseTraceChatModel',
} as const;

interface ProgressMessage {
  stage: string;
  done: number;
  total: number;
  message?: string;
}

/** The worker client's `run` (src/worker/client.ts ModelWorkerClient). */
export interface CotJobRunner {
  run<R>(
    job: string,
    payload: unknown,
    options?: {
      onProgress?: (p: ProgressMessage) => void;
      cancellation?: vscode.CancellationToken;
    },
  ): Promise<R>;
}

export interface CotCommandDeps {
  /** Where runs are logged: the ContextZip output channel (or the extension's log wrapper). */
  output: { appendLine(line: string): void } | { info(line: string): void };
  /** The model worker (jobs "cot" and "cotBatch"): model work never runs on the extension host. */
  worker: CotJobRunner;
  /** The extension's command registrar (one error guard for every command). */
  command: CommandRegistrar;
  /** The model part of job payloads (the model service's); default: from the settings. */
  modelSpec?: () => CotModelSpec;
}

/** What the compress command returns (used by integration tests). */
export interface CotCommandResult {
  result: CotResult;
  originalUri: vscode.Uri;
  compressedUri: vscode.Uri;
  panel: vscode.WebviewPanel;
}

const SCHEME = 'contextzip-cot';

/** Read-only virtual documents holding originals and compressed traces. */
class TraceDocuments implements vscode.TextDocumentContentProvider {
  private readonly docs = new Map<string, string>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private next = 1;

  add(kind: 'original' | 'compressed', name: string, text: string, run: number): vscode.Uri {
    const uri = vscode.Uri.from({ scheme: SCHEME, path: `/${run}/${kind}/${name}` });
    this.docs.set(uri.toString(), text);
    this.changed.fire(uri);
    return uri;
  }

  newRun(): number {
    return this.next++;
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.docs.get(uri.toString()) ?? '';
  }

  dispose(): void {
    this.changed.dispose();
  }
}

function nonce(): string {
  const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  let s = '';
  for (let i = 0; i < 32; i++) s += chars[Math.floor(Math.random() * chars.length)];
  return s;
}

export function registerCotCommands(context: vscode.ExtensionContext, deps: CotCommandDeps): void {
  const log = (line: string): void => {
    if ('appendLine' in deps.output) deps.output.appendLine(line);
    else deps.output.info(line);
  };
  const docs = new TraceDocuments();
  context.subscriptions.push(docs, vscode.workspace.registerTextDocumentContentProvider(SCHEME, docs));

  const runJob = async <R>(
    job: 'cot' | 'cotBatch',
    payload: CotJobPayload | CotBatchJobPayload,
    onProgress: (p: ProgressMessage) => void,
    token: vscode.CancellationToken,
  ): Promise<R> => {
    try {
      return await deps.worker.run<R>(job, payload, { onProgress, cancellation: token });
    } catch (err) {
      if (err instanceof ContextZipError && /Unknown job/.test(err.message)) {
        throw new ContextZipError(
          `The model worker has no "${job}" job: src/worker/register-jobs.ts must call registerCotJobs(registerJob, scorerFor).`,
          'internal',
        );
      }
      throw err;
    }
  };

  const modelSpec = (scope?: vscode.ConfigurationScope): CotModelSpec => {
    if (deps.modelSpec) return deps.modelSpec();
    const s = readSettings(scope);
    return {
      model: s.model,
      dtype: s.modelDtype,
      cacheDir: context.globalStorageUri.fsPath ? path.join(context.globalStorageUri.fsPath, 'models') : undefined,
    };
  };
  const tokenizerFor = (scope?: vscode.ConfigurationScope): string => {
    const t = readSettings(scope).tokenizer;
    return t === 'model' ? 'o200k_base' : t; // budgets are promises in the target tokenizer
  };

  /** With a file URI (explorer context menu, tests): that file; else the selection or the active document. */
  const compressTrace = async (uri?: vscode.Uri): Promise<CotCommandResult | undefined> => {
    // The editor context menu passes the document's URI: its selection still counts.
    const active = vscode.window.activeTextEditor;
    const editor =
      !(uri instanceof vscode.Uri) || active?.document.uri.toString() === uri.toString() ? active : undefined;
    const doc =
      editor?.document ?? (uri instanceof vscode.Uri ? await vscode.workspace.openTextDocument(uri) : undefined);
    if (!doc) {
      void vscode.window.showWarningMessage('ContextZip: open a reasoning trace (or select one) first.');
      return undefined;
    }
    const selection = editor?.selection ?? new vscode.Selection(0, 0, 0, 0);
    const useSelection = !selection.isEmpty;
    const input = useSelection ? doc.getText(selection) : doc.getText();
    const baseOffset = useSelection ? doc.offsetAt(selection.start) : 0;
    if (input.trim() === '') {
      void vscode.window.showWarningMessage('ContextZip: the trace is empty.');
      return undefined;
    }
    const settings = readSettings(doc.uri);
    const name = path.basename(doc.uri.path) || 'trace';

    const result = await vscode.window.withProgress(
      {
        location: vscode.ProgressLocation.Notification,
        title: 'ContextZip: compressing reasoning trace',
        cancellable: true,
      },
      async (progress, token) => {
        let chatProposal: CotJobPayload['chatProposal'];
        if (settings.cotUseChatModelAnchor) chatProposal = await chatStage1(input, token, progress);
        if (token.isCancellationRequested) throw new CancelledError();
        return runJob<CotResult>(
          'cot',
          {
            model: modelSpec(doc.uri),
            input,
            ratio: settings.cotRatio,
            tokenizer: tokenizerFor(doc.uri),
            chatProposal,
          },
          (p) => progress.report({ message: p.message ?? p.stage }),
          token,
        );
      },
    );
    const run = docs.newRun();
    const originalUri = docs.add('original', name, input, run);
    const compressedUri = docs.add('compressed', name, result.text, run);
    const pct = (100 * result.ratio).toFixed(1);
    log(
      `cot: ${name}${useSelection ? ' (selection)' : ''}: ${result.originalTokens} -> ${result.compressedTokens} tokens (${pct}%), ` +
        `${result.steps.filter((s) => s.kept).length}/${result.steps.length} steps kept, ${result.steps.filter((s) => s.anchored).length} anchored, ` +
        `answer: ${result.answer.source}, stage 1: ${result.stage1.method}, model ${result.model.id} (${result.model.dtype}), ${result.timings.totalMs} ms`,
    );
    for (const w of result.warnings) log(`cot: warning: ${w}`);
    await vscode.commands.executeCommand(
      'vscode.diff',
      originalUri,
      compressedUri,
      `${name} ↔ compressed (${pct}% of tokens)`,
      { preview: true },
    );
    const panel = showReport(result, input, `Reasoning trace: ${name}`, (start, end) => {
      void vscode.window
        .showTextDocument(doc, { viewColumn: vscode.ViewColumn.One, preserveFocus: false })
        .then((ed) => {
          const range = new vscode.Range(doc.positionAt(baseOffset + start), doc.positionAt(baseOffset + end));
          ed.selection = new vscode.Selection(range.start, range.end);
          ed.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
        });
    });
    return { result, originalUri, compressedUri, panel };
  };

  /** Stage 1 with the chat model the user picked; undefined (local stage 1) when none. */
  const chatStage1 = async (
    input: string,
    token: vscode.CancellationToken,
    progress: vscode.Progress<{ message?: string }>,
  ): Promise<CotJobPayload['chatProposal']> => {
    const model = await pickChatModel(context);
    if (!model) {
      log(
        'cot: contextzip.cot.useChatModelAnchor is on but no chat model was available or picked; using local stage 1.',
      );
      return undefined;
    }
    const split = splitTrace(input);
    const answer = detectFinalAnswer(split);
    const lm = new LmAnchorModel(model, token);
    try {
      progress.report({ message: `Asking ${model.name} for the anchor explanation` });
      const explanation = await lm.explain('', answer.text);
      progress.report({ message: `Asking ${model.name} for the stage-1 compression` });
      const text = await lm.compress(split.steps.map((s) => s.text).join(split.newline + split.newline), explanation);
      return { text, model: lm.id };
    } catch (err) {
      if (token.isCancellationRequested) throw new CancelledError();
      log(`cot: chat model stage 1 failed (${err instanceof Error ? err.message : String(err)}); using local stage 1.`);
      return undefined;
    }
  };

  const showReport = (
    result: CotResult,
    input: string,
    title: string,
    reveal: (start: number, end: number) => void,
  ): vscode.WebviewPanel => {
    const scriptFile = vscode.Uri.joinPath(context.extensionUri, 'dist', 'webview', 'cot.js');
    const hasScript = fs.existsSync(scriptFile.fsPath);
    const panel = vscode.window.createWebviewPanel(
      'contextzip.cotReport',
      title,
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
      {
        enableScripts: hasScript,
        localResourceRoots: [vscode.Uri.joinPath(context.extensionUri, 'dist', 'webview')],
      },
    );
    panel.webview.html = renderCotReportHtml(result, {
      nonce: nonce(),
      cspSource: panel.webview.cspSource,
      scriptUri: hasScript ? panel.webview.asWebviewUri(scriptFile).toString() : undefined,
      title,
      input,
    });
    panel.webview.onDidReceiveMessage((msg: { type?: string; start?: number; end?: number }) => {
      if (msg?.type === 'reveal' && typeof msg.start === 'number' && typeof msg.end === 'number')
        reveal(msg.start, msg.end);
    });
    return panel;
  };

  /** With (input, output) URIs (tests, other commands): no dialogs. */
  const compressDataset = async (
    inputArg?: vscode.Uri,
    outputArg?: vscode.Uri,
  ): Promise<CotBatchJobResult | undefined> => {
    const picked =
      inputArg instanceof vscode.Uri
        ? [inputArg]
        : await vscode.window.showOpenDialog({
            title: 'ContextZip: reasoning-trace data set (JSONL, one record per line)',
            canSelectMany: false,
            filters: { 'JSON Lines': ['jsonl', 'ndjson', 'json'], 'All files': ['*'] },
          });
    if (!picked?.[0]) return undefined;
    const input = picked[0];
    const defaultOut = input.with({ path: input.path.replace(/(\.[^./]+)?$/, '.compressed.jsonl') });
    const output =
      outputArg instanceof vscode.Uri
        ? outputArg
        : await vscode.window.showSaveDialog({
            title: 'ContextZip: write the compressed data set to (existing records are kept; the run resumes)',
            defaultUri: defaultOut,
            filters: { 'JSON Lines': ['jsonl'] },
          });
    if (!output) return undefined;
    if (output.fsPath === input.fsPath) {
      void vscode.window.showErrorMessage('ContextZip: the output must be a different file than the input.');
      return undefined;
    }
    const settings = readSettings();
    const c = vscode.workspace.getConfiguration('contextzip.cot');
    const fields = {
      id: c.get<string>('fields.id', 'id'),
      problem: c.get<string>('fields.problem', 'problem'),
      think: c.get<string>('fields.think', 'think'),
      answer: c.get<string>('fields.answer', 'final_answer'),
      output: c.get<string>('fields.output', '') || c.get<string>('fields.think', 'think'),
    };
    log(
      `cot-batch: ${input.fsPath} -> ${output.fsPath} (fields ${JSON.stringify(fields)}, ratio ${settings.cotRatio})`,
    );
    const summary = await vscode.window.withProgress(
      {
        location: vscode.ProgressLocation.Notification,
        title: 'ContextZip: compressing trace data set',
        cancellable: true,
      },
      (progress, token) => {
        let last = 0;
        return runJob<CotBatchJobResult>(
          'cotBatch',
          {
            model: modelSpec(),
            input: input.fsPath,
            output: output.fsPath,
            fields,
            ratio: settings.cotRatio,
            tokenizer: tokenizerFor(),
          },
          (p) => {
            if (p.stage !== 'traces' || p.total <= 0) {
              progress.report({ message: p.message ?? p.stage });
              return;
            }
            const pct = (100 * p.done) / p.total;
            progress.report({
              increment: Math.max(0, pct - last),
              message: `line ${p.done}/${p.total}: ${p.message ?? ''}`,
            });
            last = pct;
          },
          token,
        );
      },
    );
    const d = summary.ratioDistribution;
    if (summary.cancelled)
      log(
        `cot-batch: cancelled at line ${summary.line} of ${summary.totalLines}; run the command again with the same output to resume.`,
      );
    log(
      `cot-batch: ${summary.traces} traces compressed, ${summary.skipped} skipped (${summary.skippedExisting} already in output, ${summary.bad} bad lines, ${summary.failed} failed); ` +
        `tokens ${summary.tokensBefore} -> ${summary.tokensAfter}` +
        (d
          ? `; per-trace ratio min ${d.min.toFixed(3)} p25 ${d.p25.toFixed(3)} median ${d.median.toFixed(3)} p75 ${d.p75.toFixed(3)} max ${d.max.toFixed(3)}`
          : '') +
        `; ${summary.tracesPerMinute.toFixed(1)} traces/min`,
    );
    for (const b of summary.badLines) log(`cot-batch: ${input.fsPath}:${b.line}: ${b.reason}; skipped`);
    const open = 'Open Output';
    const showLog = 'Show Log';
    void vscode.window
      .showInformationMessage(
        `ContextZip: ${summary.cancelled ? 'cancelled; ' : ''}${summary.traces} traces compressed (${summary.tokensBefore > 0 ? (100 * summary.ratio).toFixed(1) : '-'}% of tokens), ${summary.skipped} skipped.`,
        open,
        showLog,
      )
      .then((choice) => {
        if (choice === open) void vscode.window.showTextDocument(output);
        else if (choice === showLog && 'show' in deps.output)
          (deps.output as { show(preserveFocus?: boolean): void }).show(true);
      });
    return summary;
  };

  deps.command(COT_COMMANDS.compressTrace, compressTrace);
  deps.command(COT_COMMANDS.compressDataset, compressDataset);
  deps.command(COT_COMMANDS.chooseChatModel, async () => {
    const m = await pickChatModel(context, true);
    if (m)
      log(
        `cot: stage-1 chat model set to ${m.vendor}/${m.id} (used only when contextzip.cot.useChatModelAnchor is on)`,
      );
    else void vscode.window.showInformationMessage('ContextZip: no chat model available or none picked.');
    return m ? `${m.vendor}/${m.id}` : undefined;
  });
}
