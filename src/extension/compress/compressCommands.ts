import * as vscode from 'vscode';
import { CancelledError, UsageError } from '../../core/errors.js';
import type { SkippedFile } from '../../core/types.js';
import type { CompressJobPayload } from '../../worker/jobs.js';
import type { ContextZipLog } from '../log.js';
import type { ModelService } from '../model/modelService.js';
import { readSettings } from '../settings.js';
import { askBudget, defaultBudget, recentBudgets, rememberBudget, type BudgetItem } from './budgetPick.js';
import { fmt, oneLine, pct } from './format.js';
import { openPreview } from './preview.js';
import type { CompressionRun, CompressScope, RunStore } from './runStore.js';
import { maskCollectedSources, withMaskNote } from './maskSources.js';
import { activeSourceDocument, collectSources, documentLabel } from './sources.js';

/**
 * Arguments that skip the prompts (tests, keybindings, other extensions). Any field left
 * out is asked for (query, scope) or taken from the settings (budget).
 */
export interface CompressArgs {
  query?: string;
  scope?: CompressScope;
  /** For scope 'folder': the folder (Uri or absolute path). */
  folder?: vscode.Uri | string;
  /** Tokens (number or {tokens}) or a kept fraction ({ratio}). */
  budget?: number | { tokens?: number; ratio?: number };
  /** Extra cancellation (the progress notification's Cancel button always works). */
  cancellation?: vscode.CancellationToken;
  /** Open the preview beside the editor (default true). */
  openPreview?: boolean;
  /** Show the result notification (default true). */
  notify?: boolean;
}

export interface CompressDeps {
  service: ModelService;
  runs: RunStore;
  log: ContextZipLog;
  /** Shows the run in the Last Run view (without taking focus). */
  revealRun: (run: CompressionRun) => Promise<void>;
  /** Recent budgets (global state). */
  state: vscode.Memento;
  /** Called with the live budget quick pick (tests drive it). */
  onBudgetPick?: (pick: vscode.QuickPick<BudgetItem>) => void;
  /** The model service's busy state while a run works (status bar). */
  setBusy?: (message: string | undefined) => void;
}

/** "ContextZip: Compress Context for Query…": query, then scope, then compress. */
export async function compressForQuery(
  deps: CompressDeps,
  args: CompressArgs = {},
): Promise<CompressionRun | undefined> {
  const query = args.query ?? (await askQuery());
  if (query === undefined) return undefined;
  if (query.trim() === '') return emptyQuery();
  const picked = args.scope ? { scope: args.scope, folder: toUri(args.folder) } : await askScope(false);
  if (!picked) return undefined;
  const budget = args.budget ?? (await pickBudget(deps, picked.scope, 'ContextZip: Compress Context — Budget'));
  if (budget === undefined) return undefined;
  return runCompression(deps, { ...args, budget, query, scope: picked.scope, folder: picked.folder });
}

async function pickBudget(deps: CompressDeps, scope: CompressScope, title: string) {
  const budget = await askBudget({
    title,
    step: 3,
    totalSteps: 3,
    def: defaultBudget(scope, readSettings()),
    recent: recentBudgets(deps.state),
    onShow: deps.onBudgetPick,
  });
  if (budget) await rememberBudget(deps.state, budget);
  return budget;
}

/** The same request as a past run, with another budget (report slider, preview title bar). */
export async function rerunCompression(
  deps: CompressDeps,
  run: CompressionRun,
  budget: number | { tokens?: number; ratio?: number } | undefined,
  args: Pick<CompressArgs, 'openPreview' | 'notify'> = {},
): Promise<CompressionRun | undefined> {
  const chosen = budget ?? (await pickBudget(deps, run.request.scope, `ContextZip: Re-run #${run.id} — Budget`));
  if (chosen === undefined) return undefined;
  const req = run.request;
  const open = async (uri: vscode.Uri | undefined) => (uri ? vscode.workspace.openTextDocument(uri) : undefined);
  const include = await open(req.include);
  const cursorDoc = req.cursor ? await open(req.cursor.uri) : undefined;
  return runCompression(deps, {
    ...args,
    query: run.query,
    scope: req.scope,
    folder: req.folder,
    include,
    budget: chosen,
    cursor: req.cursor && cursorDoc ? { doc: cursorDoc, offset: req.cursor.offset, line: req.cursor.line } : undefined,
  });
}

/** "ContextZip: Compress Current File for Query…". */
export async function compressFile(deps: CompressDeps, args: CompressArgs = {}): Promise<CompressionRun | undefined> {
  const doc = activeSourceDocument();
  if (!doc) throw new UsageError('Open a file in the editor first: this command compresses the active editor.');
  const query = args.query ?? (await askQuery(documentLabel(doc.uri)));
  if (query === undefined) return undefined;
  if (query.trim() === '') return emptyQuery();
  return runCompression(deps, { ...args, query, scope: 'file', folder: undefined, include: doc });
}

/**
 * "ContextZip: Compress Code Around Cursor": the completion scenario. The code before the
 * cursor (in its chunk) is the query; that chunk is always kept.
 */
export async function compressForCursor(
  deps: CompressDeps,
  args: CompressArgs = {},
): Promise<CompressionRun | undefined> {
  const editor = vscode.window.activeTextEditor;
  const doc = activeSourceDocument();
  if (!editor || !doc)
    throw new UsageError('Put the cursor in a source file first: this command compresses the code around it.');
  const picked = args.scope ? { scope: args.scope, folder: toUri(args.folder) } : await askScope(true);
  if (!picked) return undefined;
  const position = editor.selection.active;
  return runCompression(deps, {
    ...args,
    query: args.query ?? '',
    scope: picked.scope,
    folder: picked.folder,
    include: doc,
    cursor: { doc, offset: doc.offsetAt(position), line: position.line + 1 },
  });
}

interface RunRequest extends Omit<CompressArgs, 'folder'> {
  query: string;
  scope: CompressScope;
  folder?: vscode.Uri;
  include?: vscode.TextDocument;
  cursor?: { doc: vscode.TextDocument; offset: number; line: number };
}

const scopeTitle: Record<CompressScope, string> = {
  file: 'current file',
  openEditors: 'open editors',
  workspace: 'workspace',
  folder: 'folder',
};

async function runCompression(deps: CompressDeps, req: RunRequest): Promise<CompressionRun | undefined> {
  const { log, service } = deps;
  const settings = readSettings();
  const budget = resolveBudget(req.budget, req.scope, settings);
  const source = new vscode.CancellationTokenSource();
  const outer = req.cancellation?.onCancellationRequested(() => source.cancel());
  if (req.cancellation?.isCancellationRequested) source.cancel();
  try {
    const run = await vscode.window.withProgress(
      {
        location: vscode.ProgressLocation.Notification,
        title: `ContextZip: compressing ${scopeTitle[req.scope]}`,
        cancellable: true,
      },
      async (progress, token) => {
        const sub = token.onCancellationRequested(() => source.cancel());
        const relay = {
          report: (v: { message?: string; increment?: number }) => {
            progress.report(v);
            if (v.message) deps.setBusy?.(v.message);
          },
        };
        try {
          return await compressWithProgress(deps, req, budget, settings, relay, source.token);
        } finally {
          sub.dispose();
          deps.setBusy?.(undefined);
        }
      },
    );
    if (!run) return undefined;
    const stored = deps.runs.add(run);
    service.setLastRatio(stored.result.ratio);
    logRun(log, stored);
    await deps.revealRun(stored);
    if (req.openPreview !== false) await openPreview(stored);
    if (req.notify !== false) void notifyResult(stored);
    return stored;
  } catch (err) {
    if (err instanceof CancelledError || source.token.isCancellationRequested) {
      log.info(`Compression cancelled (${scopeTitle[req.scope]})`);
      if (req.notify !== false) void vscode.window.showInformationMessage('ContextZip: compression cancelled.');
      return undefined;
    }
    throw err;
  } finally {
    outer?.dispose();
    source.dispose();
  }
}

async function compressWithProgress(
  deps: CompressDeps,
  req: RunRequest,
  budget: CompressJobPayload['budget'],
  settings: ReturnType<typeof readSettings>,
  progress: vscode.Progress<{ message?: string; increment?: number }>,
  token: vscode.CancellationToken,
): Promise<Omit<CompressionRun, 'id' | 'uri'> | undefined> {
  let lastReport = 0;
  const report = (message: string, force = false) => {
    const now = Date.now();
    if (!force && now - lastReport < 100) return;
    lastReport = now;
    progress.report({ message });
  };
  report('Collecting files…', true);
  const collected = await collectSources(req.scope, {
    token,
    log: deps.log,
    folder: req.folder,
    include: req.include,
    onFile: (i, n) => report(`Reading files… ${i + 1}/${n}`),
  });
  if (token.isCancellationRequested) throw new CancelledError();
  if (collected.sources.length === 0) {
    const why = collected.skipped.length
      ? ` (${collected.skipped.length} skipped: ${summarizeSkipped(collected.skipped)})`
      : '';
    throw new UsageError(`No source files to compress in ${collected.scopeLabel || scopeTitle[req.scope]}${why}.`);
  }
  report('Checking for secrets…', true);
  const masked = await maskCollectedSources(collected.sources, {
    enabled: settings.maskSecrets,
    log: deps.log,
    onFile: (i, n) => report(`Checking for secrets… ${i + 1}/${n}`),
  });
  if (token.isCancellationRequested) throw new CancelledError();
  const cursor = req.cursor ? { file: documentLabel(req.cursor.doc.uri), offset: req.cursor.offset } : undefined;
  const payload: CompressJobPayload = {
    model: deps.service.payload(),
    sources: collected.sources,
    skipped: collected.skipped,
    query: req.query,
    budget,
    tokenizer: settings.tokenizer,
    beta: settings.beta,
    cursor,
    prefilter: settings.prefilter,
    ranking: settings.ranking,
    maxClassTokens: settings.maxClassTokens,
  };
  const files = collected.sources.length;
  deps.log.info(
    `Compress ${collected.scopeLabel}: ${files} file${files === 1 ? '' : 's'}, ` +
      `budget ${budget.tokens !== undefined ? `${budget.tokens} tokens` : `ratio ${budget.ratio}`}, ` +
      (cursor ? `cursor ${cursor.file}:${req.cursor!.line}` : `query "${oneLine(req.query, 80)}"`),
  );
  report(`Parsing ${files} file${files === 1 ? '' : 's'}…`, true);
  const result = await deps.service.runWithModel('compress', payload, {
    cancellation: token,
    onProgress: (p) => {
      switch (p.stage) {
        case 'load':
          return report('Loading model…', true);
        case 'download':
          return report(`Downloading ${p.message ?? 'model'}…`);
        case 'parse':
          return report(`Parsing ${files} file${files === 1 ? '' : 's'}…`);
        // percentages: the worker counts model passes, not chunks, so counts here would disagree
        // with the chunk counts of the notification and the Last Run view
        case 'coarse':
          return report(`Ranking the chunks… ${percent(p.done, p.total)}`, p.done === p.total);
        case 'fine':
          return report(`Pruning the next-best chunks… ${percent(p.done, p.total)}`, p.done === p.total);
        case 'assemble':
          return report('Assembling the context…', true);
        default:
          return report(p.message ?? p.stage);
      }
    },
  });
  // A result that arrives after Cancel was pressed is not shown: the user asked for nothing.
  if (token.isCancellationRequested) throw new CancelledError();
  return {
    query: req.query,
    scope: req.scope,
    scopeLabel: collected.scopeLabel,
    cursor: cursor ? { file: cursor.file, line: req.cursor!.line } : undefined,
    time: new Date(),
    result: withMaskNote(result, masked),
    files: collected.files,
    tokenizer: settings.tokenizer,
    request: {
      scope: req.scope,
      folder: req.folder,
      include: req.include?.uri,
      cursor: req.cursor ? { uri: req.cursor.doc.uri, offset: req.cursor.offset, line: req.cursor.line } : undefined,
    },
  };
}

function resolveBudget(
  arg: CompressArgs['budget'],
  scope: CompressScope,
  settings: ReturnType<typeof readSettings>,
): CompressJobPayload['budget'] {
  if (typeof arg === 'number') return { tokens: arg };
  if (arg && (arg.tokens !== undefined || arg.ratio !== undefined)) return arg;
  return defaultBudget(scope, settings);
}

async function askQuery(file?: string): Promise<string | undefined> {
  const editor = vscode.window.activeTextEditor;
  const selected = editor && !editor.selection.isEmpty ? editor.document.getText(editor.selection) : '';
  return vscode.window.showInputBox({
    title: file ? `ContextZip: Compress ${file}` : 'ContextZip: Compress Context',
    prompt: 'What is the context for? A question, an instruction, or the task at hand.',
    placeHolder: 'e.g. How are shapes checked for containment?',
    value: oneLine(selected, 2000),
    ignoreFocusOut: true,
  });
}

function emptyQuery(): undefined {
  void vscode.window.showWarningMessage(
    'ContextZip: the query is empty. Say what the context is for (a question or an instruction), or use "Compress Code Around Cursor".',
  );
  return undefined;
}

async function askScope(cursor: boolean): Promise<{ scope: CompressScope; folder?: vscode.Uri } | undefined> {
  type Item = vscode.QuickPickItem & { scope: CompressScope };
  const doc = activeSourceDocument();
  const folders = vscode.workspace.workspaceFolders ?? [];
  const tabs = vscode.window.tabGroups.all
    .flatMap((g) => g.tabs)
    .filter(
      (t) =>
        t.input instanceof vscode.TabInputText && (t.input.uri.scheme === 'file' || t.input.uri.scheme === 'untitled'),
    );
  const items: Item[] = [];
  const workspace: Item = {
    scope: 'workspace',
    label: '$(root-folder) Workspace',
    description: folders.map((f) => f.name).join(', ') || 'no folder open',
    detail: 'Every file, minus files.exclude, contextzip.exclude and .gitignore',
  };
  if (cursor) items.push(workspace);
  if (doc) items.push({ scope: 'file', label: '$(file-code) Current File', description: documentLabel(doc.uri) });
  items.push({
    scope: 'openEditors',
    label: '$(files) Open Editors',
    description: `${tabs.length} editor${tabs.length === 1 ? '' : 's'}`,
  });
  if (!cursor) items.push(workspace);
  if (folders.length > 0)
    items.push({ scope: 'folder', label: '$(folder) Folder…', description: 'a folder of the workspace' });
  const picked = await vscode.window.showQuickPick(items, {
    title: cursor ? 'ContextZip: Context for the Code at the Cursor' : 'ContextZip: What to Compress',
    placeHolder: 'Scope',
  });
  if (!picked) return undefined;
  if (picked.scope !== 'folder') return { scope: picked.scope };
  const uris = await vscode.window.showOpenDialog({
    canSelectFolders: true,
    canSelectFiles: false,
    canSelectMany: false,
    defaultUri: folders[0]?.uri,
    openLabel: 'Compress This Folder',
    title: 'ContextZip: folder to compress',
  });
  return uris?.[0] ? { scope: 'folder', folder: uris[0] } : undefined;
}

async function notifyResult(run: CompressionRun): Promise<void> {
  const r = run.result;
  const pick = await vscode.window.showInformationMessage(
    `ContextZip: compressed ${fmt(r.originalTokens)} → ${fmt(r.compressedTokens)} tokens (${pct(r.ratio)}) · ${chunkCounts(r.chunks)}` +
      (r.warnings?.length ? ` · ${r.warnings.join(' ')}` : ''),
    'Copy to Clipboard',
    'Show Report',
  );
  if (pick === 'Copy to Clipboard') await vscode.commands.executeCommand('contextzip.copyLastResult', run.id);
  else if (pick === 'Show Report') await showReport(run);
}

async function showReport(run: CompressionRun): Promise<void> {
  await vscode.commands.executeCommand('contextzip.showRunReport', run.id);
}

/** "3 kept · 2 partial · 10 dropped of 15 chunks": the same words in the notification, the views and the report. */
export function chunkCounts(chunks: ReadonlyArray<{ status: string }>): string {
  const n = (s: string) => chunks.filter((c) => c.status === s).length;
  return `${n('kept')} kept · ${n('partial')} partial · ${n('dropped')} dropped of ${chunks.length} chunks`;
}

function logRun(log: ContextZipLog, run: CompressionRun): void {
  const r = run.result;
  const count = (s: string) => r.chunks.filter((c) => c.status === s).length;
  log.info(
    [
      `Compressed #${run.id} (${run.scopeLabel}): ${r.originalTokens} -> ${r.compressedTokens} tokens (${(r.ratio * 100).toFixed(1)}%, budget ${r.budget}, ${run.tokenizer})`,
      `  chunks: ${r.chunks.length} total, ${count('kept')} kept, ${count('partial')} partial, ${count('dropped')} dropped`,
      `  model: ${r.model.id} (${r.model.dtype}), ${r.modelTokensProcessed} model tokens; ${r.timings.totalMs.toFixed(0)} ms`,
      ...(r.skipped ?? []).map((s) => `  skipped ${s.file}: ${s.reason} (${s.detail})`),
    ].join('\n'),
  );
}

function percent(done: number, total: number): string {
  return total > 0 ? `${Math.floor((100 * done) / total)}%` : '';
}

function summarizeSkipped(skipped: SkippedFile[]): string {
  const byReason = new Map<string, number>();
  for (const s of skipped) byReason.set(s.reason, (byReason.get(s.reason) ?? 0) + 1);
  return [...byReason].map(([k, n]) => `${n} ${k}`).join(', ');
}

function toUri(folder: vscode.Uri | string | undefined): vscode.Uri | undefined {
  if (folder === undefined) return undefined;
  return typeof folder === 'string' ? vscode.Uri.file(folder) : folder;
}
