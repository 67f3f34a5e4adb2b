/** Files and folders named on the command line -> source texts relative to one root. */
import fs from 'node:fs';
import path from 'node:path';
import type { SourceText } from '../core/code/compress-sources.js';
import { UsageError } from '../core/errors.js';
import { loadSourceFiles } from '../core/files/index.js';
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
export function loadScope(paths: string[], options: { exclude: string[]; maxFileBytes: number }): Scope {
  const abs = paths.map((p) => path.resolve(p));
  for (const p of abs) if (!fs.existsSync(p)) throw new UsageError(`No such file or folder: ${p}`);
  const root = commonDir(abs);
  const { files, skipped } = loadSourceFiles({
    root,
    paths: abs,
    exclude: options.exclude,
    maxFileBytes: options.maxFileBytes,
  });
  return { root, sources: files.map((f) => ({ file: f.file, text: f.text })), skipped };
}

function commonDir(paths: string[]): string {
  const dirs = paths.map((p) => (fs.statSync(p).isDirectory() ? p : path.dirname(p)));
  let common = dirs[0];
  while (!dirs.every((d) => d === common || d.startsWith(common + path.sep))) common = path.dirname(common);
  return common;
}
