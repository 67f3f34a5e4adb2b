import path from 'node:path';
import * as vscode from 'vscode';
import type { SourceText } from '../../core/code/compress-sources.js';
import { UsageError } from '../../core/errors.js';
import type { SkippedFile } from '../../core/types.js';
import { collectWorkspaceFiles, readWorkspaceFile } from '../workspaceFiles.js';
import type { ContextZipLog } from '../log.js';
import { readSettings } from '../settings.js';
import { PREVIEW_SCHEME, type CompressScope } from './runStore.js';

export interface CollectedSources {
  sources: SourceText[];
  skipped: SkippedFile[];
  /** Source label -> the document or file it came from. */
  files: Record<string, vscode.Uri>;
  scopeLabel: string;
}

/** Documents that are not source a user wrote (our own previews, output channels, settings UIs). */
const NON_SOURCE_SCHEMES = new Set([PREVIEW_SCHEME, 'output', 'vscode-settings', 'git', 'vscode-userdata']);

/**
 * The label of a document in results: its workspace-relative path (folder-prefixed in
 * multi-root workspaces), the same labels the workspace file collector uses.
 */
export function documentLabel(uri: vscode.Uri): string {
  if (uri.scheme === 'untitled') return uri.path;
  const multi = (vscode.workspace.workspaceFolders?.length ?? 0) > 1;
  const rel = vscode.workspace.asRelativePath(uri, multi).replace(/\\/g, '/');
  return path.isAbsolute(rel) ? path.basename(rel) : rel;
}

/**
 * Source texts for a scope. Open documents give their current (possibly unsaved) text;
 * other files are read from disk through the workspace collector, which honours
 * files.exclude, contextzip.exclude, .gitignore and contextzip.maxFileBytes. Read-only.
 */
export async function collectSources(
  scope: CompressScope,
  options: {
    token: vscode.CancellationToken;
    log: ContextZipLog;
    folder?: vscode.Uri;
    /** A document that must be part of the sources (the cursor's document). */
    include?: vscode.TextDocument;
    onFile?: (done: number, total: number) => void;
  },
): Promise<CollectedSources> {
  const out: CollectedSources = { sources: [], skipped: [], files: {}, scopeLabel: '' };
  const maxBytes = readSettings().maxFileBytes;
  const addDocument = (doc: vscode.TextDocument) => {
    const label = documentLabel(doc.uri);
    if (out.files[label]) return;
    const text = doc.getText();
    if (text.length > maxBytes) {
      out.skipped.push({
        file: label,
        reason: 'too-large',
        detail: `${text.length} characters > contextzip.maxFileBytes ${maxBytes}`,
      });
    } else if (text.trim() === '') {
      out.skipped.push({ file: label, reason: 'empty', detail: 'no text' });
    } else {
      out.sources.push({ file: label, text });
      out.files[label] = doc.uri;
    }
  };

  if (scope === 'file') {
    const doc = options.include ?? activeSourceDocument();
    if (!doc) throw new UsageError('Open a file in the editor first: "Current File" compresses the active editor.');
    addDocument(doc);
    out.scopeLabel = documentLabel(doc.uri);
  } else if (scope === 'openEditors') {
    const seen = new Set<string>();
    const uris: vscode.Uri[] = [];
    for (const tab of vscode.window.tabGroups.all.flatMap((g) => g.tabs)) {
      const uri = tab.input instanceof vscode.TabInputText ? tab.input.uri : undefined;
      if (!uri || NON_SOURCE_SCHEMES.has(uri.scheme) || seen.has(uri.toString())) continue;
      seen.add(uri.toString());
      uris.push(uri);
    }
    if (options.include && !seen.has(options.include.uri.toString())) uris.push(options.include.uri);
    for (let i = 0; i < uris.length && !options.token.isCancellationRequested; i++) {
      options.onFile?.(i, uris.length);
      try {
        addDocument(await vscode.workspace.openTextDocument(uris[i]));
      } catch (err) {
        out.skipped.push({ file: documentLabel(uris[i]), reason: 'unreadable', detail: errorText(err) });
      }
    }
    out.scopeLabel = `Open Editors (${out.sources.length})`;
  } else {
    if (!vscode.workspace.workspaceFolders?.length) {
      throw new UsageError(
        'Open a folder first: the workspace and folder scopes compress files of the open workspace.',
      );
    }
    const open = new Map(vscode.workspace.textDocuments.map((d) => [d.uri.toString(), d]));
    const collected = await collectWorkspaceFiles(options.token, options.log);
    let files = collected.files;
    out.skipped.push(...collected.skipped);
    if (scope === 'folder') {
      const root = options.folder;
      if (!root) throw new UsageError('Choose a folder to compress.');
      if (!vscode.workspace.getWorkspaceFolder(root)) {
        throw new UsageError(`${root.fsPath} is not inside the open workspace; choose a folder of the workspace.`);
      }
      const prefix = root.path.replace(/\/$/, '') + '/';
      files = files.filter((f) => f.uri.path.startsWith(prefix));
      const isFolderRoot = vscode.workspace.workspaceFolders.some((w) => w.uri.toString() === root.toString());
      const labelPrefix = isFolderRoot ? '' : `${documentLabel(root)}/`;
      out.skipped = out.skipped.filter((s) => s.file.startsWith(labelPrefix));
      out.scopeLabel = isFolderRoot ? `Folder ${path.posix.basename(root.path)}` : `Folder ${labelPrefix}`;
    } else {
      out.scopeLabel = 'Workspace';
    }
    let lastYield = Date.now();
    for (let i = 0; i < files.length && !options.token.isCancellationRequested; i++) {
      const f = files[i];
      options.onFile?.(i, files.length);
      const doc = open.get(f.uri.toString());
      if (doc) {
        addDocument(doc); // unsaved edits win over the file on disk
        continue;
      }
      const read = await readWorkspaceFile(f);
      if (typeof read === 'string') continue; // not source code (e.g. an extension-less data file)
      if ('reason' in read) out.skipped.push(read);
      else {
        out.sources.push({ file: f.label, text: read.text });
        out.files[f.label] = f.uri;
      }
      if (Date.now() - lastYield > 50) {
        await new Promise((r) => setImmediate(r));
        lastYield = Date.now();
      }
    }
    // the cursor's document takes part even when the collector skipped it (e.g. .gitignore'd)
    if (options.include) addDocument(options.include);
  }
  out.skipped.sort((a, b) => a.file.localeCompare(b.file));
  return out;
}

/** The active editor's document when it is source code (not one of our previews, not output). */
export function activeSourceDocument(): vscode.TextDocument | undefined {
  const doc = vscode.window.activeTextEditor?.document;
  if (!doc || NON_SOURCE_SCHEMES.has(doc.uri.scheme)) return undefined;
  return doc;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
