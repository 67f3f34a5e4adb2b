/**
 * Reasoning-trace compression in the editor: registers the commands and the virtual documents.
 * - compressTrace.ts: "Compress Reasoning Trace" (diff original ↔ compressed + trace report);
 * - compressDataset.ts: "Compress Trace Data Set…" (JSONL batch);
 * - traceReportPanel.ts: the report webview; traceDocuments.ts: the read-only documents;
 * - jobs.ts: deps and helpers shared by the commands.
 * Model work runs in the model worker (jobs "cot" / "cotBatch"), never on the extension host;
 * only the chat-model stage 1 (network) runs here.
 */
import * as vscode from 'vscode';
import { compressDataset } from './compressDataset.js';
import { compressTrace } from './compressTrace.js';
import { cotContext, type CotCommandDeps } from './jobs.js';
import { pickChatModel } from './lmAnchorModel.js';
import { TRACE_SCHEME, TraceDocuments } from './traceDocuments.js';

export type { CotCommandResult } from './compressTrace.js';
export type { CotCommandDeps, CotJobRunner } from './jobs.js';

export const COT_COMMANDS = {
  compressTrace: 'contextzip.compressReasoningTrace',
  compressDataset: 'contextzip.compressTraceDataset',
  chooseChatModel: 'contextzip.chooseTraceChatModel',
} as const;

export function registerCotCommands(context: vscode.ExtensionContext, deps: CotCommandDeps): void {
  const cx = cotContext(context, deps);
  const docs = new TraceDocuments();
  context.subscriptions.push(docs, vscode.workspace.registerTextDocumentContentProvider(TRACE_SCHEME, docs));

  deps.command(COT_COMMANDS.compressTrace, (uri?: vscode.Uri) => compressTrace(cx, docs, uri));
  deps.command(COT_COMMANDS.compressDataset, (input?: vscode.Uri, output?: vscode.Uri) =>
    compressDataset(cx, input, output),
  );
  deps.command(COT_COMMANDS.chooseChatModel, async () => {
    const m = await pickChatModel(context, true);
    if (m)
      cx.log(
        `cot: stage-1 chat model set to ${m.vendor}/${m.id} (used only when contextzip.cot.useChatModelAnchor is on)`,
      );
    else void vscode.window.showInformationMessage('ContextZip: no chat model available or none picked.');
    return m ? `${m.vendor}/${m.id}` : undefined;
  });
}
