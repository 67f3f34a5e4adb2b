/**
 * Collecting the source files of a scope (files and folders under a root), the way a
 * developer expects: .gitignore files (nested ones too, and those above the root up to the
 * repository root), `.contextzipignore` files (same syntax), exclude globs, default
 * excludes (dependencies, build output, caches, lock files, minified bundles) and a size
 * limit. Deterministic order (sorted relative paths). Never throws for unreadable entries:
 * they are reported in `skipped`.
 */
import fs from 'node:fs';
import path from 'node:path';
import ignore, { type Ignore } from 'ignore';
import picomatch from 'picomatch';
import { languageForPath } from '../chunk/languages.js';
import type { SkippedFile } from '../types.js';
import { DEFAULT_MAX_FILE_BYTES, readSourceFile, type ReadOptions } from './read.js';
import { SECRET_FILE_EXCLUDES } from './secrets.js';

/** gitignore-syntax patterns excluded unless `defaultExcludes: false`. */
export const DEFAULT_EXCLUDES: readonly string[] = [
  'node_modules/',
  '.git/',
  '.hg/',
  '.svn/',
  'dist/',
  'build/',
  'out/',
  'vendor/',
  '__pycache__/',
  '.venv/',
  'venv/',
  '.tox/',
  '.mypy_cache/',
  '.pytest_cache/',
  '.next/',
  'coverage/',
  '*.min.js',
  '*.min.css',
  '*.min.mjs',
  '*.bundle.js',
  '*.map',
  '*.pyc',
  'package-lock.json',
  'npm-shrinkwrap.json',
  'yarn.lock',
  'pnpm-lock.yaml',
  'bun.lockb',
  'Cargo.lock',
  'poetry.lock',
  'Pipfile.lock',
  'uv.lock',
  'Gemfile.lock',
  'composer.lock',
  'go.sum',
  '*.lock',
  // files that hold secrets by their name (see secrets.ts)
  ...SECRET_FILE_EXCLUDES,
];

export const IGNORE_FILES: readonly string[] = ['.gitignore', '.contextzipignore'];

export interface CollectOptions extends ReadOptions {
  /** Scope root; results are relative to it with forward slashes. */
  root: string;
  /** Files and folders to collect (absolute or relative to root). Default: the root itself. */
  paths?: readonly string[];
  /** Globs (picomatch) on relative paths; a glob without `/` also matches any basename. */
  exclude?: readonly string[];
  /** Honour .gitignore files. Default true. */
  gitignore?: boolean;
  /** Honour .contextzipignore files. Default true. */
  contextzipIgnore?: boolean;
  /** Apply DEFAULT_EXCLUDES. Default true. */
  defaultExcludes?: boolean;
  /**
   * Which files found in folders to keep: 'source' (a language the chunker knows, by
   * extension or `#!` line; default) or 'all'. Files named explicitly are always kept.
   */
  include?: 'source' | 'all';
  /**
   * Follow symbolic links in folders whose target lies outside the scanned folders. Default
   * false: such links are skipped with reason 'symlink' (a link like `r/x.py -> /etc/passwd`
   * must not put a file from elsewhere into the output). Links inside the scanned folders are
   * always read; symlinked folders are never walked (cycles).
   */
  followSymlinks?: boolean;
  /**
   * Progress: 'scan' with the files found so far (total 0: not known yet), then 'read' with
   * files read of the total (loadSourceFiles). Called synchronously during the scan.
   */
  onProgress?: (stage: 'scan' | 'read', done: number, total: number) => void;
}

export interface CollectedFiles {
  /** Relative paths (forward slashes), sorted. */
  files: string[];
  skipped: SkippedFile[];
}

interface Matcher {
  /** Turns a root-relative path into a path relative to the ignore file's folder, or null if outside it. */
  local: (rel: string) => string | null;
  ig: Ignore;
}

const toPosix = (p: string) => p.split(path.sep).join('/');

function readIgnoreFile(file: string): Ignore | null {
  try {
    const text = fs.readFileSync(file, 'utf8');
    return ignore({ allowRelativePaths: true }).add(text);
  } catch {
    return null;
  }
}

function isIgnored(matchers: readonly Matcher[], rel: string, isDir: boolean): boolean {
  let ignored = false;
  for (const m of matchers) {
    const local = m.local(rel);
    if (local === null || local === '') continue;
    const r = m.ig.test(isDir ? `${local}/` : local);
    if (r.ignored) ignored = true;
    else if (r.unignored) ignored = false;
  }
  return ignored;
}

function hasShebang(abs: string): string | null {
  try {
    const fd = fs.openSync(abs, 'r');
    try {
      const buf = Buffer.alloc(200);
      const n = fs.readSync(fd, buf, 0, 200, 0);
      const head = buf.subarray(0, n).toString('utf8');
      return head.startsWith('#!') ? head.split('\n')[0] : null;
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return null;
  }
}

/** Collects files for a scope; see CollectOptions. */
export function collectSourceFiles(options: CollectOptions): CollectedFiles {
  const root = path.resolve(options.root);
  const maxBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  const ignoreNames = IGNORE_FILES.filter((n) =>
    n === '.gitignore' ? options.gitignore !== false : options.contextzipIgnore !== false,
  );
  const defaults =
    options.defaultExcludes === false ? null : ignore({ allowRelativePaths: true }).add([...DEFAULT_EXCLUDES]);
  const globs = options.exclude ?? [];
  const withSlash = globs.filter((g) => g.includes('/'));
  const bare = globs.filter((g) => !g.includes('/'));
  const excludeFull = withSlash.length > 0 ? picomatch(withSlash, { dot: true }) : null;
  const excludeBase = bare.length > 0 ? picomatch(bare, { dot: true, basename: true }) : null;
  const excluded = (rel: string) => (excludeFull?.(rel) ?? false) || (excludeBase?.(rel) ?? false);

  const files = new Set<string>();
  const skipped: SkippedFile[] = [];
  // Real paths of the folders being scanned: a symlink found in them must point inside one.
  const scannedRoots: string[] = [];
  for (const p of options.paths && options.paths.length > 0 ? options.paths : [root]) {
    try {
      const real = fs.realpathSync(path.resolve(root, p));
      if (fs.statSync(real).isDirectory()) scannedRoots.push(real);
    } catch {
      // reported below as unreadable
    }
  }
  const insideScannedRoots = (real: string) =>
    scannedRoots.some((r) => real === r || real.startsWith(r.endsWith(path.sep) ? r : r + path.sep));
  const relOf = (abs: string) => toPosix(path.relative(root, abs)) || '.';

  const ignoreCache = new Map<string, Matcher[]>();
  /** Matchers from ignore files in `dirAbs` itself. */
  const own = (dirAbs: string): Matcher[] => {
    let ms = ignoreCache.get(dirAbs);
    if (!ms) {
      ms = [];
      const dirRel = toPosix(path.relative(root, dirAbs));
      for (const name of ignoreNames) {
        const ig = readIgnoreFile(path.join(dirAbs, name));
        if (!ig) continue;
        const local =
          dirRel === ''
            ? (rel: string) => rel
            : dirRel.startsWith('..')
              ? (rel: string) => toPosix(path.relative(dirAbs, path.join(root, rel)))
              : (rel: string) => (rel.startsWith(`${dirRel}/`) ? rel.slice(dirRel.length + 1) : null);
        ms.push({ local, ig });
      }
      ignoreCache.set(dirAbs, ms);
    }
    return ms;
  };

  // Ignore files above the root count, up to the repository root (the folder with .git).
  const aboveRoot: string[] = [];
  for (let dir = root; ;) {
    if (fs.existsSync(path.join(dir, '.git'))) {
      for (let d = path.dirname(root); dir !== root && d.length >= dir.length; d = path.dirname(d)) {
        aboveRoot.unshift(d);
        if (d === dir) break;
      }
      break;
    }
    const up = path.dirname(dir);
    if (up === dir) break;
    dir = up;
  }

  /** All matchers that apply to entries of `dirAbs`: repository root down to `dirAbs` itself. */
  const matchersFor = (dirAbs: string): Matcher[] => {
    const rel = path.relative(root, dirAbs);
    if (rel.startsWith('..') || path.isAbsolute(rel)) return aboveRoot.filter((d) => dirAbs.startsWith(d)).flatMap(own);
    const chain: string[] = [...aboveRoot, root];
    let d = root;
    for (const part of rel ? rel.split(path.sep) : []) {
      d = path.join(d, part);
      chain.push(d);
    }
    return chain.flatMap(own);
  };

  const keepByContent = (abs: string, name: string): boolean => {
    if (options.include === 'all') return true;
    if (languageForPath(name)) return true;
    if (path.extname(name) !== '') return false;
    const line = hasShebang(abs);
    return line !== null && languageForPath(name, line) !== null;
  };

  const addFile = (abs: string, rel: string, size: number) => {
    if (size > maxBytes) {
      skipped.push({
        file: rel,
        reason: 'too-large',
        detail: `${(size / 1024).toFixed(0)} KB is over the ${(maxBytes / 1024).toFixed(0)} KB limit`,
      });
      return;
    }
    files.add(rel);
    options.onProgress?.('scan', files.size, 0);
  };

  /**
   * `matchers` already include the ignore files of `dirAbs`; default excludes are checked on
   * paths relative to `base` (the folder named by the caller), so naming a folder inside
   * e.g. node_modules explicitly still lists it.
   */
  const walk = (dirAbs: string, matchers: Matcher[], base: string) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dirAbs, { withFileTypes: true });
    } catch (err) {
      skipped.push({
        file: `${relOf(dirAbs)}/`,
        reason: 'unreadable',
        detail: `cannot list folder (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
      });
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const ent of entries) {
      const abs = path.join(dirAbs, ent.name);
      const rel = relOf(abs);
      let isDir = ent.isDirectory();
      let isFile = ent.isFile();
      let size = -1;
      let linkTarget: string | null = null;
      if (ent.isSymbolicLink()) {
        try {
          linkTarget = fs.realpathSync(abs);
          const st = fs.statSync(linkTarget);
          isFile = st.isFile();
          isDir = false; // symlinked folders are not followed (cycles)
          size = st.size;
        } catch {
          continue; // dangling link
        }
      }
      if (!isDir && !isFile) continue;
      const baseRel = base === '' ? rel : toPosix(path.relative(base, abs));
      if (defaults?.ignores(isDir ? `${baseRel}/` : baseRel)) continue;
      if (isIgnored(matchers, rel, isDir)) continue;
      if (excluded(rel)) continue;
      if (isDir) {
        walk(abs, [...matchers, ...own(abs)], base);
        continue;
      }
      if (linkTarget !== null && options.followSymlinks !== true && !insideScannedRoots(linkTarget)) {
        skipped.push({
          file: rel,
          reason: 'symlink',
          detail: `symbolic link to ${linkTarget}, outside the scanned folders (not followed; allow with --follow-symlinks)`,
        });
        continue;
      }
      if (!keepByContent(abs, ent.name)) continue;
      if (size < 0) {
        try {
          size = fs.statSync(abs).size;
        } catch (err) {
          skipped.push({
            file: rel,
            reason: 'unreadable',
            detail: `cannot stat (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
          });
          continue;
        }
      }
      addFile(abs, rel, size);
    }
  };

  for (const p of options.paths && options.paths.length > 0 ? options.paths : [root]) {
    const abs = path.resolve(root, p);
    const rel = relOf(abs);
    let st: fs.Stats;
    try {
      st = fs.statSync(abs);
    } catch (err) {
      skipped.push({
        file: rel,
        reason: 'unreadable',
        detail: (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : 'cannot stat',
      });
      continue;
    }
    if (st.isDirectory()) {
      // A folder named explicitly is listed even when it is itself ignored or excluded by default.
      const parentMatchers = matchersFor(path.dirname(abs));
      const named = abs !== root && (isIgnored(parentMatchers, rel, true) || (defaults?.ignores(`${rel}/`) ?? false));
      walk(abs, named ? own(abs) : matchersFor(abs), abs === root ? '' : abs);
    } else if (st.isFile())
      addFile(abs, rel, st.size); // named explicitly: kept even if ignored
    else skipped.push({ file: rel, reason: 'unreadable', detail: 'not a regular file or folder' });
  }
  return { files: [...files].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)), skipped };
}

export interface LoadedFile {
  file: string;
  absPath: string;
  text: string;
  bytes: number;
}

/** collectSourceFiles + readSourceFile: the texts of a scope plus every skipped file. */
export function loadSourceFiles(options: CollectOptions): { files: LoadedFile[]; skipped: SkippedFile[] } {
  const root = path.resolve(options.root);
  const { files, skipped } = collectSourceFiles(options);
  const out: LoadedFile[] = [];
  options.onProgress?.('read', 0, files.length);
  for (const [k, file] of files.entries()) {
    const absPath = path.resolve(root, file);
    const r = readSourceFile(absPath, file, options);
    if (r.ok) out.push({ file, absPath, text: r.text, bytes: r.bytes });
    else skipped.push(r.skipped);
    options.onProgress?.('read', k + 1, files.length);
  }
  return { files: out, skipped };
}
