import * as vscode from 'vscode';
import type { SkippedFile } from '../../core/types.js';
import type { ContextZipLog } from '../log.js';
import type { ChunkedFileEntry, ChunksTreeProvider } from '../views/chunkTree.js';
import type { ChunkerService } from './chunkerService.js';
import { toEntry } from './showChunks.js';
import { collectWorkspaceFiles, readWorkspaceFile } from '../workspaceFiles.js';

export interface WorkspaceChunkResult {
  /** Files VS Code found after `files.exclude` and `contextzip.exclude`. */
  found: number;
  /** Found files that are not source code in a language ContextZip knows (not chunked, not listed). */
  notSource: number;
  /** Files chunked (tree-sitter or fallback). */
  chunked: number;
  chunks: number;
  /** Files not chunked, with the reason (also logged in the ContextZip output channel). */
  skipped: SkippedFile[];
  cancelled: boolean;
  entries: ChunkedFileEntry[];
  ms: number;
}

/**
 * "ContextZip: Chunk Workspace": chunks every workspace file that .gitignore, `files.exclude`,
 * `contextzip.exclude` and `contextzip.maxFileBytes` let through, with a cancellable progress
 * notification, and shows the files and chunks in the Chunks view. Read-only.
 */
export async function chunkWorkspace(deps: {
  chunker: ChunkerService;
  tree: ChunksTreeProvider;
  treeView: vscode.TreeView<unknown>;
  log: ContextZipLog;
}): Promise<WorkspaceChunkResult | undefined> {
  const { log } = deps;
  if (!vscode.workspace.workspaceFolders?.length) {
    void vscode.window.showInformationMessage('ContextZip: open a folder to chunk its files.');
    return undefined;
  }
  return vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: 'ContextZip: chunking workspace', cancellable: true },
    async (progress, token) => {
      const started = Date.now();
      progress.report({ message: 'finding files…' });
      log.info('Chunk Workspace: finding files');
      const collected = await collectWorkspaceFiles(token, log);
      const skipped: SkippedFile[] = [...collected.skipped];
      const entries: ChunkedFileEntry[] = [];
      const total = collected.files.length;
      let notSource = collected.notSource;
      let chunks = 0;
      let lastYield = Date.now();
      for (let i = 0; i < total && !token.isCancellationRequested; i++) {
        const f = collected.files[i];
        progress.report({ message: `${i + 1}/${total} files: ${f.label}`, increment: 100 / total });
        const read = await readWorkspaceFile(f);
        if (read === 'notSource') {
          notSource++;
          continue;
        }
        if ('reason' in read) {
          skipped.push(read);
          continue;
        }
        const result = await deps.chunker.chunkFile(f.label, read.text, f.uri);
        chunks += result.chunks.length;
        entries.push(toEntry(f.uri, f.label, result));
        if (result.method === 'fallback') log.info(`  ${f.label}: ${result.note ?? 'line chunks'}`);
        // keep the extension host responsive on large workspaces
        if (Date.now() - lastYield > 50) {
          await new Promise((r) => setImmediate(r));
          lastYield = Date.now();
        }
      }
      const cancelled = token.isCancellationRequested;
      entries.sort((a, b) => (a.label < b.label ? -1 : a.label > b.label ? 1 : 0));
      skipped.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
      const result: WorkspaceChunkResult = {
        found: collected.found,
        notSource,
        chunked: entries.length,
        chunks,
        skipped,
        cancelled,
        entries,
        ms: Date.now() - started,
      };
      deps.tree.show(entries, { scope: 'workspace', files: entries.length, chunks, skipped, cancelled });
      const summary = `${entries.length} files, ${chunks} chunks, ${skipped.length} skipped${cancelled ? ' (cancelled)' : ''}`;
      const other = notSource ? `; ${notSource} other files are not source code` : '';
      deps.treeView.message = `Workspace: ${summary}`;
      log.info(`Chunk Workspace: ${summary} in ${result.ms} ms${other}`);
      for (const s of skipped) log.info(`  skipped ${s.file} [${s.reason}]: ${s.detail}`);
      await vscode.commands.executeCommand('contextzip.chunks.focus');
      return result;
    },
  );
}
