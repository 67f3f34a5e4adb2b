/**
 * Stage 1, local and deterministic (docs/ALGORITHMS.md §2.2): which steps are anchored
 * (protected from pruning) because they contribute to the final answer.
 *
 * Exact rules. Let A be the answer text with fence marker lines (``` / ~~~ lines) removed.
 * - Answer code lines: the lines of A, trimmed, that are non-trivial: >= 8 characters and
 *   containing at least one identifier (see below) that is not a stopword.
 * - Answer identifiers: maximal matches of [A-Za-z_][A-Za-z0-9_]* in A, length >= 3, not a
 *   stopword (keywords and common builtins of Python, C/C++, Java, JS/TS, Go, Rust, and a few
 *   English function words; compared case-insensitively).
 * A step is anchored, with the first reason that applies:
 * 1. `answer`: it holds (part of) the answer itself (answer found inside the trace).
 * 2. `code-line`: one of its lines, trimmed, equals an answer code line.
 * 3. `identifiers`: it contains at least `minSharedIdentifiers` distinct answer
 *    identifiers (as whole identifiers).
 * 4. `ami`: its AMI toward the answer, PPL(answer) - PPL(answer | step), is strictly positive
 *    and among the ceil(amiTopFraction * n) largest of the n steps (ties broken by index).
 */

export type AnchorReason = 'answer' | 'code-line' | 'identifiers' | 'ami' | 'chat-model';

export interface LexicalAnchorOptions {
  /** Distinct answer identifiers a step must contain to be anchored by identifiers (default 2). */
  minSharedIdentifiers?: number;
}

/** Keywords, builtins and function words never counted as shared identifiers. */
const STOPWORDS = new Set(
  // Python
  (
    'and as assert async await break class continue def del elif else except false finally for from global if import in is ' +
    'lambda none nonlocal not or pass raise return true try while with yield self cls print input int str float list dict set ' +
    'tuple len range map filter sum min max abs sorted reversed enumerate zip open bool object type super isinstance append ' +
    'extend pop insert keys values items split strip join sys stdin readline main math collections defaultdict deque heapq ' +
    'bisect itertools functools lru_cache sort format exit ' +
    // C / C++ / Java / C#
    'auto char const double enum extern long register short signed sizeof static struct switch typedef union unsigned void ' +
    'volatile case default goto include define ifdef ifndef endif pragma std cout cin endl vector string namespace using ' +
    'template typename public private protected virtual override new delete this nullptr size_t printf scanf malloc free ' +
    'bool boolean final extends implements interface package throws throw catch null var let function const export ' +
    'undefined console log ' +
    // Go / Rust
    'func chan go defer fallthrough select make fn mut impl trait pub crate mod use match loop where ref move usize isize ' +
    'i32 i64 u32 u64 f32 f64 vec some ok err unwrap ' +
    // English function words that look like identifiers
    'the and but for not are was were has have had can could would should will shall may might must its our their then ' +
    'than that this these those there here what when where which who why how all any each every one two use used using'
  )
    .split(/\s+/)
    .filter(Boolean),
);

const IDENT = /[A-Za-z_][A-Za-z0-9_]*/g;
const FENCE_MARKER = /^[ \t]*(`{3,}|~{3,})/;

export function isStopword(word: string): boolean {
  return STOPWORDS.has(word.toLowerCase());
}

function answerBodyLines(answer: string): string[] {
  return answer.split(/\r?\n/).filter((l) => !FENCE_MARKER.test(l));
}

function identifiersIn(text: string): string[] {
  return text.match(IDENT) ?? [];
}

/** Non-trivial trimmed code lines of the answer (see module comment). */
export function answerCodeLines(answer: string): Set<string> {
  const out = new Set<string>();
  for (const line of answerBodyLines(answer)) {
    const t = line.trim();
    if (t.length < 8) continue;
    if (identifiersIn(t).some((w) => !isStopword(w))) out.add(t);
  }
  return out;
}

/**
 * Answer identifiers: length >= 3 and not a stopword. Plain words from the answer's comments
 * count too; a single shared word is common in prose, which is why a step needs
 * `minSharedIdentifiers` (default 2) distinct ones. On the cot-dev traces, 1 would anchor
 * ~65% of step tokens, 2 ~35%, 3 ~18%.
 */
export function answerIdentifiers(answer: string): Set<string> {
  const out = new Set<string>();
  for (const w of identifiersIn(answerBodyLines(answer).join('\n'))) {
    if (w.length >= 3 && !isStopword(w)) out.add(w);
  }
  return out;
}

export interface LexicalAnchor {
  reason: AnchorReason;
  /** What matched: the shared code line or the shared identifiers. */
  evidence: string[];
}

/** Lexical anchor of one step, or null (rules 2 and 3 of the module comment). */
export function lexicalAnchor(
  stepText: string,
  codeLines: Set<string>,
  identifiers: Set<string>,
  options: LexicalAnchorOptions = {},
): LexicalAnchor | null {
  const minShared = options.minSharedIdentifiers ?? 2;
  for (const line of stepText.split(/\r?\n/)) {
    const t = line.trim();
    if (codeLines.has(t)) return { reason: 'code-line', evidence: [t] };
  }
  if (identifiers.size === 0) return null;
  const shared = new Set<string>();
  for (const w of identifiersIn(stepText)) if (identifiers.has(w)) shared.add(w);
  if (shared.size >= minShared) return { reason: 'identifiers', evidence: [...shared] };
  return null;
}

/**
 * Indices of the steps anchored by AMI: strictly positive AMI among the
 * ceil(topFraction * n) largest values (ties: lower index first). NaN values never anchor.
 */
export function topAmiSteps(ami: readonly number[], topFraction: number): Set<number> {
  const n = ami.length;
  const k = topFraction <= 0 ? 0 : Math.min(n, Math.ceil(topFraction * n));
  const order = ami
    .map((v, i) => ({ v, i }))
    .filter((x) => Number.isFinite(x.v) && x.v > 0)
    .sort((a, b) => b.v - a.v || a.i - b.i);
  return new Set(order.slice(0, k).map((x) => x.i));
}
