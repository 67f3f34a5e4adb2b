/** `contextzip compress`: query-aware, budgeted compression of code files and folders. */
import path from 'node:path';
import type { Command } from 'commander';
import { COMPRESSION_DEFAULTS, type Budget } from '../../core/budget.js';
import { compressSources, type SourceText } from '../../core/code/compress-sources.js';
import { lineSafeFileName } from '../../core/code/markers.js';
import { parsePrefilter, RANKING_METHODS, type Prefilter, type RankingMethod } from '../../core/code/rank.js';
import { UsageError } from '../../core/errors.js';
import { maskSourceSecrets, type SecretFinding } from '../../core/files/index.js';
import { createTokenCounter } from '../../core/tokens/index.js';
import type { CompressionResult, SkippedFile } from '../../core/types.js';
import {
  addModelOptions,
  checkModelOptions,
  openScoreCache,
  loadScorerWithProgress,
  type ModelCliOptions,
} from '../model-options.js';
import { parseNumberOption, RANGES, repeatable } from '../options.js';
import { COMPRESSION_STAGE_LABELS, createProgress, fileProgress, type Progress } from '../progress.js';
import { readTextArg, TEXT_INPUT_LIMITS } from '../read-input.js';
import { loadScope, noSourcesMessage } from '../scope.js';

interface CompressCliOptions extends ModelCliOptions {
  query?: string;
  queryFile?: string;
  ratio?: string;
  budget?: string;
  beta?: string;
  tokenizer: string;
  json?: boolean;
  cursor?: string;
  exclude?: string[];
  maxFileBytes?: string;
  prefilter?: string;
  ranking: string;
  amiWeighting: string;
  scoreCache: boolean;
  cacheMaxMb?: string;
  followSymlinks?: boolean;
  maskSecrets: boolean;
  quiet?: boolean;
}

export function register(program: Command): void {
  addModelOptions(
    program
      .command('compress')
      .description('compress code files/folders for a query under a token budget')
      .argument('<paths...>', 'files and folders (folders respect .gitignore and .contextzipignore)')
      .option('--query <text>', 'what the context is for')
      .option('--query-file <file>', 'read the query from a file ("-" for stdin)')
      .option(
        '--cursor <file:line[:col]>',
        'completion scenario: the code before this position is the query (1-based line/column)',
      )
      .option('--ratio <r>', 'keep this fraction of the tokens (0 < r <= 1)')
      .option('--budget <tokens>', 'keep at most this many tokens')
      .option(
        '--beta <b>',
        'how strongly relevance shapes per-function budgets',
        String(COMPRESSION_DEFAULTS.code.beta),
      )
      .option('--tokenizer <name>', 'count tokens with o200k_base, cl100k_base, model or estimate', 'o200k_base')
      .option('--exclude <glob>', 'skip files matching a glob (repeatable)', repeatable, [] as string[])
      .option('--max-file-bytes <n>', 'skip files larger than this', String(1024 * 1024))
      .option('--follow-symlinks', 'in folders, also read symbolic links whose target is outside the given folders')
      .option(
        '--ranking <mode>',
        'fused (default: model AMI + BM25F + word association), ami (model AMI only, LongCodeZip) or hybrid (rank fusion of AMI and BM25)',
        'fused',
      )
      .option(
        '--ami-weighting <mode>',
        'surprisal (default: query tokens weighted by their surprisal without the chunk) or uniform (LongCodeZip)',
        'surprisal',
      )
      .option(
        '--prefilter <auto|off|n>',
        'which chunks the model ranks: auto (cascade sized by the budget), off (all), or the N best by cheap signals',
        'auto',
      )
      .option('--no-score-cache', 'do not read or write the persisted caches (scores and token counts)')
      .option(
        '--cache-max-mb <n>',
        "size cap of the persisted cache folder; other models' files go first (default 256)",
      )
      .option('--no-mask-secrets', 'keep secrets (private keys, API tokens) found in files instead of masking them')
      .option('--json', 'print the result as JSON')
      .option('-q, --quiet', 'no progress line (shown on stderr only when it is a terminal)'),
  ).action(async (paths: string[], opts: CompressCliOptions) => {
    checkModelOptions(opts);
    if (opts.query !== undefined && opts.queryFile !== undefined)
      throw new UsageError('Give either --query or --query-file, not both.');
    if (opts.ratio !== undefined && opts.budget !== undefined)
      throw new UsageError('Give either --ratio or --budget, not both.');
    if (opts.ratio === undefined && opts.budget === undefined)
      throw new UsageError('Give a budget: --ratio R or --budget TOKENS.');
    const budget =
      opts.ratio !== undefined
        ? { ratio: parseNumberOption(opts.ratio, '--ratio', RANGES.ratio) }
        : { tokens: parseNumberOption(opts.budget!, '--budget', RANGES.budgetTokens) };
    const beta = parseNumberOption(opts.beta ?? String(COMPRESSION_DEFAULTS.code.beta), '--beta', RANGES.beta);
    const prefilter = parsePrefilter(opts.prefilter ?? 'auto');
    if (prefilter === undefined)
      throw new UsageError(`--prefilter must be auto, off or a whole number of chunks (got "${opts.prefilter}").`);
    const maxFileBytes = parseNumberOption(opts.maxFileBytes ?? '1048576', '--max-file-bytes', RANGES.maxFileBytes);
    const ranking = parseRanking(opts.ranking);
    const amiWeighting = parseAmiWeighting(opts.amiWeighting);
    const query =
      opts.queryFile !== undefined
        ? readTextArg(opts.queryFile, '--query-file', TEXT_INPUT_LIMITS.query)
        : (opts.query ?? '');
    if (Buffer.byteLength(query) > TEXT_INPUT_LIMITS.query)
      throw new UsageError(`--query is larger than the ${TEXT_INPUT_LIMITS.query / (1024 * 1024)} MB limit.`);
    if (query.trim() === '' && !opts.cursor)
      throw new UsageError('The query is empty: pass --query TEXT, --query-file FILE or --cursor FILE:LINE.');
    const progress = createProgress({ quiet: opts.quiet });
    try {
      await run(paths, opts, { query, budget, beta, prefilter, maxFileBytes, ranking, amiWeighting }, progress);
    } finally {
      progress.stop();
    }
  });
}

interface CompressSettings {
  query: string;
  budget: Budget;
  beta: number;
  prefilter: Prefilter;
  maxFileBytes: number;
  ranking: RankingMethod;
  amiWeighting: 'uniform' | 'surprisal';
}

async function run(paths: string[], opts: CompressCliOptions, settings: CompressSettings, progress: Progress) {
  const { query, budget, beta, prefilter, maxFileBytes, ranking, amiWeighting } = settings;
  // The first progress line, before the scan of a large folder starts.
  progress.update('reading files', 0, 0, 'found');
  const scope = loadScope(paths, {
    exclude: opts.exclude ?? [],
    maxFileBytes,
    followSymlinks: opts.followSymlinks === true,
    onProgress: fileProgress(progress),
  });
  if (scope.sources.length === 0) throw new UsageError(noSourcesMessage(paths, scope.skipped));
  const secrets: SecretFinding[] = opts.maskSecrets
    ? await maskSourceSecrets(scope.sources, (k, n) => progress.update('checking for secrets', k, n, 'files'))
    : [];
  const cursor = opts.cursor ? resolveCursor(opts.cursor, scope.root, scope.sources) : undefined;

  progress.stop(); // a warning about the score cache goes on its own line
  const cache = opts.scoreCache ? openScoreCache(opts) : undefined;
  const scorer = await loadScorerWithProgress(opts, progress, cache);
  try {
    const countTokens = createTokenCounter(opts.tokenizer, (t) => scorer.countTokens(t));
    const result = await compressSources({
      sources: scope.sources,
      skipped: scope.skipped,
      query,
      cursor,
      budget,
      beta,
      scorer,
      countTokens,
      prefilter,
      ranking,
      amiWeighting,
      chunkedFiles: cache?.chunkedFiles,
      onProgress: (stage, done, total) => {
        const { label, unit } = COMPRESSION_STAGE_LABELS[stage] ?? { label: stage, unit: '' };
        progress.update(label, done, total, unit);
      },
    });
    progress.stop();
    cache?.save();
    if (opts.json) {
      process.stdout.write(`${JSON.stringify({ ...result, tokenizer: opts.tokenizer, secretsMasked: secrets })}\n`);
      for (const w of result.warnings ?? []) process.stderr.write(`contextzip: warning: ${w}\n`);
    } else printReport(result, scope.skipped, opts.tokenizer);
    if (secrets.length > 0) process.stderr.write(`${secretsNote(secrets)}\n`);
  } finally {
    await scorer.dispose();
  }
}

/** One line naming where secrets were masked (never the secrets themselves). */
export function secretsNote(secrets: SecretFinding[]): string {
  const where = secrets.slice(0, 5).map((s) => `${lineSafeFileName(s.file)}:${s.line} ${s.kind}`);
  const more = secrets.length > 5 ? `, and ${secrets.length - 5} more` : '';
  return `contextzip: masked ${secrets.length} secret${secrets.length === 1 ? '' : 's'} (${where.join(', ')}${more}); --no-mask-secrets keeps them`;
}

function parseAmiWeighting(value: string): 'uniform' | 'surprisal' {
  if (value === 'uniform' || value === 'surprisal') return value;
  throw new UsageError(`--ami-weighting must be surprisal or uniform (got "${value}").`);
}

function parseRanking(value: string): RankingMethod {
  const method = RANKING_METHODS.find((m) => m === value);
  if (method) return method;
  throw new UsageError(`--ranking must be one of ${RANKING_METHODS.join(', ')} (got "${value}").`);
}

function resolveCursor(spec: string, root: string, sources: SourceText[]): { file: string; offset: number } {
  const m = /^(.*?):(\d+)(?::(\d+))?$/.exec(spec);
  if (!m) throw new UsageError(`--cursor must look like FILE:LINE or FILE:LINE:COL (got "${spec}").`);
  const rel = path.relative(root, path.resolve(m[1])).split(path.sep).join('/');
  const src = sources.find((s) => s.file === rel || s.file === m[1]);
  if (!src) throw new UsageError(`--cursor: ${m[1]} is not among the compressed files.`);
  const lines = src.text.split('\n');
  const line = Number(m[2]);
  if (line < 1 || line > lines.length)
    throw new UsageError(`--cursor: line ${line} is outside ${m[1]} (1-${lines.length}).`);
  const col = m[3] ? Number(m[3]) : lines[line - 1].length + 1;
  let offset = 0;
  for (let i = 0; i < line - 1; i++) offset += lines[i].length + 1;
  return { file: src.file, offset: offset + Math.min(col - 1, lines[line - 1].length) };
}

function printReport(result: CompressionResult, skipped: SkippedFile[], tokenizer: string): void {
  process.stdout.write(result.text);
  const kept = result.chunks.filter((c) => c.status === 'kept').length;
  const partial = result.chunks.filter((c) => c.status === 'partial').length;
  const lines = [
    '',
    `contextzip: ${result.originalTokens} -> ${result.compressedTokens} tokens (${(result.ratio * 100).toFixed(1)}%, budget ${result.budget}, ${tokenizer})`,
    `  chunks: ${result.chunks.length} total, ${kept} kept, ${partial} partial, ${result.chunks.length - kept - partial} dropped`,
    `  model: ${result.model.id} (${result.model.dtype}), ${result.modelTokensProcessed} model tokens; ${result.timings.totalMs.toFixed(0)} ms`,
    ...skipped.map((s) => `  skipped ${lineSafeFileName(s.file)}: ${s.detail}`),
    ...(result.warnings ?? []).map((w) => `  warning: ${w}`),
  ];
  process.stderr.write(`${lines.join('\n')}\n`);
}
