/**
 * "ContextZip: Compress Reasoning Trace" (selection or active document, or a file from the
 * explorer): runs the cot job in the model worker, opens a side-by-side diff original ↔
 * compressed (read-only virtual documents) and the trace report (select a row to reveal the
 * step). With `contextzip.cot.useChatModelAnchor`, stage 1 asks a chat model first (the only
 * part that runs on the extension host: it is network, not model work).
 */
import path from 'node:path';
import * as vscode from 'vscode';
import { detectFinalAnswer } from '../../core/cot/answer.js';
import type { CotResult } from '../../core/cot/compress.js';
import type { CotJobPayload } from '../../core/cot/jobs.js';
import { splitTrace } from '../../core/cot/steps.js';
import { CancelledError } from '../../core/errors.js';
import { readSettings } from '../settings.js';
import type { CotContext } from './jobs.js';
import { LmAnchorModel, pickChatModel } from './lmAnchorModel.js';
import type { TraceDocuments } from './traceDocuments.js';
import { TraceReportPanel } from './traceReportPanel.js';

/** What the compress command returns (used by integration tests). */
export interface CotCommandResult {
  result: CotResult;
  originalUri: vscode.Uri;
  compressedUri: vscode.Uri;
  panel: vscode.WebviewPanel;
  report: TraceReportPanel;
}

/** With a file URI (explorer context menu, tests): that file; else the selection or the active document. */
export async function compressTrace(
  cx: CotContext,
  docs: TraceDocuments,
  uri?: vscode.Uri,
): Promise<CotCommandResult | undefined> {
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
      if (settings.cotUseChatModelAnchor) chatProposal = await chatStage1(cx, input, token, progress);
      if (token.isCancellationRequested) throw new CancelledError();
      return cx.run(
        'cot',
        {
          model: cx.modelSpec(doc.uri),
          input,
          ratio: settings.cotRatio,
          tokenizer: cx.tokenizerFor(doc.uri),
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
  cx.log(
    `cot: ${name}${useSelection ? ' (selection)' : ''}: ${result.originalTokens} -> ${result.compressedTokens} tokens (${pct}%), ` +
      `${result.steps.filter((s) => s.kept).length}/${result.steps.length} steps kept, ${result.steps.filter((s) => s.anchored).length} anchored, ` +
      `answer: ${result.answer.source}, stage 1: ${result.stage1.method}, model ${result.model.id} (${result.model.dtype}), ${result.timings.totalMs} ms`,
  );
  for (const w of result.warnings) cx.log(`cot: warning: ${w}`);
  await vscode.commands.executeCommand(
    'vscode.diff',
    originalUri,
    compressedUri,
    `${name} ↔ compressed (${pct}% of tokens)`,
    { preview: true },
  );
  const report = new TraceReportPanel({
    extensionUri: cx.context.extensionUri,
    result,
    input,
    title: `Reasoning trace: ${name}`,
    reveal: (start, end) => {
      void vscode.window
        .showTextDocument(doc, { viewColumn: vscode.ViewColumn.One, preserveFocus: false })
        .then((ed) => {
          const range = new vscode.Range(doc.positionAt(baseOffset + start), doc.positionAt(baseOffset + end));
          ed.selection = new vscode.Selection(range.start, range.end);
          ed.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
        });
    },
  });
  return { result, originalUri, compressedUri, panel: report.panel, report };
}

/** Stage 1 with the chat model the user picked; undefined (local stage 1) when none. */
async function chatStage1(
  cx: CotContext,
  input: string,
  token: vscode.CancellationToken,
  progress: vscode.Progress<{ message?: string }>,
): Promise<CotJobPayload['chatProposal']> {
  const model = await pickChatModel(cx.context);
  if (!model) {
    cx.log(
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
    cx.log(
      `cot: chat model stage 1 failed (${err instanceof Error ? err.message : String(err)}); using local stage 1.`,
    );
    return undefined;
  }
}
