/**
 * The domain types shared by the engine, the CLI, the extension and the tests.
 * One concept, one type: the CLI's JSON output is these objects serialized.
 */

/** Kinds of definitions a chunk can hold; `code` is top-level code between definitions. */
export type ChunkKind =
  | 'function'
  | 'method'
  | 'class'
  | 'interface'
  | 'type'
  | 'enum'
  | 'impl'
  | 'trait'
  | 'module'
  | 'namespace'
  | 'struct'
  | 'constant'
  | 'header'
  | 'code'
  | 'block'
  /** A titled part of a prose or config file (Markdown heading, INI/TOML table). */
  | 'section';

/**
 * A contiguous, verbatim slice of a source file. The chunks of one file tile it:
 * concatenating their `text` in order returns the file byte for byte.
 * Lines are 1-based and inclusive.
 */
export interface Chunk {
  /** Path relative to the scope root (forward slashes). */
  file: string;
  /** Definition name, or a descriptive label for code chunks (e.g. "imports", "L1-L12"). */
  name: string;
  kind: ChunkKind;
  startLine: number;
  endLine: number;
  /** Estimated or counted tokens of `text` in the target tokenizer. */
  tokens: number;
  /** Name of the enclosing definition, or null at top level. */
  parent: string | null;
  /** Byte-exact text of the chunk (UTF-16 string slice of the file). */
  text: string;
  /** Offsets into the file string (UTF-16 code units), [startOffset, endOffset). */
  startOffset: number;
  endOffset: number;
  /** Language id used to parse the file ("python", "typescript", ... or "plaintext"). */
  language: string;
  /**
   * Number of leading lines of the chunk that form the definition header (signature,
   * decorators, leading doc comment); protected in the fine stage. 0 for code chunks.
   */
  headerLines: number;
}

/** Why a file produced no tree-sitter chunks. */
export type SkipReason =
  | 'binary'
  | 'too-large'
  | 'minified'
  | 'unreadable'
  | 'ignored'
  | 'empty'
  /** A symbolic link whose target is outside the scanned folders (not followed by default). */
  | 'symlink';

export interface ChunkedFile {
  file: string;
  language: string;
  chunks: Chunk[];
  /** 'tree-sitter' when parsed; 'fallback' for line/indent chunking (unknown language, parse failure). */
  method: 'tree-sitter' | 'fallback';
  /** Set when the file parsed with syntax errors (chunks still tile it). */
  hadParseErrors: boolean;
  /** Human-readable note on why a fallback was used, if any. */
  note?: string;
}

export interface SkippedFile {
  file: string;
  reason: SkipReason;
  detail: string;
}

export type ChunkStatus = 'kept' | 'partial' | 'dropped';

/**
 * Why a chunk lost some or all of its lines, as decided by the selection stages
 * (src/core/code/select.ts; words for each in src/core/code/drop-reasons.ts):
 * - `pruned`: partly kept: the fine stage kept its most relevant blocks within its share;
 * - `pruned-away`: a fine-stage candidate whose share of what was left kept no block;
 * - `too-large`: it did not fit what was left when its turn came, though lower-ranked chunks did;
 * - `below-cut`: higher-ranked chunks used the budget before its turn;
 * - `over-budget`: selected, then removed when the exact count of the text exceeded the budget;
 * - `not-scored`: left out of model scoring by the lexical prefilter, after the chunks that were;
 * - `blank`: whitespace only, never ranked.
 */
export type DropReason = 'pruned' | 'pruned-away' | 'too-large' | 'below-cut' | 'over-budget' | 'not-scored' | 'blank';

/** A chunk after ranking and selection (compression report entry). */
export interface ScoredChunk extends Omit<Chunk, 'text' | 'startOffset' | 'endOffset'> {
  /** Coarse AMI score: PPL(q) - PPL(q | chunk). */
  score: number;
  /** 1-based rank by score among ranked chunks (0 when not ranked, e.g. the query's own chunk). */
  rank: number;
  status: ChunkStatus;
  /** Kept line ranges, 1-based inclusive, in file lines. */
  keptLines: Array<[number, number]>;
  /** Tokens of the kept lines in the target tokenizer: `tokens` when kept whole, 0 when dropped. */
  keptTokens: number;
  /** Why lines were dropped (status `partial` or `dropped`); absent when kept whole. */
  dropReason?: DropReason;
}

export interface CompressionTimings {
  parseMs: number;
  scoreMs: number;
  totalMs: number;
  [stage: string]: number;
}

export interface ModelInfo {
  id: string;
  dtype: string;
}

export interface CompressionResult {
  originalTokens: number;
  compressedTokens: number;
  ratio: number;
  budget: number;
  model: ModelInfo;
  timings: CompressionTimings;
  modelTokensProcessed: number;
  chunks: ScoredChunk[];
  text: string;
  /** Things the user should know about the result (e.g. why it is empty); empty when none. */
  warnings?: string[];
  [extra: string]: unknown;
}
