/** Files and folders named on the command line -> source texts relative to one root. */
import fs from 'node:fs';
import path from 'node:path';
import type { SourceText } from '../core/code/compress-sources.js';
import { lineSafeFileName } from '../core/code/markers.js';
import { UsageError } from '../core/errors.js';
import { loadSourceFiles, type CollectOptions } from '../core/files/index.js';
import type { SkippedFile } from '../core/types.js';

export interface Scope {
  root: string;
  sources: SourceText[];
  skipped: SkippedFile[];
}

/**
 * The root is the single folder given, or the deepest folder holding every path; file names
 * in the output are relative to it. Folders respect .gitignore, .contextzipignore and the
 * default excludes; binary, minified and oversized files are skipped with a reason.
 */
export function loadScope(
  paths: string[],
  options: {
    exclude: string[];
    maxFileBytes: number;
    followSymlinks?: boolean;
    onProgress?: CollectOptions['onProgress'];
  },
): Scope {
  const abs = paths.map((p) => path.resolve(p));
  for (const p of abs) if (!fs.existsSync(p)) throw new UsageError(`No such file or folder: ${p}`);
  const root = commonDir(abs);
  const { files, skipped } = loadSourceFiles({
    root,
    paths: abs,
    exclude: options.exclude,
    maxFileBytes: options.maxFileBytes,
    followSymlinks: options.followSymlinks,
    onProgress: options.onProgress,
  });
  return { root, sources: files.map((f) => ({ file: f.file, text: f.text })), skipped };
}

/**
 * Why nothing could be read, in one line: with a single skipped file its reason, else the
 * count of skipped files by reason (each file is listed on stderr as well).
 */
export function noSourcesMessage(paths: string[], skipped: SkippedFile[]): string {
  const where = `No source files found in ${paths.join(', ')}`;
  if (skipped.length === 0) return `${where}.`;
  if (skipped.length === 1) return `${where}: ${lineSafeFileName(skipped[0].file)} was skipped (${skipped[0].detail}).`;
  const byReason = new Map<string, number>();
  for (const s of skipped) byReason.set(s.reason, (byReason.get(s.reason) ?? 0) + 1);
  const counts = [...byReason].map(([reason, n]) => `${n} ${reason}`).join(', ');
  return `${where} (${skipped.length} skipped: ${counts}).`;
}

function commonDir(paths: string[]): string {
  const dirs = paths.map((p) => (fs.statSync(p).isDirectory() ? p : path.dirname(p)));
  let common = dirs[0];
  while (!dirs.every((d) => d === common || d.startsWith(common + path.sep))) common = path.dirname(common);
  return common;
}
