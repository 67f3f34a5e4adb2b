/**
 * The languages the chunker parses with tree-sitter: file extensions, grammar wasm file,
 * the node types that wrap a definition (export, decorators, templates) and the sibling
 * node types glued to it when directly above (doc comments, attributes).
 */
import path from 'node:path';

export type LanguageId =
  | 'javascript'
  | 'typescript'
  | 'tsx'
  | 'python'
  | 'go'
  | 'java'
  | 'rust'
  | 'c'
  | 'cpp'
  | 'c_sharp'
  | 'ruby'
  | 'php'
  | 'kotlin'
  | 'bash';

export interface LanguageSpec {
  id: LanguageId;
  /** Grammar wasm file name, as shipped by the grammar package and copied to dist/wasm. */
  wasm: string;
  /** Grammar package folder under node_modules (used when running from source). */
  pkg: string;
  extensions: readonly string[];
  /** Parent node types that wrap a definition and belong to its range. */
  wrappers: readonly string[];
  /** Preceding sibling node types glued to a definition when directly above it. */
  leading: readonly string[];
  /** Line comment prefixes, used to recognise comment-only lines and trailing comments. */
  lineComments: readonly string[];
}

const SLASH = ['//'];
const HASH = ['#'];

export const LANGUAGES: Readonly<Record<LanguageId, LanguageSpec>> = {
  javascript: {
    id: 'javascript',
    wasm: 'tree-sitter-javascript.wasm',
    pkg: 'tree-sitter-javascript',
    extensions: ['.js', '.mjs', '.cjs', '.jsx'],
    wrappers: ['export_statement'],
    leading: ['comment', 'decorator'],
    lineComments: SLASH,
  },
  typescript: {
    id: 'typescript',
    wasm: 'tree-sitter-typescript.wasm',
    pkg: 'tree-sitter-typescript',
    extensions: ['.ts', '.mts', '.cts'],
    wrappers: ['export_statement', 'ambient_declaration'],
    leading: ['comment', 'decorator'],
    lineComments: SLASH,
  },
  tsx: {
    id: 'tsx',
    wasm: 'tree-sitter-tsx.wasm',
    pkg: 'tree-sitter-typescript',
    extensions: ['.tsx'],
    wrappers: ['export_statement', 'ambient_declaration'],
    leading: ['comment', 'decorator'],
    lineComments: SLASH,
  },
  python: {
    id: 'python',
    wasm: 'tree-sitter-python.wasm',
    pkg: 'tree-sitter-python',
    extensions: ['.py', '.pyi', '.pyw'],
    wrappers: ['decorated_definition'],
    leading: ['comment'],
    lineComments: HASH,
  },
  go: {
    id: 'go',
    wasm: 'tree-sitter-go.wasm',
    pkg: 'tree-sitter-go',
    extensions: ['.go'],
    wrappers: [],
    leading: ['comment'],
    lineComments: SLASH,
  },
  java: {
    id: 'java',
    wasm: 'tree-sitter-java.wasm',
    pkg: 'tree-sitter-java',
    extensions: ['.java'],
    wrappers: [],
    leading: ['line_comment', 'block_comment'],
    lineComments: SLASH,
  },
  rust: {
    id: 'rust',
    wasm: 'tree-sitter-rust.wasm',
    pkg: 'tree-sitter-rust',
    extensions: ['.rs'],
    wrappers: [],
    leading: ['line_comment', 'block_comment', 'attribute_item'],
    lineComments: SLASH,
  },
  c: {
    id: 'c',
    wasm: 'tree-sitter-c.wasm',
    pkg: 'tree-sitter-c',
    extensions: ['.c', '.h'],
    wrappers: ['type_definition'],
    leading: ['comment'],
    lineComments: SLASH,
  },
  cpp: {
    id: 'cpp',
    wasm: 'tree-sitter-cpp.wasm',
    pkg: 'tree-sitter-cpp',
    extensions: ['.cc', '.cpp', '.cxx', '.c++', '.hpp', '.hh', '.hxx', '.h++', '.ipp', '.inl'],
    wrappers: ['template_declaration', 'type_definition'],
    leading: ['comment'],
    lineComments: SLASH,
  },
  c_sharp: {
    id: 'c_sharp',
    wasm: 'tree-sitter-c_sharp.wasm',
    pkg: 'tree-sitter-c-sharp',
    extensions: ['.cs'],
    wrappers: [],
    leading: ['comment'],
    lineComments: SLASH,
  },
  ruby: {
    id: 'ruby',
    wasm: 'tree-sitter-ruby.wasm',
    pkg: 'tree-sitter-ruby',
    extensions: ['.rb', '.rake', '.gemspec'],
    wrappers: [],
    leading: ['comment'],
    lineComments: HASH,
  },
  php: {
    id: 'php',
    wasm: 'tree-sitter-php.wasm',
    pkg: 'tree-sitter-php',
    extensions: ['.php'],
    wrappers: [],
    leading: ['comment'],
    lineComments: ['//', '#'],
  },
  kotlin: {
    id: 'kotlin',
    wasm: 'tree-sitter-kotlin.wasm',
    pkg: '@tree-sitter-grammars/tree-sitter-kotlin',
    extensions: ['.kt', '.kts'],
    wrappers: [],
    leading: ['line_comment', 'block_comment'],
    lineComments: SLASH,
  },
  bash: {
    id: 'bash',
    wasm: 'tree-sitter-bash.wasm',
    pkg: 'tree-sitter-bash',
    extensions: ['.sh', '.bash'],
    wrappers: [],
    leading: ['comment'],
    lineComments: HASH,
  },
};

export const LANGUAGE_IDS = Object.keys(LANGUAGES) as LanguageId[];

const BY_EXTENSION = new Map<string, LanguageId>();
for (const spec of Object.values(LANGUAGES)) for (const ext of spec.extensions) BY_EXTENSION.set(ext, spec.id);

const SHEBANG = /^#!\s*(?:\/usr\/bin\/env\s+(?:-S\s+)?)?(?:\S*\/)?(\w+)/;
const BY_INTERPRETER: Record<string, LanguageId> = {
  python: 'python',
  python2: 'python',
  python3: 'python',
  pypy: 'python',
  pypy3: 'python',
  sh: 'bash',
  bash: 'bash',
  dash: 'bash',
  zsh: 'bash',
  ksh: 'bash',
  node: 'javascript',
  nodejs: 'javascript',
  deno: 'typescript',
  ts: 'typescript',
  tsx: 'typescript',
  ruby: 'ruby',
  php: 'php',
};

/**
 * Language of a file from its extension, or, for files without a known extension, from a
 * `#!` line (e.g. `#!/usr/bin/env python3`). `text` (the file text or its beginning) also tells C++
 * headers named `.h` apart from C.
 */
export function languageForPath(filePath: string, text?: string): LanguageId | null {
  const ext = path.extname(filePath).toLowerCase();
  const byExt = BY_EXTENSION.get(ext);
  if (byExt === 'c' && ext === '.h' && text !== undefined && looksLikeCpp(text)) return 'cpp';
  if (byExt) return byExt;
  if (text !== undefined && text.startsWith('#!')) {
    const m = SHEBANG.exec(text.slice(0, 200));
    if (m) return BY_INTERPRETER[m[1]] ?? BY_INTERPRETER[m[1].replace(/\d+$/, '')] ?? null;
  }
  return null;
}

/** `.h` files are C unless they use C++-only syntax near the top. */
function looksLikeCpp(text: string): boolean {
  return /^\s*(?:class\s+\w+\s*[:{]|namespace\s+[\w:]*\s*\{|template\s*<|(?:public|private|protected):)/m.test(
    text.slice(0, 20000),
  );
}

/** Line comment prefixes for a language id ('//' for unknown ones). */
export function lineCommentPrefixes(language: string): readonly string[] {
  return (LANGUAGES as Record<string, LanguageSpec | undefined>)[language]?.lineComments ?? SLASH;
}
