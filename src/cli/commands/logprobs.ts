/** `contextzip logprobs`: per-token log-probs of a text (optionally after a context). */
import type { Command } from 'commander';
import { UsageError } from '../../core/errors.js';
import { addModelOptions, checkModelOptions, scorerFromOptions, type ModelCliOptions } from '../model-options.js';
import { readTextArg, TEXT_INPUT_LIMITS } from '../read-input.js';

interface LogprobsOptions extends ModelCliOptions {
  textFile?: string;
  contextFile?: string;
  json?: boolean;
}

export function register(program: Command): void {
  addModelOptions(
    program
      .command('logprobs')
      .description('print the log-probability of every token of a text (after an optional context)')
      .option('--text-file <file>', 'the text to score ("-" for stdin)')
      .option('--context-file <file>', 'text placed before it (not scored)')
      .option('--json', 'print JSON: {model, tokens: [{text, logprob}], totalLogprob, perplexity}'),
  ).action(async (opts: LogprobsOptions) => {
    if (!opts.textFile) throw new UsageError('logprobs needs --text-file FILE (or - for stdin).');
    checkModelOptions(opts);
    const text = readTextArg(opts.textFile, '--text-file', TEXT_INPUT_LIMITS.trace);
    const context = opts.contextFile ? readTextArg(opts.contextFile, '--context-file') : '';
    const scorer = await scorerFromOptions(opts);
    try {
      const [r] = await scorer.score([{ context, text }]);
      if (opts.json) {
        process.stdout.write(
          `${JSON.stringify({
            model: scorer.info,
            tokens: r.tokens.map((t) => ({ text: t.text, logprob: t.logprob, start: t.start, end: t.end })),
            totalLogprob: r.totalLogprob,
            perplexity: r.perplexity,
            contextTruncated: r.contextTruncated,
          })}\n`,
        );
      } else {
        for (const t of r.tokens)
          process.stdout.write(`${JSON.stringify(t.text).padEnd(24)} ${t.logprob.toFixed(4)}\n`);
        process.stdout.write(
          `tokens=${r.tokens.length} totalLogprob=${r.totalLogprob.toFixed(4)} perplexity=${r.perplexity.toFixed(3)}${r.contextTruncated ? ' (context truncated)' : ''}\n`,
        );
      }
    } finally {
      await scorer.dispose();
    }
  });
}
