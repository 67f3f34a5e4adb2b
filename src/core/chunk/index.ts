/**
 * Chunking: source text -> Chunk[] that tile the file (docs/ALGORITHMS.md §1.1).
 *
 *   const chunker = await createChunker({ maxClassTokens: 400 });
 *   const { chunks } = chunker.chunkFile('src/app.ts', text);
 *
 * `createChunker` loads the tree-sitter runtime and grammars once (async); `chunkFile` is
 * synchronous and never throws. With `lazy: true` no grammar loads up front: `loadFor(files)`
 * loads the grammars of the languages present in those files (start-up pays only for those).
 * Otherwise: unknown languages, parse timeouts and unusable parses
 * fall back to line/indent chunks (`method: 'fallback'`, with a `note`).
 * Boundary rules are documented in tile.ts.
 */
import { Parser, Query, type Language } from 'web-tree-sitter';
import { ContextZipError } from '../errors.js';
import { estimateTokens, type TokenCounter } from '../tokens/estimate.js';
import type { ChunkedFile } from '../types.js';
import { DEFINITION_QUERIES } from './queries.js';
import { extractDefinitions } from './definitions.js';
import { LANGUAGE_IDS, LANGUAGES, languageForPath, lineCommentPrefixes, type LanguageId } from './languages.js';
import { initTreeSitter, loadLanguage, resolveWasm } from './runtime.js';
import { findSections, sectionFormatOf, type SectionFormat } from './prose.js';
import { checkTiling, tileByLines, tileDefinitions, tileSections, type TileOptions } from './tile.js';

export { LANGUAGE_IDS, LANGUAGES, languageForPath, type LanguageId } from './languages.js';
export { checkTiling } from './tile.js';
export { resolveWasm } from './runtime.js';

export interface ChunkingOptions {
  /** Containers (classes, impls, ...) above this many tokens are split into header + members. Default 400. */
  maxClassTokens?: number;
  /** Line cap for code chunks (code between definitions, fallback chunks). Default 60. */
  maxCodeLines?: number;
  /** Token cap for code chunks. Default 600. */
  maxCodeTokens?: number;
  /** Token counter for `Chunk.tokens` (and the size rules). Default estimateTokens. */
  countTokens?: TokenCounter;
  /** Parse + query deadline per file; past it the file falls back to line chunks. Default 10000 ms. */
  parseTimeoutMs?: number;
}

export interface ChunkerOptions extends ChunkingOptions {
  /** Folder with tree-sitter.wasm and the grammar wasm files (default: dist/wasm when bundled, else node_modules). */
  wasmDir?: string;
  /** Languages to load (default: all in LANGUAGES whose grammar is found). */
  languages?: readonly LanguageId[];
  /**
   * Load no grammar now; `loadFor` loads the ones files need (among `languages` when given).
   * A file whose grammar is not loaded gets line chunks, so call `loadFor` before `chunkFile`.
   */
  lazy?: boolean;
}

export interface ChunkFileOptions extends ChunkingOptions {
  /** Force a language (skips detection); 'plaintext' forces the fallback chunker. */
  language?: LanguageId | 'plaintext';
}

export interface Chunker {
  /** Chunks one file. `file` is the path reported in chunks (relative, forward slashes). Never throws. */
  chunkFile(file: string, text: string, options?: ChunkFileOptions): ChunkedFile;
  /** Language used for a path (and text, for shebangs / C++ headers), if loaded. */
  languageFor(file: string, text?: string): LanguageId | null;
  /** Languages whose grammar is loaded. */
  readonly languages: readonly LanguageId[];
  /**
   * Loads the grammars of the languages of `files` (by path, and text for shebangs) that are
   * not loaded yet; returns the languages loaded now. A grammar that fails to load is skipped
   * (its files get line chunks).
   */
  loadFor(files: Iterable<{ file: string; text?: string }>): Promise<LanguageId[]>;
  /** Frees parsers and queries (wasm memory). */
  dispose(): void;
}

const DEFAULTS: Required<ChunkingOptions> = {
  maxClassTokens: 400,
  maxCodeLines: 60,
  maxCodeTokens: 600,
  countTokens: estimateTokens,
  parseTimeoutMs: 10000,
};

/** Grammars this process has loaded, in load order (start-up tests and logs). */
const grammarsLoaded: LanguageId[] = [];

export function loadedGrammars(): readonly LanguageId[] {
  return grammarsLoaded;
}

/** Fallback chunks cut at the next blank line / dedent once they reach this many lines. */
const FALLBACK_PREFER_LINES = 15;
/** Prose sections split at the next paragraph once a piece has this many lines. */
const PROSE_PREFER_LINES = 8;

interface LanguageState {
  language: Language;
  parser: Parser | null;
  query: Query | null;
  queryError: string | null;
}

function settings(base: ChunkingOptions, over?: ChunkingOptions): Required<ChunkingOptions> {
  const out = { ...DEFAULTS };
  for (const src of [base, over ?? {}]) {
    for (const [k, v] of Object.entries(src)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  }
  return out;
}

function tileOptions(file: string, language: string, s: Required<ChunkingOptions>): TileOptions {
  return {
    file,
    language,
    maxClassTokens: s.maxClassTokens,
    maxCodeLines: s.maxCodeLines,
    maxCodeTokens: s.maxCodeTokens,
    countTokens: s.countTokens,
    lineComments: lineCommentPrefixes(language),
  };
}

/** Line/indent chunks for any text; needs no parser. `language` defaults to 'plaintext'. */
export function chunkByLines(
  file: string,
  text: string,
  options: ChunkingOptions & { language?: string; note?: string; hadParseErrors?: boolean } = {},
): ChunkedFile {
  const s = settings(options);
  const language = options.language ?? 'plaintext';
  const chunks = tileByLines(text, { ...tileOptions(file, language, s), preferLines: FALLBACK_PREFER_LINES });
  const result: ChunkedFile = {
    file,
    language,
    chunks,
    method: 'fallback',
    hadParseErrors: options.hadParseErrors ?? false,
  };
  if (options.note) result.note = options.note;
  return result;
}

/** Section chunks of a prose or config file (prose.ts); paragraphs split long sections. */
export function chunkBySections(
  file: string,
  text: string,
  format: SectionFormat,
  options: ChunkingOptions = {},
): ChunkedFile {
  const s = settings(options);
  const sections = findSections(text, format);
  const chunks = tileSections(text, sections, {
    ...tileOptions(file, 'plaintext', s),
    preferLines: PROSE_PREFER_LINES,
  });
  return {
    file,
    language: 'plaintext',
    chunks,
    method: 'fallback',
    hadParseErrors: false,
    note: `${format} sections (${sections.length} headings)`,
  };
}

function message(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0];
}

/** Loads the tree-sitter runtime and grammars, then chunks files synchronously. */
export async function createChunker(options: ChunkerOptions = {}): Promise<Chunker> {
  const wasm = (() => {
    try {
      return resolveWasm(options.wasmDir);
    } catch (err) {
      throw new ContextZipError(`Cannot load the tree-sitter parser: ${message(err)}`, 'parser-init');
    }
  })();
  try {
    await initTreeSitter(wasm.runtime);
  } catch (err) {
    throw new ContextZipError(`Cannot initialise the tree-sitter parser: ${message(err)}`, 'parser-init');
  }
  const states = new Map<LanguageId, LanguageState>();
  const allowed = new Set<LanguageId>(options.languages ?? LANGUAGE_IDS);
  const tried = new Set<LanguageId>();
  const load = async (ids: Iterable<LanguageId>): Promise<LanguageId[]> => {
    const todo = [...new Set(ids)].filter((id) => allowed.has(id) && !tried.has(id));
    for (const id of todo) tried.add(id);
    const done: LanguageId[] = [];
    await Promise.all(
      todo.map(async (id) => {
        const p = wasm.grammar(id);
        if (!p) return;
        try {
          states.set(id, { language: await loadLanguage(p), parser: null, query: null, queryError: null });
          if (!grammarsLoaded.includes(id)) grammarsLoaded.push(id);
          done.push(id);
        } catch {
          // A grammar that fails to load leaves its files to the fallback chunker.
        }
      }),
    );
    return LANGUAGE_IDS.filter((id) => done.includes(id));
  };
  if (!options.lazy) await load(allowed);
  const base: ChunkingOptions = {
    maxClassTokens: options.maxClassTokens,
    maxCodeLines: options.maxCodeLines,
    maxCodeTokens: options.maxCodeTokens,
    countTokens: options.countTokens,
    parseTimeoutMs: options.parseTimeoutMs,
  };

  const prepare = (id: LanguageId, st: LanguageState): { parser: Parser; query: Query } | string => {
    if (st.queryError) return st.queryError;
    if (!st.parser) {
      st.parser = new Parser();
      st.parser.setLanguage(st.language);
    }
    if (!st.query) {
      try {
        st.query = new Query(st.language, DEFINITION_QUERIES[id]);
      } catch (err) {
        st.queryError = `definition query for ${id} does not compile: ${message(err)}`;
        return st.queryError;
      }
    }
    return { parser: st.parser, query: st.query };
  };

  const chunkFile = (file: string, text: string, opts?: ChunkFileOptions): ChunkedFile => {
    const s = settings(base, opts);
    const lang = opts?.language ?? languageForPath(file, text);
    if (!lang || lang === 'plaintext') {
      const format = sectionFormatOf(file);
      if (format) return chunkBySections(file, text, format, s);
      return chunkByLines(file, text, { ...s, note: lang ? undefined : 'unknown language: line chunks' });
    }
    const st = states.get(lang);
    if (!st) return chunkByLines(file, text, { ...s, language: lang, note: `no ${lang} grammar loaded: line chunks` });
    if (text.length === 0) return { file, language: lang, chunks: [], method: 'tree-sitter', hadParseErrors: false };
    const spec = LANGUAGES[lang];
    let hadParseErrors = false;
    try {
      const prepared = prepare(lang, st);
      if (typeof prepared === 'string') return chunkByLines(file, text, { ...s, language: lang, note: prepared });
      const { parser, query } = prepared;
      const deadline = performance.now() + s.parseTimeoutMs;
      const tree = parser.parse(text, null, {
        progressCallback: (() => performance.now() > deadline) as unknown as () => void,
      });
      if (!tree) {
        parser.reset();
        return chunkByLines(file, text, {
          ...s,
          language: lang,
          note: `parse took longer than ${s.parseTimeoutMs} ms: line chunks`,
        });
      }
      let extracted;
      try {
        hadParseErrors = tree.rootNode.hasError;
        extracted = extractDefinitions(spec, query, tree, text, deadline);
      } finally {
        tree.delete();
      }
      if (extracted.timedOut) {
        return chunkByLines(file, text, {
          ...s,
          language: lang,
          hadParseErrors,
          note: `definition query took longer than ${s.parseTimeoutMs} ms: line chunks`,
        });
      }
      if (hadParseErrors && extracted.definitions.length === 0) {
        return chunkByLines(file, text, {
          ...s,
          language: lang,
          hadParseErrors,
          note: 'syntax errors and no definitions found: line chunks',
        });
      }
      const chunks = tileDefinitions(text, extracted.definitions, tileOptions(file, lang, s));
      const problem = checkTiling(text, chunks);
      if (problem)
        return chunkByLines(file, text, {
          ...s,
          language: lang,
          hadParseErrors,
          note: `internal tiling check failed (${problem}): line chunks`,
        });
      return { file, language: lang, chunks, method: 'tree-sitter', hadParseErrors };
    } catch (err) {
      return chunkByLines(file, text, {
        ...s,
        language: lang,
        hadParseErrors,
        note: `tree-sitter failed (${message(err)}): line chunks`,
      });
    }
  };

  return {
    chunkFile,
    languageFor: (file, text) => {
      const id = languageForPath(file, text);
      return id && states.has(id) ? id : null;
    },
    get languages() {
      return LANGUAGE_IDS.filter((id) => states.has(id));
    },
    loadFor: (files) => {
      const ids: LanguageId[] = [];
      for (const f of files) {
        const id = languageForPath(f.file, f.text);
        if (id) ids.push(id);
      }
      return load(ids);
    },
    dispose: () => {
      for (const st of states.values()) {
        st.parser?.delete();
        st.query?.delete();
        st.parser = null;
        st.query = null;
      }
    },
  };
}
