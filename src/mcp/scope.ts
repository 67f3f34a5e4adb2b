/**
 * What an MCP tool call may read: paths confined to the roots the client declared (or the
 * server's working directory), resolved to source texts with the same collector as the CLI
 * (.gitignore, .contextzipignore, default excludes, binary/minified/oversized skips).
 */
import fs from 'node:fs';
import path from 'node:path';
import picomatch from 'picomatch';
import type { SourceText } from '../core/code/compress-sources.js';
import { UsageError } from '../core/errors.js';
import { loadSourceFiles, type LoadedFile } from '../core/files/index.js';
import type { SkippedFile } from '../core/types.js';

export interface McpScope {
  sources: SourceText[];
  skipped: SkippedFile[];
  /** The folder file labels are relative to. */
  base: string;
}

const GLOB_CHARS = /[*?[\]{}!]/;

function inside(root: string, p: string): boolean {
  return p === root || p.startsWith(root.endsWith(path.sep) ? root : root + path.sep);
}

/** The real path (symlinks resolved) of an existing path, else its lexical resolution. */
function real(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    return path.resolve(p);
  }
}

/**
 * Resolves requested paths (relative to the first root, or absolute) and globs (relative to
 * each root) to source texts. Anything outside the roots, before or after following symlinks,
 * is refused with a UsageError naming the path and the roots.
 */
export function loadMcpScope(
  requested: readonly string[] | undefined,
  roots: readonly string[],
  options: { maxFileBytes?: number } = {},
): McpScope {
  if (roots.length === 0)
    throw new UsageError('The client declared no roots, so no file may be read. Add a root (a folder) in the client.');
  const realRoots = roots.map(real);
  const rootList = roots.join(', ');
  const plain: string[] = [];
  const globs: string[] = [];
  for (const p of requested ?? roots) {
    if (GLOB_CHARS.test(p)) {
      if (path.isAbsolute(p) || p.split(/[\\/]/).includes('..'))
        throw new UsageError(`Glob patterns must be relative to a root (got "${p}"; roots: ${rootList}).`);
      globs.push(p.replace(/\\/g, '/'));
      continue;
    }
    const abs = path.resolve(roots[0], p);
    const outside = () =>
      new UsageError(`"${p}" is outside the roots this client allows (${rootList}); it was not read.`);
    if (!roots.some((r) => inside(path.resolve(r), abs))) throw outside();
    if (!fs.existsSync(abs)) throw new UsageError(`No such file or folder: ${abs}`);
    if (!realRoots.some((r) => inside(r, real(abs)))) throw outside(); // a symlink out of the roots
    plain.push(abs);
  }

  const loaded: LoadedFile[] = [];
  const skipped: Array<SkippedFile & { absPath: string }> = [];
  const load = (root: string, paths: string[], keep?: (rel: string) => boolean) => {
    const r = loadSourceFiles({ root, paths, maxFileBytes: options.maxFileBytes });
    for (const f of r.files) if (!keep || keep(f.file)) loaded.push(f);
    for (const s of r.skipped) if (!keep || keep(s.file)) skipped.push({ ...s, absPath: path.resolve(root, s.file) });
  };
  if (plain.length) load(commonDir(plain), plain);
  if (globs.length) {
    const match = picomatch(globs, { dot: false });
    for (const root of roots) load(path.resolve(root), [path.resolve(root)], (rel) => match(rel));
  }

  // One file once (a path and a glob may name the same file); labels relative to one base.
  const seen = new Set<string>();
  const files = loaded.filter((f) => !seen.has(f.absPath) && seen.add(f.absPath));
  // Labels are relative to the root (or the common folder of the roots) the files come from.
  const absRoots = roots.map((r) => path.resolve(r));
  const used = absRoots.filter((r) => files.some((f) => inside(r, f.absPath)));
  const base = commonDir(used.length ? used : absRoots);
  const label = (abs: string) => path.relative(base, abs).split(path.sep).join('/') || path.basename(abs);
  return {
    base,
    sources: files.map((f) => ({ file: label(f.absPath), text: f.text })),
    skipped: skipped.map(({ absPath, ...s }) => ({ ...s, file: label(absPath) })),
  };
}

function commonDir(paths: string[]): string {
  const dirs = paths.map((p) => (fs.existsSync(p) && fs.statSync(p).isDirectory() ? p : path.dirname(p)));
  let common = dirs[0];
  while (!dirs.every((d) => inside(common, d))) common = path.dirname(common);
  return common;
}
