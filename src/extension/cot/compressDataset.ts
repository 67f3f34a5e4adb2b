/**
 * "ContextZip: Compress Trace Data Set…": pick a JSONL and an output path (or pass both), run
 * the batch job in the model worker with a cancellable progress notification, log the summary
 * and the unusable lines. A cancelled run resumes when started again with the same output.
 */
import * as vscode from 'vscode';
import type { CotBatchJobResult } from '../../core/cot/jobs.js';
import { readSettings } from '../settings.js';
import type { CotContext } from './jobs.js';

/** With (input, output) URIs (tests, other commands): no dialogs. */
export async function compressDataset(
  cx: CotContext,
  inputArg?: vscode.Uri,
  outputArg?: vscode.Uri,
): Promise<CotBatchJobResult | undefined> {
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
  cx.log(
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
      return cx.run(
        'cotBatch',
        {
          model: cx.modelSpec(),
          input: input.fsPath,
          output: output.fsPath,
          fields,
          ratio: settings.cotRatio,
          tokenizer: cx.tokenizerFor(),
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
  logSummary(cx, input, summary);
  const open = 'Open Output';
  const showLog = 'Show Log';
  void vscode.window
    .showInformationMessage(
      `ContextZip: ${summary.cancelled ? 'cancelled; ' : ''}${summary.traces} traces compressed (${summary.tokensBefore > 0 ? (100 * summary.ratio).toFixed(1) : '-'}% of tokens), ${summary.skipped} skipped.`,
      open,
      showLog,
    )
    .then((choice) => {
      const out = cx.deps.output;
      if (choice === open) void vscode.window.showTextDocument(output);
      else if (choice === showLog && 'show' in out) (out as { show(preserveFocus?: boolean): void }).show(true);
    });
  return summary;
}

function logSummary(cx: CotContext, input: vscode.Uri, summary: CotBatchJobResult): void {
  const d = summary.ratioDistribution;
  if (summary.cancelled)
    cx.log(
      `cot-batch: cancelled at line ${summary.line} of ${summary.totalLines}; run the command again with the same output to resume.`,
    );
  cx.log(
    `cot-batch: ${summary.traces} traces compressed, ${summary.skipped} skipped (${summary.skippedExisting} already in output, ${summary.bad} bad lines, ${summary.failed} failed); ` +
      `tokens ${summary.tokensBefore} -> ${summary.tokensAfter}` +
      (d
        ? `; per-trace ratio min ${d.min.toFixed(3)} p25 ${d.p25.toFixed(3)} median ${d.median.toFixed(3)} p75 ${d.p75.toFixed(3)} max ${d.max.toFixed(3)}`
        : '') +
      `; ${summary.tracesPerMinute.toFixed(1)} traces/min`,
  );
  for (const b of summary.badLines) cx.log(`cot-batch: ${input.fsPath}:${b.line}: ${b.reason}; skipped`);
}
