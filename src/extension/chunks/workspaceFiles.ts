import picomatch from 'picomatch';
import * as vscode from 'vscode';
import type { SkippedFile } from '../../core/types.js';
import type { ContextZipLog } from '../log.js';
import { filesExcludeGlobs, readSettings } from '../settings.js';
import { loadGitignore } from './gitignore.js';

export interface WorkspaceFile {
  uri: vscode.Uri;
  folder: vscode.WorkspaceFolder;
  /** Path relative to its workspace folder (forward slashes). */
  relPath: string;
  /** Label in views and logs: relPath, prefixed with the folder name in multi-root workspaces. */
  label: string;
  maxFileBytes: number;
}

/** A glob VS Code's findFiles accepts as one exclude: `{a,b,c}` (its globs do not nest braces). */
function excludeGlob(globs: string[]): string | undefined {
  const flat = globs.filter((g) => !/[{},]/.test(g));
  if (flat.length === 0) return undefined;
  return flat.length === 1 ? flat[0] : `{${flat.join(',')}}`;
}

/**
 * Workspace files ContextZip may read: every file of every folder minus `files.exclude`,
 * `contextzip.exclude` and .gitignore'd paths. Excluded files are not listed at all
 * (the user asked for them to be invisible); .gitignore'd ones are counted in the log.
 */
export async function collectWorkspaceFiles(
  token: vscode.CancellationToken,
  log: ContextZipLog,
): Promise<{ files: WorkspaceFile[]; skipped: SkippedFile[] }> {
  const folders = vscode.workspace.workspaceFolders ?? [];
  const multi = folders.length > 1;
  const files: WorkspaceFile[] = [];
  const skipped: SkippedFile[] = [];
  for (const folder of folders) {
    if (token.isCancellationRequested) break;
    const settings = readSettings(folder);
    const globs = [...filesExcludeGlobs(folder), ...settings.exclude];
    // Passing an exclude replaces VS Code's default files.exclude handling, so both go in.
    const uris = await vscode.workspace.findFiles(
      new vscode.RelativePattern(folder, '**/*'),
      excludeGlob(globs) ?? null,
      undefined,
      token,
    );
    // Globs findFiles cannot take (nested braces) are applied here; picomatch handles them.
    const isExcluded = picomatch(globs, { dot: true });
    const ignored = await loadGitignore(folder.uri);
    let gitignored = 0;
    let excluded = 0;
    for (const uri of uris) {
      const relPath = vscode.workspace.asRelativePath(uri, false).replace(/\\/g, '/');
      const label = multi ? `${folder.name}/${relPath}` : relPath;
      if (isExcluded(relPath)) {
        excluded++;
        continue;
      }
      if (ignored(relPath)) {
        gitignored++;
        skipped.push({ file: label, reason: 'ignored', detail: '.gitignore' });
        continue;
      }
      files.push({ uri, folder, relPath, label, maxFileBytes: settings.maxFileBytes });
    }
    log.info(
      `  ${folder.name}: ${uris.length} files found, ${files.length} to chunk, ${gitignored} .gitignore'd` +
        (excluded ? `, ${excluded} excluded by globs` : '') +
        (globs.length ? ` (excludes: ${globs.join(', ')})` : ''),
    );
  }
  files.sort((a, b) => a.label.localeCompare(b.label));
  return { files, skipped };
}

const NUL_SCAN_BYTES = 8000;
/** Lines this long are not source a person wrote (bundles, minified assets, data blobs). */
const MINIFIED_LINE_CHARS = 1000;

/** Reads a file as text, or says why it is skipped (too large, binary, minified, empty, unreadable). */
export async function readWorkspaceFile(f: WorkspaceFile): Promise<{ text: string } | SkippedFile> {
  const skip = (reason: SkippedFile['reason'], detail: string): SkippedFile => ({ file: f.label, reason, detail });
  let size: number;
  try {
    size = (await vscode.workspace.fs.stat(f.uri)).size;
  } catch (err) {
    return skip('unreadable', err instanceof Error ? err.message : String(err));
  }
  if (size > f.maxFileBytes) return skip('too-large', `${size} bytes > contextzip.maxFileBytes ${f.maxFileBytes}`);
  if (size === 0) return skip('empty', '0 bytes');
  let bytes: Uint8Array;
  try {
    bytes = await vscode.workspace.fs.readFile(f.uri);
  } catch (err) {
    return skip('unreadable', err instanceof Error ? err.message : String(err));
  }
  if (bytes.subarray(0, NUL_SCAN_BYTES).includes(0)) return skip('binary', 'contains NUL bytes');
  const text = new TextDecoder('utf-8').decode(bytes);
  if (text.trim() === '') return skip('empty', 'whitespace only');
  const lines = text.split('\n');
  const longest = lines.reduce((m, l) => Math.max(m, l.length), 0);
  if (longest > MINIFIED_LINE_CHARS && text.length / lines.length > 200) {
    return skip('minified', `${lines.length} lines, longest ${longest} characters`);
  }
  return { text };
}
