/** `contextzip cot`: compress one reasoning trace (docs/ALGORITHMS.md §2). */
import type { Command } from 'commander';
import { compressTrace, type CotOptions, type CotResult, type TraceStage } from '../../core/cot/index.js';
import { UsageError } from '../../core/errors.js';
import { createTokenCounter } from '../../core/tokens/index.js';
import { addModelOptions, checkModelOptions, loadScorerWithProgress, type ModelCliOptions } from '../model-options.js';
import { parseOptionalNumber, RANGES } from '../options.js';
import { createProgress } from '../progress.js';
import { readTextArg, TEXT_INPUT_LIMITS } from '../read-input.js';

/** Budget and scoring options shared by `cot` and `cot-batch`. */
export interface CotCliOptions extends ModelCliOptions {
  ratio?: string;
  budget?: string;
  tokenizer: string;
  amiTop?: string;
  recompute?: boolean;
  quiet?: boolean;
}

export function addCotOptions(cmd: Command): Command {
  return addModelOptions(
    cmd
      .option('--ratio <r>', 'keep at most this fraction of the tokens, in (0, 1] (default 0.8)')
      .option('--budget <tokens>', 'keep at most this many tokens (instead of --ratio)')
      .option(
        '--tokenizer <name>',
        'tokenizer budgets are counted in: o200k_base, cl100k_base or estimate',
        'o200k_base',
      )
      .option('--ami-top <fraction>', 'fraction of steps anchored by AMI toward the answer (0 disables; default 0.1)')
      .option('--recompute', 'rescore surprisal after each removal (traces up to 2048 model tokens)')
      .option('-q, --quiet', 'no progress line (shown on stderr only when it is a terminal)'),
  );
}

/** Validated core options from the CLI flags (UsageError, exit 2, on bad values). */
export function cotOptionsFromCli(opts: CotCliOptions): CotOptions {
  if (opts.ratio !== undefined && opts.budget !== undefined)
    throw new UsageError('Give either --ratio or --budget, not both.');
  const ratio = parseOptionalNumber(opts.ratio, '--ratio', RANGES.ratio);
  const budget = parseOptionalNumber(opts.budget, '--budget', RANGES.budgetTokens);
  const amiTopFraction = parseOptionalNumber(opts.amiTop, '--ami-top', RANGES.fraction);
  if (opts.tokenizer === 'model')
    throw new UsageError('--tokenizer model is not supported for cot; use o200k_base, cl100k_base or estimate.');
  const countTokens = createTokenCounter(opts.tokenizer);
  return { ratio, budget, amiTopFraction, recompute: opts.recompute === true, countTokens, tokenizer: opts.tokenizer };
}

interface CotCommandOptions extends CotCliOptions {
  input?: string;
  answerFile?: string;
  problemFile?: string;
  json?: boolean;
}

const TRACE_STAGE_LABELS: Record<TraceStage, string> = {
  anchors: 'anchoring steps (AMI toward the answer)',
  surprisal: 'scoring step surprisal',
};

export function summaryLine(r: CotResult): string {
  const kept = r.steps.filter((s) => s.kept).length;
  const anchored = r.steps.filter((s) => s.anchored).length;
  return (
    `cot: ${r.originalTokens} -> ${r.compressedTokens} tokens (${(100 * r.ratio).toFixed(1)}%, budget ${r.budget} ${r.tokenizer}), ` +
    `${r.steps.length} steps: ${kept} kept, ${anchored} anchored, ${r.steps.length - kept} removed; answer: ${r.answer.source}; ` +
    `model ${r.model.id} (${r.model.dtype}), ${r.modelTokensProcessed} model tokens, ${r.timings.totalMs} ms`
  );
}

export function register(program: Command): void {
  addCotOptions(
    program
      .command('cot')
      .description('compress a reasoning trace: prune low-surprisal steps, keep the ones the final answer rests on')
      .option(
        '--input <file>',
        'the trace ("-" for stdin); <think>…</think> wrappers and the answer after them are kept',
      )
      .option(
        '--answer-file <file>',
        'the final answer (default: text after </think>, a "Final answer" section, or the last code block)',
      )
      .option('--problem-file <file>', 'the problem statement (context for scoring; not part of the output)')
      .option(
        '--json',
        'print JSON: {originalTokens, compressedTokens, ratio, text, steps: [{index, tokens, surprisal, anchored, kept}], ...}',
      ),
  ).action(async (opts: CotCommandOptions) => {
    if (!opts.input) throw new UsageError('cot needs --input FILE (or - for stdin).');
    checkModelOptions(opts);
    const options = cotOptionsFromCli(opts);
    const input = readTextArg(opts.input, '--input', TEXT_INPUT_LIMITS.trace);
    const answer = opts.answerFile ? readTextArg(opts.answerFile, '--answer-file') : undefined;
    const problem = opts.problemFile ? readTextArg(opts.problemFile, '--problem-file') : undefined;
    const progress = createProgress({ quiet: opts.quiet });
    const scorer = await loadScorerWithProgress(opts, progress);
    try {
      const result = await compressTrace(input, scorer, {
        ...options,
        answer,
        problem,
        onStageProgress: (stage, done, total) => progress.update(TRACE_STAGE_LABELS[stage], done, total, 'sequences'),
      });
      progress.stop();
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(result)}\n`);
      } else {
        process.stdout.write(result.text.endsWith('\n') ? result.text : `${result.text}\n`);
        process.stderr.write(`${summaryLine(result)}\n`);
      }
      for (const w of result.warnings) process.stderr.write(`contextzip: warning: ${w}\n`);
    } finally {
      progress.stop();
      await scorer.dispose();
    }
  });
}
