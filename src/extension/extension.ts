/**
 * The VS Code layer's single entry point: every command, view and provider is registered
 * here, in one place, so the contributions in package.json and their implementations are
 * easy to match. Features live in their own folders (chunks/, views/, ...) and receive what
 * they need (log, chunker, views) as arguments; none of them registers itself.
 */
import * as vscode from 'vscode';
import { commandRegistrar } from './commands.js';
import { ChunkerService } from './chunks/chunkerService.js';
import { chunkWorkspace, type WorkspaceChunkResult } from './chunks/chunkWorkspace.js';
import { revealChunk } from './chunks/revealChunk.js';
import { showChunksOfDocument } from './chunks/showChunks.js';
import { registerCompressFeatures, type CompressFeatures } from './compress/index.js';
import { registerCotCommands } from './cot/index.js';
import { registerFeedFeatures, type FeedFeatures } from './feed/index.js';
import { registerInspectFeatures } from './inspect/index.js';
import { registerInlineFeatures } from './inline/index.js';
import type { InlineResults } from './inline/inlineResults.js';
import { ContextZipLog } from './log.js';
import { registerModelFeatures, type ModelFeatures } from './model/index.js';
import { ChunksTreeProvider, type ChunkTreeNode } from './views/chunkTree.js';
import { EmptyTreeProvider, placeholderViews } from './views/placeholders.js';
import { revealSettled } from './views/revealSettled.js';
import type { ChunkedFile } from '../core/types.js';

/**
 * What `activate` returns (`vscode.extensions.getExtension('contextzip.contextzip').exports`):
 * used by the integration tests to read real view state, and by nothing else.
 */
export interface ContextZipApi {
  readonly log: ContextZipLog;
  readonly chunksTree: ChunksTreeProvider;
  readonly chunksView: vscode.TreeView<ChunkTreeNode>;
  /** Model worker, status bar item and Model view (src/extension/model/). */
  readonly model: ModelFeatures;
  /** Compression runs, Last Run and History views, run report (src/extension/compress/, report/). */
  readonly compress: CompressFeatures;
  /** Decorations, CodeLens and hover of the last run in source editors (src/extension/inline/). */
  readonly inline: InlineResults;
  /** @contextzip, the LM tools, the MCP server definition, copy with header (src/extension/feed/). */
  readonly feed: FeedFeatures;
}

export function activate(context: vscode.ExtensionContext): ContextZipApi {
  const log = new ContextZipLog();
  const chunker = new ChunkerService(context.extensionPath, log);
  const chunksTree = new ChunksTreeProvider();
  const chunksView = vscode.window.createTreeView('contextzip.chunks', {
    treeDataProvider: chunksTree,
    showCollapseAll: true,
  });
  const chunkDeps = { chunker, tree: chunksTree, treeView: chunksView as vscode.TreeView<unknown>, log };
  context.subscriptions.push(log, chunker, chunksView);

  // Views whose providers other features will supply; until then they show their welcome text.
  for (const id of placeholderViews) {
    context.subscriptions.push(vscode.window.registerTreeDataProvider(id, new EmptyTreeProvider()));
  }

  const command = commandRegistrar(context, log);

  command('contextzip.showChunks', (): Promise<ChunkedFile | undefined> =>
    showChunksOfDocument(vscode.window.activeTextEditor?.document, chunkDeps),
  );
  command('contextzip.chunkWorkspace', (): Promise<WorkspaceChunkResult | undefined> => chunkWorkspace(chunkDeps));
  command('contextzip.clearChunks', () => {
    chunksTree.clear();
    chunksView.message = undefined;
  });
  command('contextzip.showOutput', () => log.show(false));
  command('contextzip.revealChunk', (uri: vscode.Uri, startLine: number, endLine: number) =>
    revealChunk(uri, startLine, endLine),
  );

  // Keep the tree's selection on the chunk under the cursor while it shows that file.
  context.subscriptions.push(
    vscode.window.onDidChangeTextEditorSelection((e) => {
      if (!chunksView.visible || e.kind === vscode.TextEditorSelectionChangeKind.Command) return;
      const { uri } = e.textEditor.document;
      const line = e.selections[0].active.line + 1;
      // Right after Show Chunks the view may still be refreshing: revealSettled waits for it.
      void revealSettled(chunksView, chunksTree.refresh, () => chunksTree.findChunkAt(uri, line), {
        select: true,
        focus: false,
      }).catch((err: unknown) => log.info(`Chunks view: revealing the chunk at the cursor failed: ${String(err)}`));
    }),
  );

  const model = registerModelFeatures(context, { log, command });
  const compress = registerCompressFeatures(context, { log, command, service: model.modelService });
  const inline = registerInlineFeatures(context, { runs: compress.runs, command });
  // Reasoning traces run in the same model worker, with the same loaded model and score cache.
  registerCotCommands(context, {
    output: log,
    command,
    worker: { run: (job, payload, options) => model.modelService.runWithModel(job, payload, options) },
    modelSpec: () => model.modelService.payload(),
  });

  // Model-file inspection and variant evaluation: jobs in the same worker, own scorers.
  registerInspectFeatures(context, {
    log,
    command,
    run: (job, payload, options) => model.modelService.client.run(job, payload, options),
    modelSpec: () => model.modelService.payload(),
  });
  // Context-menu entries: menus show no category, so these carry the "ContextZip:" prefix in their titles.
  const alias = (id: string, target: string, passUri: boolean) =>
    command(id, (uri?: vscode.Uri) =>
      passUri && uri instanceof vscode.Uri
        ? vscode.commands.executeCommand(target, uri)
        : vscode.commands.executeCommand(target),
    );
  alias('contextzip.editor.compressFile', 'contextzip.compressFile', false);
  alias('contextzip.editor.compressForCursor', 'contextzip.compressForCursor', false);
  alias('contextzip.editor.compressReasoningTrace', 'contextzip.compressReasoningTrace', true);
  alias('contextzip.explorer.compressReasoningTrace', 'contextzip.compressReasoningTrace', true);

  const feed = registerFeedFeatures(context, { log, command, service: model.modelService, runs: compress.runs });

  // Preload the active file's grammar and the tokenizer once the host is idle.
  const warmUp = setTimeout(() => void chunker.warmUp(vscode.window.activeTextEditor?.document), 1500);
  context.subscriptions.push({ dispose: () => clearTimeout(warmUp) });

  log.info(`ContextZip ${String(context.extension.packageJSON.version)} activated (VS Code ${vscode.version})`);
  return { log, chunksTree, chunksView, model, compress, inline, feed };
}

export function deactivate(): void {}
