/**
 * Batch compression of a JSONL data set of reasoning traces (one record per line), streamed
 * line by line. Resumable: ids already in the output are skipped and new records added after
 * them. The output is never written in place: a run writes a temporary file in the output's
 * folder and renames it over the output when it ends.
 * Bad lines (invalid JSON, missing or non-string fields) are reported with their line
 * number and skipped; a trace that fails to compress is reported and skipped too. Only
 * cancellation stops the run early: between traces, or inside one (that trace is dropped,
 * never half-written); the summary says `cancelled` and a rerun resumes.
 */
import fs from 'node:fs';
import path from 'node:path';
import { removeOrphanTemps } from '../files/orphan-temps.js';
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

/** A UTF-8 byte-order mark at the start of a JSONL file is not part of its first record. */
function stripBom(line: string, lineNo: number): string {
  return lineNo === 1 && line.charCodeAt(0) === 0xfeff ? line.slice(1) : line;
}

/** The temporary file a run writes into, next to the output (same file system, so rename is atomic). */
function tempOutputPath(output: string, pid = process.pid): string {
  return path.join(path.dirname(output), `.${path.basename(output)}.contextzip-${pid}.tmp`);
}

/** Removes temporary outputs of killed runs (`.<output>.contextzip-<pid>.tmp`) next to the output. */
function removeOrphanBatchTemps(output: string): void {
  const prefix = `.${path.basename(output)}.contextzip-`;
  removeOrphanTemps(path.dirname(output), (name) =>
    name.startsWith(prefix) && name.endsWith('.tmp') ? Number(name.slice(prefix.length, -'.tmp'.length)) : null,
  );
}

/**
 * Copies the records already in the output into the run's temporary file and returns their
 * ids. The original is only read: nothing is truncated in place. Every line is copied as it
 * is, except a last line without a newline: kept (with a newline added) when it parses, and
 * left out only when it is a half-written record of a killed run.
 */
async function copyExistingOutput(output: string, out: fs.WriteStream, idField: string): Promise<Set<string>> {
  const ids = new Set<string>();
  if (!fs.existsSync(output)) return ids;
  const size = fs.statSync(output).size;
  let endsWithNewline = true;
  if (size > 0) {
    const fd = fs.openSync(output, 'r');
    try {
      const buf = Buffer.alloc(1);
      fs.readSync(fd, buf, 0, 1, size - 1);
      endsWithNewline = buf[0] === 10;
    } finally {
      fs.closeSync(fd);
    }
  }
  const keep = async (line: string, last: boolean): Promise<void> => {
    let rec: unknown;
    try {
      rec = JSON.parse(line);
    } catch {
      rec = undefined;
    }
    if (last && !endsWithNewline && rec === undefined) return; // a half-written record
    await writeTo(out, `${line}\n`);
    if (isRecord(rec)) {
      const id = rec[idField];
      if (typeof id === 'string' || typeof id === 'number') ids.add(String(id));
    }
    // a corrupt line in the output is not ours to fix: it stays, and its record is redone
  };
  const rl = readline.createInterface({ input: fs.createReadStream(output), crlfDelay: Infinity });
  let pending: string | undefined;
  let lineNo = 0;
  for await (const raw of rl) {
    if (pending !== undefined) await keep(pending, false);
    pending = stripBom(raw, ++lineNo);
  }
  if (pending !== undefined) await keep(pending, true);
  return ids;
}

function writeTo(out: fs.WriteStream, s: string): Promise<void> {
  return new Promise((resolve, reject) => {
    out.write(s, (err) => (err ? reject(err) : resolve()));
  });
}

function closeStream(out: fs.WriteStream): Promise<void> {
  return new Promise((resolve, reject) => {
    out.once('error', reject);
    out.end(() => resolve());
  });
}

/** Same file, whatever the path says (hard links, symlinks, `./x` vs `x`). */
function sameFile(a: string, b: string): boolean {
  try {
    const sa = fs.statSync(a);
    const sb = fs.statSync(b);
    return sa.dev === sb.dev && sa.ino === sb.ino;
  } catch {
    return false;
  }
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
  if (sameFile(output, input)) throw new UsageError('--output must be a different file from --input.');
  const t0 = Date.now();
  const totalLines = await countLines(input);
  // The run writes a temporary file next to the output (the records already there, then the
  // new ones) and renames it into place when it ends, so the output is never truncated and a
  // run killed at any point leaves the previous output whole.
  removeOrphanBatchTemps(output);
  const tmp = tempOutputPath(output);
  const out = fs.createWriteStream(tmp, {
    flags: 'w',
    mode: fs.existsSync(output) ? fs.statSync(output).mode & 0o777 : 0o666,
  });
  let done: Set<string>;
  try {
    done = await copyExistingOutput(output, out, fields.id);
  } catch (err) {
    await closeStream(out).catch(() => undefined);
    fs.rmSync(tmp, { force: true });
    throw err;
  }
  const write = (s: string): Promise<void> => writeTo(out, s);
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
    for await (const raw of rl) {
      if (signal?.cancelled) {
        cancelled = true;
        break;
      }
      p.line++;
      const line = stripBom(raw, p.line);
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
    // Whatever ended the loop (done, cancelled, an error), the records written so far are
    // complete lines: put them in place.
    await closeStream(out);
    fs.renameSync(tmp, output);
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
