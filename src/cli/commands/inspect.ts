/**
 * `contextzip inspect FILE [--json] [--compare OTHER]` and `contextzip eval-variants`:
 * model-compression inspection. The JSON is core's ModelReport / EvalVariantsResult.
 */
import type { Command } from 'commander';
import path from 'node:path';
import { UsageError } from '../../core/errors.js';
import { inspectAndCompare, inspectModelFile, type ModelReport } from '../../core/inspect/index.js';
import type { ModelComparison } from '../../core/inspect/compare.js';
import { evaluateVariants, type EvalVariantsResult } from '../../core/inspect/variants.js';
import { readTextArg } from '../read-input.js';
import { loadScope } from '../scope.js';

interface InspectOptions {
  json?: boolean;
  compare?: string;
  maxElements?: string;
  rankSample?: string;
  lowRank?: boolean;
}

function positiveInt(v: string | undefined, flag: string, def: number): number {
  if (v === undefined) return def;
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`${flag} must be a positive integer, got "${v}".`);
  return n;
}

const mb = (b: number) => `${(b / 2 ** 20).toFixed(2)} MB`;
const f = (x: number | null | undefined, d = 3) => (x === null || x === undefined ? '-' : x.toFixed(d));

export function formatReport(r: ModelReport): string {
  const lines = [
    `${r.file} (${r.format}): ${r.tensors.length} tensors, ${r.totalParams.toLocaleString('en')} parameters, ${mb(r.bytes)} of tensors (${mb(r.fileBytes)} on disk)`,
    `bits/weight ${r.bitsPerWeight.toFixed(3)}; vs fp16 ${mb(r.fp16Bytes)}: x${r.compressionVsFp16.toFixed(3)}; ` +
      Object.entries(r.dtypes)
        .map(([k, v]) => `${k} ${v.toLocaleString('en')}`)
        .join(', '),
    '',
    `${'tensor'.padEnd(44)} ${'dtype'.padEnd(13)} ${'shape'.padEnd(14)} ${'bits/w'.padStart(7)} ${'zeros'.padStart(6)} ${'N:M'.padStart(4)} ${'rank'.padStart(5)} ${'eff'.padStart(4)} ${'std'.padStart(9)}`,
  ];
  for (const t of r.tensors) {
    lines.push(
      `${t.name.slice(0, 44).padEnd(44)} ${t.dtype.padEnd(13)} ${JSON.stringify(t.shape).padEnd(14)} ${t.bitsPerWeight.toFixed(3).padStart(7)} ${f(t.zeroFraction).padStart(6)} ${(t.nmSparsity ?? '-').padStart(4)} ${String(t.numericalRank ?? '-').padStart(5)} ${String(t.effectiveRank ?? '-').padStart(4)} ${f(t.stats?.std, 5).padStart(9)}`,
    );
  }
  for (const w of r.warnings) lines.push(`warning: ${w}`);
  return lines.join('\n');
}

export function formatComparison(c: ModelComparison): string {
  const lines = [
    `${path.basename(c.a.file)} -> ${path.basename(c.b.file)}: size x${c.sizeRatio.toFixed(3)}, bits/weight ${c.a.bitsPerWeight.toFixed(3)} -> ${c.b.bitsPerWeight.toFixed(3)}, mean relative error ${f(c.meanRelError, 4)}`,
    `${'tensor'.padEnd(40)} ${'dtype'.padEnd(22)} ${'bits/w'.padEnd(15)} ${'size'.padStart(7)} ${'rel.err'.padStart(8)}`,
  ];
  for (const t of c.tensors) {
    lines.push(
      `${t.name.slice(0, 40).padEnd(40)} ${`${t.dtypeA} -> ${t.dtypeB}`.padEnd(22)} ${`${t.bitsPerWeightA.toFixed(2)} -> ${t.bitsPerWeightB.toFixed(2)}`.padEnd(15)} ${`x${t.sizeRatio.toFixed(3)}`.padStart(7)} ${f(t.relError, 4).padStart(8)}`,
    );
  }
  if (c.onlyA.length) lines.push(`only in ${path.basename(c.a.file)}: ${c.onlyA.join(', ')}`);
  if (c.onlyB.length) lines.push(`only in ${path.basename(c.b.file)}: ${c.onlyB.join(', ')}`);
  return lines.join('\n');
}

export function formatVariants(r: EvalVariantsResult): string {
  const lines = [
    `${r.files} files, perplexity on ${r.perplexitySample.chars} characters, rankings for ${r.queries.length} queries at ratio ${r.ratio} (agreement with ${r.variants[0]?.label ?? '-'})`,
    `${'variant'.padEnd(10)} ${'load ms'.padStart(8)} ${'RSS MB'.padStart(7)} ${'ppl'.padStart(8)} ${'tok/s'.padStart(7)} ${'tau'.padStart(6)} ${`top${r.topK}`.padStart(6)} ${'same'.padStart(6)}`,
  ];
  for (const v of r.variants) {
    lines.push(
      `${v.label.padEnd(10)} ${v.loadMs.toFixed(0).padStart(8)} ${v.rssAfterLoadMB.toFixed(0).padStart(7)} ${v.perplexity.toFixed(3).padStart(8)} ${v.tokensPerSecond.toFixed(0).padStart(7)} ${f(v.meanKendallTau).padStart(6)} ${f(v.meanTopKOverlap).padStart(6)} ${f(v.meanSameDecision).padStart(6)}`,
    );
  }
  return lines.join('\n');
}

export function register(program: Command): void {
  program
    .command('inspect')
    .description('show quantization, sparsity and low-rank statistics of an .onnx, .safetensors or .gguf model file')
    .argument('<file>', 'model file')
    .option('--json', 'print JSON: {file, format, totalParams, bytes, bitsPerWeight, tensors: [...]}')
    .option('--compare <other>', 'compare tensor by tensor with another model file (the first is the reference)')
    .option('--max-elements <n>', 'values read per tensor at most; larger tensors are sampled', '4000000')
    .option('--rank-sample <n>', 'rows/columns of the low-rank sample', '512')
    .option('--no-low-rank', 'skip the singular-value profile')
    .action(async (file: string, opts: InspectOptions) => {
      const analyze = {
        maxElements: positiveInt(opts.maxElements, '--max-elements', 4_000_000),
        rankSample: positiveInt(opts.rankSample, '--rank-sample', 512),
        lowRank: opts.lowRank !== false,
      };
      if (opts.compare) {
        const { a, b, comparison } = await inspectAndCompare(file, opts.compare, analyze);
        if (opts.json) process.stdout.write(`${JSON.stringify({ ...a, compare: { ...comparison, other: b } })}\n`);
        else process.stdout.write(`${formatReport(a)}\n\n${formatReport(b)}\n\n${formatComparison(comparison)}\n`);
        return;
      }
      const r = await inspectModelFile(file, analyze);
      process.stdout.write(opts.json ? `${JSON.stringify(r)}\n` : `${formatReport(r)}\n`);
    });

  program
    .command('eval-variants')
    .description(
      'compare compressor model variants on your code: perplexity, speed, load time, memory, ranking agreement',
    )
    .argument('<paths...>', 'code files or folders to evaluate on')
    .option('--model <id|path>', 'model (all variants): "embedded", a local folder, or a downloaded hub id', 'embedded')
    .option(
      '--dtypes <list>',
      'comma-separated variants; the first is the reference (fp32 needs a model folder that has it)',
      'q8,q4',
    )
    .option('--models <list>', 'instead of --dtypes: comma-separated model:dtype pairs sharing a tokenizer')
    .option('--query <text...>', 'queries to rank chunks for')
    .option('--queries-file <file>', 'one query per line')
    .option('--ratio <r>', 'budget ratio of the compression decisions', '0.3')
    .option('--perplexity-chars <n>', 'characters of code scored for perplexity', '20000')
    .option('--top-k <k>', 'k of the top-k overlap', '5')
    .option('--max-files <n>', 'use at most this many files', '40')
    .option('--threads <n>', 'onnxruntime threads')
    .option('--json', 'print JSON')
    .action(
      async (
        paths: string[],
        opts: {
          model: string;
          dtypes: string;
          models?: string;
          query?: string[];
          queriesFile?: string;
          ratio: string;
          perplexityChars: string;
          topK: string;
          maxFiles: string;
          threads?: string;
          json?: boolean;
        },
      ) => {
        const queries = [...(opts.query ?? [])];
        if (opts.queriesFile)
          queries.push(
            ...readTextArg(opts.queriesFile, '--queries-file')
              .split('\n')
              .map((l) => l.trim())
              .filter(Boolean),
          );
        if (queries.length === 0) throw new UsageError('eval-variants needs --query TEXT... or --queries-file F.');
        const ratio = Number(opts.ratio);
        if (!(ratio > 0 && ratio <= 1)) throw new UsageError(`--ratio must be in (0, 1], got "${opts.ratio}".`);
        const variants = opts.models
          ? opts.models.split(',').map((s) => {
              const i = s.lastIndexOf(':');
              const model = i > 0 ? s.slice(0, i) : s;
              const dtype = i > 0 ? s.slice(i + 1) : 'q8';
              return { label: `${path.basename(model)}:${dtype}`, model, dtype };
            })
          : opts.dtypes.split(',').map((d) => ({ label: d.trim(), model: opts.model, dtype: d.trim() }));
        if (variants.length < 2) throw new UsageError('eval-variants needs at least two variants.');
        const scope = loadScope(paths, { exclude: [], maxFileBytes: 1024 * 1024 });
        const sources = scope.sources.slice(0, positiveInt(opts.maxFiles, '--max-files', 40));
        if (sources.length === 0) throw new UsageError('No readable code files in the given paths.');
        const r = await evaluateVariants({
          variants,
          sources,
          queries,
          ratio,
          perplexityChars: positiveInt(opts.perplexityChars, '--perplexity-chars', 20000),
          topK: positiveInt(opts.topK, '--top-k', 5),
          threads: opts.threads ? positiveInt(opts.threads, '--threads', 1) : undefined,
          onProgress: (_s, done, total, msg) => {
            if (process.stderr.isTTY && msg)
              process.stderr.write(`\r[${done}/${total}] ${msg.slice(0, 60).padEnd(60)}`);
          },
        });
        if (process.stderr.isTTY) process.stderr.write('\r'.padEnd(80) + '\r');
        process.stdout.write(opts.json ? `${JSON.stringify(r)}\n` : `${formatVariants(r)}\n`);
      },
    );
}
