/**
 * What an assistant (or a person reading a paste) is told about a compressed result: one line
 * saying what was kept and what was omitted, and the header "Copy Compressed Context" puts on
 * top of the text. Plain functions of the engine's result types.
 */
import type { CotResult } from '../cot/compress.js';
import type { CompressionResult, ScoredChunk } from '../types.js';

const MAX_NAMED = 8;

function n(x: number): string {
  return x.toLocaleString('en-US');
}

function pct(ratio: number): string {
  const p = ratio * 100;
  return `${p < 10 ? p.toFixed(1) : p.toFixed(0)}%`;
}

function plural(count: number, one: string, many = `${one}s`): string {
  return `${n(count)} ${count === 1 ? one : many}`;
}

/** Chunks that are not definitions: code between definitions, file headers, fallback blocks. */
const UNNAMED: ReadonlySet<string> = new Set(['code', 'header', 'block']);

/**
 * The dropped chunks by name, per file, at most `max` named:
 * "area, perimeter in src/shapes.ts; mean in src/stats.py (+3 more), plus 2 blocks of other code".
 */
export function namedChunks(chunks: ScoredChunk[], max = MAX_NAMED): string {
  const defs = chunks.filter((c) => !UNNAMED.has(c.kind));
  const other = chunks.length - defs.length;
  const byFile = new Map<string, string[]>();
  for (const c of defs.slice(0, max)) {
    const names = byFile.get(c.file) ?? [];
    names.push(c.parent ? `${c.parent}.${c.name}` : c.name);
    byFile.set(c.file, names);
  }
  let text = [...byFile].map(([file, names]) => `${names.join(', ')} in ${file}`).join('; ');
  if (defs.length > max) text += ` (+${defs.length - max} more)`;
  if (other > 0) text += `${text ? ', plus ' : ''}${plural(other, 'block')} of other code`;
  return text;
}

/**
 * One line: tokens kept of the original, and what was omitted, e.g.
 * "ContextZip kept 598 of 2,010 tokens (30%, budget 600): 12 chunks whole, 3 in part; omitted 25 chunks: area in src/shapes.ts (+24 more)."
 */
export function omittedSummaryLine(result: CompressionResult): string {
  const count = (s: ScoredChunk['status']) => result.chunks.filter((c) => c.status === s).length;
  const dropped = result.chunks.filter((c) => c.status === 'dropped');
  const head = `ContextZip kept ${n(result.compressedTokens)} of ${n(result.originalTokens)} tokens (${pct(result.ratio)}, budget ${n(result.budget)})`;
  const kept = `${plural(count('kept'), 'chunk')} whole, ${n(count('partial'))} in part`;
  if (dropped.length === 0 && count('partial') === 0)
    return `${head}: all ${plural(result.chunks.length, 'chunk')}; nothing omitted.`;
  const omitted =
    dropped.length === 0
      ? 'no chunk omitted whole; omitted lines are marked in the code'
      : `omitted ${plural(dropped.length, 'chunk')}: ${namedChunks(dropped)}`;
  return `${head}: ${kept}; ${omitted}.`;
}

/** One line for a compressed reasoning trace: steps kept and the ones omitted. */
export function cotSummaryLine(result: CotResult): string {
  const removed = result.steps.filter((s) => !s.kept).map((s) => s.index + 1);
  const head = `ContextZip kept ${n(result.compressedTokens)} of ${n(result.originalTokens)} tokens (${pct(result.ratio)}, budget ${n(result.budget)}) of the reasoning trace`;
  if (removed.length === 0) return `${head}: all ${plural(result.steps.length, 'step')}; nothing omitted.`;
  const shown = removed.slice(0, 20).join(', ') + (removed.length > 20 ? `, … (+${removed.length - 20})` : '');
  return `${head}: ${result.steps.length - removed.length} of ${plural(result.steps.length, 'step')} kept; omitted steps ${shown}.`;
}

/**
 * The header of a copied compressed context: what it was compressed for, how much of the
 * original it keeps, and what was left out, so whoever reads the paste knows the code is partial.
 */
export function copyHeader(run: {
  query: string;
  result: CompressionResult;
  scopeLabel?: string;
  tokenizer?: string;
}): string {
  const r = run.result;
  const query = run.query.replace(/\s+/g, ' ').trim();
  const lines = [
    '=== ContextZip compressed context (partial code) ===',
    `Query: ${query === '' ? '(the code around the cursor)' : query}`,
    `Scope: ${run.scopeLabel ?? 'files'}; ${n(r.originalTokens)} → ${n(r.compressedTokens)} tokens (${pct(r.ratio)}, budget ${n(r.budget)}${run.tokenizer ? `, ${run.tokenizer}` : ''})`,
    omittedSummaryLine(r),
    'Kept code is verbatim; each omission is one comment line starting with "…".',
    '=== end of header ===',
  ];
  return `${lines.join('\n')}\n\n`;
}
