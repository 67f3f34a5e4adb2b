import * as vscode from 'vscode';
import { languageForPath } from '../core/chunk/index.js';
import { classifySourceBytes, collectSourceFiles } from '../core/files/index.js';
import type { SkippedFile } from '../core/types.js';
import type { ContextZipLog } from './log.js';
import { filesExcludeGlobs, readSettings } from './settings.js';

export interface WorkspaceFile {
  uri: vscode.Uri;
  folder: vscode.WorkspaceFolder;
  /** Path relative to its workspace folder (forward slashes). */
  relPath: string;
  /** Label in views and logs: relPath, prefixed with the folder name in multi-root workspaces. */
  label: string;
  maxFileBytes: number;
}

export interface CollectedWorkspaceFiles {
  /** Source files to chunk, sorted by label. */
  files: WorkspaceFile[];
  /** Files found but not chunked: ignored (.gitignore, .contextzipignore, default excludes) or too large. */
  skipped: SkippedFile[];
  /** Files found by VS Code (after `files.exclude` and `contextzip.exclude`). */
  found: number;
  /** Files that are not source code in a language ContextZip knows (e.g. README.md, images). */
  notSource: number;
}

/** One exclude glob for findFiles: `{a,b,c}` (VS Code's globs do not nest braces). */
function excludeGlob(globs: string[]): string | null {
  const flat = globs.filter((g) => !/[{},]/.test(g));
  if (flat.length === 0) return null;
  return flat.length === 1 ? flat[0] : `{${flat.join(',')}}`;
}

/**
 * The workspace's source files, the way the CLI sees a folder plus the editor's own excludes:
 * VS Code lists the files (`files.exclude` and `contextzip.exclude` applied), and the core
 * files module decides what a developer means by "my code" (.gitignore, .contextzipignore,
 * default excludes such as node_modules/ and lock files, `contextzip.maxFileBytes`).
 */
export async function collectWorkspaceFiles(
  token: vscode.CancellationToken,
  log: ContextZipLog,
): Promise<CollectedWorkspaceFiles> {
  const folders = vscode.workspace.workspaceFolders ?? [];
  const multi = folders.length > 1;
  const out: CollectedWorkspaceFiles = { files: [], skipped: [], found: 0, notSource: 0 };
  for (const folder of folders) {
    if (token.isCancellationRequested) break;
    const settings = readSettings(folder);
    const globs = [...filesExcludeGlobs(folder), ...settings.exclude];
    const labelOf = (rel: string) => (multi ? `${folder.name}/${rel}` : rel);
    const uris = await vscode.workspace.findFiles(
      new vscode.RelativePattern(folder, '**/*'),
      excludeGlob(globs),
      undefined,
      token,
    );
    // .gitignore & co. are decided by the core collector (file system folders only).
    let allowed: Set<string> | undefined;
    const tooLarge = new Map<string, SkippedFile>();
    if (folder.uri.scheme === 'file') {
      const core = collectSourceFiles({
        root: folder.uri.fsPath,
        exclude: globs,
        maxFileBytes: settings.maxFileBytes,
        include: 'all',
      });
      allowed = new Set(core.files);
      for (const s of core.skipped) tooLarge.set(s.file, { ...s, file: labelOf(s.file) });
    } else {
      log.info(`  ${folder.name}: not on disk (${folder.uri.scheme}:), .gitignore not applied`);
    }
    let ignored = 0;
    let files = 0;
    let notSource = 0;
    for (const uri of uris) {
      const relPath = vscode.workspace.asRelativePath(uri, false).replace(/\\/g, '/');
      const label = labelOf(relPath);
      const large = tooLarge.get(relPath);
      if (large) {
        out.skipped.push(large);
        continue;
      }
      if (allowed && !allowed.has(relPath)) {
        ignored++;
        out.skipped.push({
          file: label,
          reason: 'ignored',
          detail: '.gitignore, .contextzipignore or default excludes',
        });
        continue;
      }
      // extension-less files may still be scripts (#! line): decided after reading
      if (!languageForPath(relPath) && /\.[^/]+$/.test(relPath)) {
        notSource++;
        continue;
      }
      files++;
      out.files.push({ uri, folder, relPath, label, maxFileBytes: settings.maxFileBytes });
    }
    out.found += uris.length;
    out.notSource += notSource;
    log.info(
      `  ${folder.name}: ${uris.length} files found, ${files} source files to chunk, ${ignored} ignored, ` +
        `${notSource} not source code` +
        (globs.length ? ` (excludes: ${globs.join(', ')})` : ''),
    );
  }
  out.files.sort((a, b) => (a.label < b.label ? -1 : a.label > b.label ? 1 : 0));
  return out;
}

/**
 * Reads a workspace file and classifies it like the CLI does (too large, empty, binary,
 * minified), or returns its text. `notSource` for extension-less files without a known `#!`.
 */
export async function readWorkspaceFile(f: WorkspaceFile): Promise<{ text: string } | SkippedFile | 'notSource'> {
  let bytes: Uint8Array;
  try {
    const size = (await vscode.workspace.fs.stat(f.uri)).size;
    if (size > f.maxFileBytes) {
      return { file: f.label, reason: 'too-large', detail: `${size} bytes is over the ${f.maxFileBytes} bytes limit` };
    }
    bytes = await vscode.workspace.fs.readFile(f.uri);
  } catch (err) {
    return { file: f.label, reason: 'unreadable', detail: err instanceof Error ? err.message : String(err) };
  }
  const r = classifySourceBytes(bytes, f.label, { maxFileBytes: f.maxFileBytes });
  if (!r.ok) return r.skipped;
  if (!languageForPath(f.relPath, r.text)) return 'notSource';
  return { text: r.text };
}
