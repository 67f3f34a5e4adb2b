/** `contextzip cot-batch`: compress every trace of a JSONL data set (streamed, resumable). */
import fs from 'node:fs';
import type { Command } from 'commander';
import { runCotBatch, type CotBatchProgress, type CotBatchSummary } from '../../core/cot/index.js';
import { UsageError } from '../../core/errors.js';
import { checkModelOptions, loadScorerWithProgress } from '../model-options.js';
import { createProgress, type Progress } from '../progress.js';
import { addCotOptions, cotOptionsFromCli, type CotCliOptions } from './cot.js';

interface CotBatchCommandOptions extends CotCliOptions {
  input?: string;
  output?: string;
  fieldId: string;
  fieldProblem: string;
  fieldThink: string;
  fieldAnswer: string;
  outputField?: string;
  summaryJson?: string;
}

function fmt(n: number): string {
  return n.toFixed(3);
}

export function formatSummary(s: CotBatchSummary): string {
  const d = s.ratioDistribution;
  return [
    `cot-batch: ${s.traces} traces compressed, ${s.skipped} skipped (${s.skippedExisting} already in output, ${s.bad} bad lines, ${s.failed} failed)`,
    `  tokens: ${s.tokensBefore} -> ${s.tokensAfter} (${s.tokensBefore > 0 ? (100 * s.ratio).toFixed(1) : '-'}%)`,
    d
      ? `  per-trace ratio: min ${fmt(d.min)}  p25 ${fmt(d.p25)}  median ${fmt(d.median)}  p75 ${fmt(d.p75)}  max ${fmt(d.max)}`
      : '  per-trace ratio: -',
    `  ${(s.elapsedMs / 1000).toFixed(1)} s, ${s.tracesPerMinute.toFixed(1)} traces/min -> ${s.output}`,
  ].join('\n');
}

/**
 * Progress of a batch on the progress line (stderr, terminals only): lines read of the input,
 * traces compressed, the running ratio and rate, with cli-progress's ETA.
 */
export function progressReporter(progress: Progress): (p: CotBatchProgress) => void {
  return (p) => {
    const ratio = p.tokensBefore > 0 ? `, ratio ${(p.tokensAfter / p.tokensBefore).toFixed(3)}` : '';
    const rate = p.elapsedMs > 0 ? `, ${((p.compressed * 60000) / p.elapsedMs).toFixed(1)}/min` : '';
    progress.update('compressing traces', p.line, p.totalLines, `lines (${p.compressed} compressed${ratio}${rate})`);
  };
}

export function register(program: Command): void {
  addCotOptions(
    program
      .command('cot-batch')
      .description('compress the reasoning traces of a JSONL data set; resumable (ids already in --output are skipped)')
      .option('--input <file>', 'input JSONL, one record per line')
      .option('--output <file>', 'output JSONL (appended to; records already there are skipped)')
      .option('--field-id <name>', 'record id field', 'id')
      .option('--field-problem <name>', 'problem statement field (optional in records)', 'problem')
      .option('--field-think <name>', 'trace field to compress', 'think')
      .option('--field-answer <name>', 'final answer field (optional in records)', 'final_answer')
      .option('--output-field <name>', 'field for the compressed trace (default: the --field-think field)')
      .option('--summary-json <file>', 'also write the final summary as JSON'),
  ).action(async (opts: CotBatchCommandOptions) => {
    if (!opts.input) throw new UsageError('cot-batch needs --input FILE.jsonl.');
    checkModelOptions(opts);
    if (!opts.output) throw new UsageError('cot-batch needs --output FILE.jsonl.');
    if (!fs.existsSync(opts.input) || fs.statSync(opts.input).isDirectory())
      throw new UsageError(`--input: no such file: ${opts.input}`);
    const options = cotOptionsFromCli(opts);
    const progress = createProgress({ quiet: opts.quiet });
    const scorer = await loadScorerWithProgress(opts, progress);
    // Ctrl-C: stop after (or inside) the current trace, close the output cleanly, print the
    // summary; the same command resumes. A second Ctrl-C exits at once.
    const signal = { cancelled: false };
    const onSigint = (): void => {
      if (signal.cancelled) process.exit(130);
      signal.cancelled = true;
      progress.stop();
      process.stderr.write('\ncot-batch: stopping (Ctrl-C again to abort now); rerun the same command to resume\n');
    };
    process.on('SIGINT', onSigint);
    try {
      const summary = await runCotBatch(scorer, {
        ...options,
        signal,
        input: opts.input,
        output: opts.output,
        fields: {
          id: opts.fieldId,
          problem: opts.fieldProblem,
          think: opts.fieldThink,
          answer: opts.fieldAnswer,
          output: opts.outputField ?? opts.fieldThink,
        },
        onProgress: progressReporter(progress),
        onBadLine: (line, reason) => {
          progress.stop(); // the note on its own line; the bar comes back with the next trace
          process.stderr.write(`contextzip: ${opts.input}:${line}: ${reason}; skipped\n`);
        },
      });
      progress.stop();
      process.stderr.write(`${formatSummary(summary)}\n`);
      if (opts.summaryJson) fs.writeFileSync(opts.summaryJson, `${JSON.stringify(summary, null, 2)}\n`);
      if (summary.cancelled) {
        process.stderr.write(
          `cot-batch: cancelled at line ${summary.line} of ${summary.totalLines}; rerun to resume\n`,
        );
        process.exitCode = 130;
      }
    } finally {
      progress.stop();
      process.off('SIGINT', onSigint);
      await scorer.dispose();
    }
  });
}
