/**
 * Batch compression of a JSONL data set of reasoning traces (one record per line), streamed
 * line by line. Resumable: ids already in the output are skipped and new records appended.
 * Bad lines (invalid JSON, missing or non-string fields) are reported with their line
 * number and skipped; a trace that fails to compress is reported and skipped too. Only
 * cancellation stops the run early: between traces, or inside one (that trace is dropped,
 * never half-written); the summary says `cancelled` and a rerun resumes.
 */
import fs from 'node:fs';
import readline from 'node:readline';
import { CancelledError, UsageError, type CancellationSignal } from '../errors.js';
import type { Scorer } from '../model/scorer.js';
import { compressTrace, type CotOptions, type CotResult } from './compress.js';

export interface CotBatchFields {
  /** Record id (string or number), used to resume. Default "id". */
  id: string;
  /** Problem statement (optional in records). Default "problem". */
  problem: string;
  /** The trace to compress (required). Default "think". */
  think: string;
  /** Final answer (optional; detected from the trace when absent). Default "final_answer". */
  answer: string;
  /** Where the compressed trace goes. Default: the think field (replaced). */
  output: string;
}

export const DEFAULT_BATCH_FIELDS: CotBatchFields = {
  id: 'id',
  problem: 'problem',
  think: 'think',
  answer: 'final_answer',
  output: 'think',
};

export interface CotBatchProgress {
  /** Input lines read so far / total lines in the input. */
  line: number;
  totalLines: number;
  compressed: number;
  skippedExisting: number;
  bad: number;
  failed: number;
  tokensBefore: number;
  tokensAfter: number;
  elapsedMs: number;
}

export interface Distribution {
  min: number;
  p25: number;
  median: number;
  p75: number;
  max: number;
}

export interface CotBatchSummary extends CotBatchProgress {
  /** Traces compressed in this run. */
  traces: number;
  /** Lines not compressed in this run: already in the output + bad + failed. */
  skipped: number;
  ratio: number;
  /** Per-trace compressed/original ratio over the traces of this run (null when none). */
  ratioDistribution: Distribution | null;
  tracesPerMinute: number;
  /** True when the run stopped early on cancellation (rerun to resume; nothing half-written). */
  cancelled: boolean;
  input: string;
  output: string;
}

export interface CotBatchOptions extends Omit<CotOptions, 'problem' | 'answer' | 'signal' | 'onProgress'> {
  input: string;
  output: string;
  fields?: Partial<CotBatchFields>;
  signal?: CancellationSignal;
  onProgress?: (p: CotBatchProgress) => void;
  /** A line that could not be used (1-based line number in the input). */
  onBadLine?: (line: number, reason: string) => void;
}

/** Linear-interpolated quantile (numpy's default) of sorted values. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

export function distribution(values: readonly number[]): Distribution | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  return { min: s[0], p25: quantile(s, 0.25), median: quantile(s, 0.5), p75: quantile(s, 0.75), max: s[s.length - 1] };
}

async function countLines(file: string): Promise<number> {
  let lines = 0;
  let last = 10;
  for await (const chunk of fs.createReadStream(file) as AsyncIterable<Buffer>) {
    for (let i = 0; i < chunk.length; i++) if (chunk[i] === 10) lines++;
    if (chunk.length > 0) last = chunk[chunk.length - 1];
  }
  return last === 10 ? lines : lines + 1;
}

/**
 * Ids already written to the output. A last line without a newline (a run killed mid-write)
 * is cut off so the appended records start on a fresh line.
 */
async function existingIds(output: string, idField: string): Promise<Set<string>> {
  const ids = new Set<string>();
  if (!fs.existsSync(output)) return ids;
  const size = fs.statSync(output).size;
  if (size > 0) {
    const fd = fs.openSync(output, 'r+');
    try {
      const buf = Buffer.alloc(1);
      fs.readSync(fd, buf, 0, 1, size - 1);
      if (buf[0] !== 10) {
        // find the last newline and truncate after it
        const chunk = 1 << 16;
        let pos = size;
        let cut = 0;
        while (pos > 0) {
          const start = Math.max(0, pos - chunk);
          const b = Buffer.alloc(pos - start);
          fs.readSync(fd, b, 0, b.length, start);
          const nl = b.lastIndexOf(10);
          if (nl >= 0) {
            cut = start + nl + 1;
            break;
          }
          pos = start;
        }
        fs.ftruncateSync(fd, cut);
      }
    } finally {
      fs.closeSync(fd);
    }
  }
  const rl = readline.createInterface({ input: fs.createReadStream(output), crlfDelay: Infinity });
  for await (const line of rl) {
    if (line.trim() === '') continue;
    try {
      const rec = JSON.parse(line) as Record<string, unknown>;
      const id = rec[idField];
      if (typeof id === 'string' || typeof id === 'number') ids.add(String(id));
    } catch {
      // a corrupt line in the output is not ours to fix; its record will be redone
    }
  }
  return ids;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Compact per-trace stats stored in each output record under "contextzip". */
export function recordStats(r: CotResult): Record<string, unknown> {
  return {
    originalTokens: r.originalTokens,
    compressedTokens: r.compressedTokens,
    ratio: r.ratio,
    budget: r.budget,
    budgetMet: r.budgetMet,
    steps: r.steps.length,
    keptSteps: r.steps.filter((s) => s.kept).length,
    anchoredSteps: r.steps.filter((s) => s.anchored).length,
    answerSource: r.answer.source,
    contextTruncated: r.contextTruncated,
    tokenizer: r.tokenizer,
    model: r.model,
    modelTokensProcessed: r.modelTokensProcessed,
    timings: r.timings,
    warnings: r.warnings,
  };
}

export async function runCotBatch(scorer: Scorer, options: CotBatchOptions): Promise<CotBatchSummary> {
  const fields: CotBatchFields = { ...DEFAULT_BATCH_FIELDS, ...options.fields };
  if (options.fields?.output === undefined) fields.output = fields.think;
  const { input, output, signal } = options;
  if (!fs.existsSync(input) || fs.statSync(input).isDirectory())
    throw new UsageError(`--input: no such file: ${input}`);
  if (fs.existsSync(output) && fs.realpathSync(output) === fs.realpathSync(input))
    throw new UsageError('--output must differ from --input.');
  const t0 = Date.now();
  const totalLines = await countLines(input);
  const done = await existingIds(output, fields.id);
  const out = fs.createWriteStream(output, { flags: 'a' });
  const write = (s: string): Promise<void> =>
    new Promise((resolve, reject) => {
      out.write(s, (err) => (err ? reject(err) : resolve()));
    });
  const p: CotBatchProgress = {
    line: 0,
    totalLines,
    compressed: 0,
    skippedExisting: 0,
    bad: 0,
    failed: 0,
    tokensBefore: 0,
    tokensAfter: 0,
    elapsedMs: 0,
  };
  const ratios: number[] = [];
  const bad = (reason: string): void => {
    p.bad++;
    options.onBadLine?.(p.line, reason);
  };
  const seen = new Set<string>();
  let reportedLine = -1;
  let cancelled = false;
  const rl = readline.createInterface({ input: fs.createReadStream(input), crlfDelay: Infinity });
  try {
    for await (const line of rl) {
      if (signal?.cancelled) {
        cancelled = true;
        break;
      }
      p.line++;
      if (line.trim() === '') continue;
      let rec: unknown;
      try {
        rec = JSON.parse(line);
      } catch (err) {
        bad(`invalid JSON (${err instanceof Error ? err.message.split('\n')[0] : String(err)})`);
        continue;
      }
      if (!isRecord(rec)) {
        bad('not a JSON object');
        continue;
      }
      const id = rec[fields.id];
      if (typeof id !== 'string' && typeof id !== 'number') {
        bad(`missing id field "${fields.id}"`);
        continue;
      }
      const think = rec[fields.think];
      if (typeof think !== 'string') {
        bad(`missing or non-string trace field "${fields.think}"`);
        continue;
      }
      const key = String(id);
      if (done.has(key)) {
        p.skippedExisting++;
        continue;
      }
      if (seen.has(key)) {
        bad(`duplicate id ${JSON.stringify(key)} (already compressed in this run)`);
        continue;
      }
      const problem = rec[fields.problem];
      const answer = rec[fields.answer];
      let result: CotResult;
      try {
        result = await compressTrace(think, scorer, {
          ...options,
          problem: typeof problem === 'string' ? problem : undefined,
          answer: typeof answer === 'string' ? answer : undefined,
          signal,
          onProgress: undefined,
        });
      } catch (err) {
        if (err instanceof CancelledError) {
          cancelled = true;
          break;
        }
        if (err instanceof UsageError) throw err;
        p.failed++;
        options.onBadLine?.(
          p.line,
          `compression failed: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`,
        );
        continue;
      }
      seen.add(key);
      await write(`${JSON.stringify({ ...rec, [fields.output]: result.text, contextzip: recordStats(result) })}\n`);
      p.compressed++;
      p.tokensBefore += result.originalTokens;
      p.tokensAfter += result.compressedTokens;
      ratios.push(result.ratio);
      p.elapsedMs = Date.now() - t0;
      reportedLine = p.line;
      options.onProgress?.({ ...p });
    }
  } finally {
    rl.close();
    await new Promise<void>((resolve) => out.end(resolve));
  }
  p.elapsedMs = Date.now() - t0;
  if (reportedLine !== p.line) options.onProgress?.({ ...p });
  return {
    ...p,
    traces: p.compressed,
    skipped: p.skippedExisting + p.bad + p.failed,
    ratio: p.tokensBefore > 0 ? p.tokensAfter / p.tokensBefore : 1,
    ratioDistribution: distribution(ratios),
    tracesPerMinute: p.elapsedMs > 0 ? (p.compressed * 60000) / p.elapsedMs : 0,
    cancelled,
    input,
    output,
  };
}
