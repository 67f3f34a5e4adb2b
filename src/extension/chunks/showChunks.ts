import * as vscode from 'vscode';
import { languageForPath, type LanguageId } from '../../core/chunk/index.js';
import type { ChunkedFile } from '../../core/types.js';
import type { ContextZipLog } from '../log.js';
import type { ChunkedFileEntry, ChunksTreeProvider } from '../views/chunkTree.js';
import type { ChunkerService } from './chunkerService.js';

/** VS Code language ids whose files the chunker can parse even without a telling file name. */
const vscodeLanguages: Record<string, LanguageId> = {
  javascript: 'javascript',
  javascriptreact: 'javascript',
  typescript: 'typescript',
  typescriptreact: 'tsx',
  python: 'python',
  go: 'go',
  java: 'java',
  rust: 'rust',
  c: 'c',
  cpp: 'cpp',
  csharp: 'c_sharp',
  ruby: 'ruby',
  php: 'php',
  kotlin: 'kotlin',
  shellscript: 'bash',
};

/** Label of a document in the views: workspace-relative path, or the file name outside the workspace. */
export function documentLabel(uri: vscode.Uri): string {
  const folders = vscode.workspace.workspaceFolders ?? [];
  if (vscode.workspace.getWorkspaceFolder(uri)) return vscode.workspace.asRelativePath(uri, folders.length > 1);
  return uri.path.split('/').pop() || uri.toString();
}

export function toEntry(uri: vscode.Uri, label: string, file: ChunkedFile): ChunkedFileEntry {
  return {
    uri,
    label,
    language: file.language,
    method: file.method,
    hadParseErrors: file.hadParseErrors,
    note: file.note,
    // the views never need the text; dropping it keeps large workspaces light
    chunks: file.chunks.map(({ text, ...info }) => (void text, info)),
  };
}

/**
 * "ContextZip: Show Chunks of Current File": chunks the active editor's text (unsaved edits
 * included) and shows the result in the Chunks view. Returns the chunked file (for tests and
 * other commands), or undefined when there is no editor.
 */
export async function showChunksOfDocument(
  document: vscode.TextDocument | undefined,
  deps: { chunker: ChunkerService; tree: ChunksTreeProvider; treeView: vscode.TreeView<unknown>; log: ContextZipLog },
): Promise<ChunkedFile | undefined> {
  if (!document) {
    void vscode.window.showInformationMessage('ContextZip: open a file to see its chunks.');
    return undefined;
  }
  const label = documentLabel(document.uri);
  const text = document.getText();
  const started = Date.now();
  // untitled or oddly named files: fall back on the editor's language mode
  const forced = languageForPath(label, text) === null ? vscodeLanguages[document.languageId] : undefined;
  const chunked = await deps.chunker.chunkFile(label, text, document.uri, forced);
  deps.tree.show([toEntry(document.uri, label, chunked)], { scope: 'file', label });
  const how =
    chunked.method === 'tree-sitter'
      ? `tree-sitter, ${chunked.language}`
      : `fallback: ${chunked.note ?? 'line chunks'}`;
  // the file row already says what the tree shows; the message only explains fallbacks
  deps.treeView.message = chunked.method === 'fallback' ? `${label}: ${how}` : undefined;
  deps.log.info(
    `Chunks of ${label}: ${chunked.chunks.length} chunks in ${Date.now() - started} ms (${how}${chunked.hadParseErrors ? ', syntax errors' : ''})`,
  );
  await vscode.commands.executeCommand('contextzip.chunks.focus');
  return chunked;
}
