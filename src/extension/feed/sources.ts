/**
 * What the assistant-facing features compress: the workspace, or what the user (chat
 * references) or an agent (tool `paths`) named: files, folders, globs and selections. Built on
 * the editor's own collector (compress/sources.ts), so files.exclude, contextzip.exclude,
 * .gitignore and the size limit apply the same way as in the commands. Read-only.
 */
import path from 'node:path';
import picomatch from 'picomatch';
import * as vscode from 'vscode';
import { UsageError } from '../../core/errors.js';
import { collectSources, documentLabel, type CollectedSources } from '../compress/sources.js';
import type { ContextZipLog } from '../log.js';

/** A source whose text starts at `lineOffset` lines into its document (a selection). */
export interface FeedSources extends CollectedSources {
  /** Source label -> lines to add to the engine's 1-based lines to get the document's. */
  lineOffsets: Record<string, number>;
}

/** One thing to compress: a document, a folder, a range of a document, or a glob. */
export type ScopeItem =
  | { kind: 'uri'; uri: vscode.Uri }
  | { kind: 'range'; uri: vscode.Uri; range: vscode.Range }
  | { kind: 'glob'; glob: string };

const GLOB_CHARS = /[*?[\]{}!]/;

/**
 * Tool `paths` -> scope items: globs stay globs; other entries are workspace-relative (first
 * folder holding them) or absolute, and must lie inside the workspace.
 */
export async function itemsFromPaths(paths: readonly string[]): Promise<ScopeItem[]> {
  const folders = vscode.workspace.workspaceFolders ?? [];
  if (folders.length === 0) throw new UsageError('Open a folder first: there is no workspace to compress.');
  const items: ScopeItem[] = [];
  for (const p of paths) {
    if (GLOB_CHARS.test(p)) {
      items.push({ kind: 'glob', glob: p.replace(/\\/g, '/').replace(/^\.\//, '') });
      continue;
    }
    const candidates = path.isAbsolute(p)
      ? [vscode.Uri.file(p)]
      : folders.map((f) => vscode.Uri.joinPath(f.uri, p.replace(/\\/g, '/')));
    let found: vscode.Uri | undefined;
    for (const uri of candidates) {
      if (!vscode.workspace.getWorkspaceFolder(uri) || path.relative(folderOf(uri), uri.fsPath).startsWith('..'))
        continue;
      if (await exists(uri)) {
        found = uri;
        break;
      }
    }
    if (!found) {
      const inside = candidates.some(
        (u) => vscode.workspace.getWorkspaceFolder(u) && !path.relative(folderOf(u), u.fsPath).startsWith('..'),
      );
      throw new UsageError(
        inside ? `No such file or folder in the workspace: ${p}` : `"${p}" is outside the workspace; it was not read.`,
      );
    }
    items.push({ kind: 'uri', uri: found });
  }
  return items;
}

function folderOf(uri: vscode.Uri): string {
  return vscode.workspace.getWorkspaceFolder(uri)?.uri.fsPath ?? '/';
}

async function exists(uri: vscode.Uri): Promise<boolean> {
  try {
    await vscode.workspace.fs.stat(uri);
    return true;
  } catch {
    return false;
  }
}

/** Sources for scope items (none: the whole workspace). */
export async function collectFeedSources(
  items: readonly ScopeItem[],
  options: { token: vscode.CancellationToken; log: ContextZipLog; onFile?: (done: number, total: number) => void },
): Promise<FeedSources> {
  const out: FeedSources = { sources: [], skipped: [], files: {}, scopeLabel: '', lineOffsets: {} };
  const folderFlags = await Promise.all(items.map((i) => (i.kind === 'uri' ? isFolder(i.uri) : false)));
  const needsWorkspace = items.length === 0 || items.some((i, k) => i.kind === 'glob' || folderFlags[k]);
  let workspace: CollectedSources | undefined;
  if (needsWorkspace) {
    workspace = await collectSources('workspace', { token: options.token, log: options.log, onFile: options.onFile });
  }
  if (items.length === 0 && workspace) return { ...workspace, lineOffsets: {} };

  const add = (file: string, text: string, uri: vscode.Uri, lineOffset = 0) => {
    if (out.files[file]) return;
    out.sources.push({ file, text });
    out.files[file] = uri;
    if (lineOffset) out.lineOffsets[file] = lineOffset;
  };
  const labels: string[] = [];
  for (const [k, item] of items.entries()) {
    if (options.token.isCancellationRequested) break;
    if (item.kind === 'glob') {
      const match = picomatch(item.glob, { dot: false });
      for (const s of workspace?.sources ?? []) if (match(s.file)) add(s.file, s.text, workspace!.files[s.file]);
      labels.push(item.glob);
    } else if (item.kind === 'range') {
      const doc = await vscode.workspace.openTextDocument(item.uri);
      const start = item.range.start.line;
      const end =
        item.range.end.character === 0 && item.range.end.line > start ? item.range.end.line - 1 : item.range.end.line;
      const text = doc.getText(new vscode.Range(start, 0, end, doc.lineAt(end).text.length)) + '\n';
      const label = `${documentLabel(item.uri)}:${start + 1}-${end + 1}`;
      if (text.trim()) add(label, text, item.uri, start);
      labels.push(label);
    } else if (folderFlags[k]) {
      const prefix = `${documentLabel(item.uri)}/`;
      const isRoot = vscode.workspace.workspaceFolders?.some((f) => f.uri.toString() === item.uri.toString());
      for (const s of workspace?.sources ?? [])
        if (isRoot || s.file.startsWith(prefix)) add(s.file, s.text, workspace!.files[s.file]);
      out.skipped.push(...(workspace?.skipped ?? []).filter((s) => isRoot || s.file.startsWith(prefix)));
      labels.push(isRoot ? path.posix.basename(item.uri.path) : prefix);
    } else {
      // a file named explicitly takes part even when an ignore rule would skip it in a folder
      const doc = await vscode.workspace.openTextDocument(item.uri);
      const label = documentLabel(item.uri);
      if (doc.getText().trim()) add(label, doc.getText(), item.uri);
      else out.skipped.push({ file: label, reason: 'empty', detail: 'no text' });
      labels.push(label);
    }
  }
  out.scopeLabel = labels.length <= 3 ? labels.join(', ') : `${labels.slice(0, 3).join(', ')} +${labels.length - 3}`;
  return out;
}

async function isFolder(uri: vscode.Uri): Promise<boolean> {
  try {
    return (await vscode.workspace.fs.stat(uri)).type === vscode.FileType.Directory;
  } catch {
    return false;
  }
}
