/** Files and folders named on the command line -> source texts relative to one root. */
import fs from 'node:fs';
import path from 'node:path';
import { UsageError } from '../core/errors.js';
import type { SourceText } from '../core/code/compress-sources.js';
import type { SkippedFile } from '../core/types.js';

export interface Scope {
  root: string;
  sources: SourceText[];
  skipped: SkippedFile[];
}

export function loadScope(paths: string[], options: { exclude: string[]; maxFileBytes: number }): Scope {
  const abs = paths.map((p) => path.resolve(p));
  for (const p of abs) if (!fs.existsSync(p)) throw new UsageError(`No such file or folder: ${p}`);
  const root = abs.length === 1 && fs.statSync(abs[0]).isDirectory() ? abs[0] : commonDir(abs);
  const sources: SourceText[] = [];
  const walk = (p: string) => {
    const st = fs.statSync(p);
    if (st.isDirectory()) {
      for (const e of fs.readdirSync(p).sort()) if (!e.startsWith('.') && e !== 'node_modules') walk(path.join(p, e));
    } else sources.push({ file: path.relative(root, p).split(path.sep).join('/'), text: fs.readFileSync(p, 'utf8') });
  };
  abs.forEach(walk);
  void options;
  return { root, sources, skipped: [] };
}

function commonDir(paths: string[]): string {
  const dirs = paths.map((p) => (fs.statSync(p).isDirectory() ? p : path.dirname(p)));
  let common = dirs[0];
  while (!dirs.every((d) => d === common || d.startsWith(common + path.sep))) common = path.dirname(common);
  return common;
}
