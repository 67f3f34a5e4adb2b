/**
 * Loads web-tree-sitter and grammar wasm files from bytes (docs/ARCHITECTURE.md, parsing runtime: init with
 * `wasmBinary` and `Language.load(Uint8Array)`, so nothing guesses file locations).
 *
 * Where the wasm files are:
 * - bundled (dist/cli.js, dist/extension.js, dist/worker.js): `dist/wasm/`, i.e.
 *   `path.join(__dirname, 'wasm')`, copied there by esbuild.mjs;
 * - from source (tsx, tests): the runtime and grammar npm packages in node_modules,
 *   found by walking up from this file (and from the working directory).
 */
import fs from 'node:fs';
import path from 'node:path';
import { Language, Parser } from 'web-tree-sitter';
import { LANGUAGES, type LanguageId } from './languages.js';

const RUNTIME_WASM = 'tree-sitter.wasm';

function moduleDir(): string {
  return typeof __dirname === 'string' ? __dirname : process.cwd();
}

/** Folders that may hold node_modules, nearest first. */
function nodeModulesDirs(): string[] {
  const out: string[] = [];
  for (const start of [moduleDir(), process.cwd()]) {
    let dir = path.resolve(start);
    for (;;) {
      const nm = path.join(dir, 'node_modules');
      if (!out.includes(nm) && fs.existsSync(nm)) out.push(nm);
      const up = path.dirname(dir);
      if (up === dir) break;
      dir = up;
    }
  }
  return out;
}

export interface WasmLocation {
  runtime: string;
  grammar(language: LanguageId): string | null;
}

/**
 * Resolves the wasm files. `wasmDir` (an explicit folder holding tree-sitter.wasm and the
 * grammar files) wins; then `<__dirname>/wasm` (bundled); then node_modules packages.
 */
export function resolveWasm(wasmDir?: string): WasmLocation {
  const dirs = [wasmDir, path.join(moduleDir(), 'wasm')].filter((d): d is string => !!d);
  for (const dir of dirs) {
    if (fs.existsSync(path.join(dir, RUNTIME_WASM))) {
      return {
        runtime: path.join(dir, RUNTIME_WASM),
        grammar: (id) => {
          const p = path.join(dir, LANGUAGES[id].wasm);
          return fs.existsSync(p) ? p : null;
        },
      };
    }
  }
  const nms = nodeModulesDirs();
  const find = (rel: string): string | null => {
    for (const nm of nms) {
      const p = path.join(nm, rel);
      if (fs.existsSync(p)) return p;
    }
    return null;
  };
  const runtime = find(path.join('web-tree-sitter', RUNTIME_WASM));
  if (!runtime)
    throw new Error(`tree-sitter runtime (${RUNTIME_WASM}) not found next to the bundle or in node_modules`);
  return { runtime, grammar: (id) => find(path.join(LANGUAGES[id].pkg, LANGUAGES[id].wasm)) };
}

let initPromise: Promise<void> | null = null;

/** Initialises the web-tree-sitter runtime once per process. */
export function initTreeSitter(runtimeWasm: string): Promise<void> {
  if (!initPromise) {
    const bytes = fs.readFileSync(runtimeWasm);
    initPromise = Parser.init({ wasmBinary: bytes } as unknown as Parameters<typeof Parser.init>[0]).catch(
      (err: unknown) => {
        initPromise = null;
        throw err;
      },
    );
  }
  return initPromise;
}

const languageCache = new Map<string, Promise<Language>>();

/** Loads a grammar from its wasm bytes; cached per file path. */
export function loadLanguage(wasmPath: string): Promise<Language> {
  let p = languageCache.get(wasmPath);
  if (!p) {
    p = Language.load(new Uint8Array(fs.readFileSync(wasmPath)));
    p.catch(() => languageCache.delete(wasmPath));
    languageCache.set(wasmPath, p);
  }
  return p;
}
