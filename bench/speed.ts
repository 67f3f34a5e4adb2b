// Compress speed and memory against scope size, as a user runs it: the built CLI
// (`node dist/cli.js compress DIR --budget B --query Q --json`) in its own process, with default
// settings, on folders of real public code of 4k to 1M estimated tokens.
//   cold  - a fresh score cache;
//   warm  - the same folder again (the cache is on disk);
//   edit  - after a one-line edit inside one function;
//   edit in a warm process - the editor's case: cold then the same edit in one process that stays
//           warm (model, caches, parsed files), as the extension's worker does (no secret masking);
// next to BM25 over the same chunks (in-process: chunking not counted) and to a bare
// onnxruntime forward pass over as many model tokens as the cold run processed, in
// 512-token windows, with the shipped graph (or --decoder ONNX, e.g. the decoder alone).
// Peak RSS is the child's maximum resident set (GNU time). First result: a ~1k-token file, cold
// process start to JSON. Writes bench/results/speed.{md,json}.
//
//   npm run build && npx tsx bench/speed.ts --code DIR_OF_REPOS [--sizes 4000,16000,64000,256000,1000000]
//     [--budget 8000] [--decoder PATH.onnx] [--threads 1]
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createChunker } from '../src/core/chunk/index.js';
import { bm25Scores } from '../src/core/code/bm25.js';
import { compressSources } from '../src/core/code/compress-sources.js';
import { createScorer, embeddedModelDir, ScoreCache } from '../src/core/model/index.js';
import { createTokenCounter } from '../src/core/tokens/index.js';

const { values: args } = parseArgs({
  options: {
    code: { type: 'string' },
    sizes: { type: 'string', default: '4000,16000,64000,256000,1000000' },
    budget: { type: 'string', default: '8000' },
    decoder: { type: 'string' },
    threads: { type: 'string', default: '1' },
    work: { type: 'string', default: path.join(os.tmpdir(), 'cz-speed') },
    out: { type: 'string', default: 'bench/results' },
    query: { type: 'string', default: 'parse the configuration file and report invalid options' },
  },
});

const CHARS_PER_TOKEN = 3.5;
const CLI = path.resolve('dist/cli.js');
const EXT = /\.(py|ts|js|go|java|rs|c|h|cc|cpp|hpp|cs|rb|php)$/;

/** Files of the repositories under `root`, in a fixed order (repository, path). */
function sourceFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (!e.name.startsWith('.') && e.name !== 'node_modules') walk(p);
      } else if (EXT.test(e.name)) {
        const size = fs.statSync(p).size;
        if (size >= 400 && size <= 100_000) out.push(p);
      }
    }
  };
  // Interleave repositories so every folder is a mix, like a polyglot workspace.
  const repos = fs.readdirSync(root).sort();
  const perRepo = repos.map((r) => {
    const files: string[] = [];
    const before = out.length;
    walk(path.join(root, r));
    files.push(...out.splice(before));
    return files;
  });
  const mixed: string[] = [];
  for (let k = 0; perRepo.some((f) => k < f.length); k++) for (const f of perRepo) if (k < f.length) mixed.push(f[k]);
  return mixed;
}

/** A folder of about `tokens` estimated tokens, copied from `files` (reused when present). */
function makeFolder(files: string[], tokens: number, dir: string): void {
  if (fs.existsSync(path.join(dir, '.done'))) return;
  fs.rmSync(dir, { recursive: true, force: true });
  let chars = 0;
  for (const [k, f] of files.entries()) {
    if (chars >= tokens * CHARS_PER_TOKEN) break;
    const text = fs.readFileSync(f, 'utf8');
    if (chars + text.length > tokens * CHARS_PER_TOKEN * 1.05 && chars > 0) continue;
    const dest = path.join(dir, String(k % 50), path.basename(f));
    fs.mkdirSync(path.dirname(dest), { recursive: true });
    fs.writeFileSync(dest, text);
    chars += text.length;
  }
  fs.writeFileSync(path.join(dir, '.done'), '');
}

interface Run {
  wallMs: number;
  peakRssMb: number;
  originalTokens: number;
  modelTokens: number;
  modelTokensFromCache: number;
  scoreMs: number;
  totalMs: number;
}

/** One CLI run under GNU time: wall time of the whole process and its peak RSS. */
function runCli(dir: string, budget: number, cacheRoot: string, extra: string[] = []): Run {
  const t0 = performance.now();
  const res = spawnSync(
    '/usr/bin/time',
    [
      '-f',
      'PEAK_RSS_KB=%M',
      process.execPath,
      CLI,
      'compress',
      dir,
      '--budget',
      String(budget),
      '--query',
      args.query,
      '--json',
      '--quiet',
      '--threads',
      args.threads,
      '--cache-dir',
      path.join(cacheRoot, 'models'),
      ...extra,
    ],
    { encoding: 'utf8', maxBuffer: 1 << 28 },
  );
  const wallMs = performance.now() - t0;
  if (res.status !== 0) throw new Error(`compress failed (${res.status}): ${res.stderr.slice(-2000)}`);
  const out = JSON.parse(res.stdout) as {
    originalTokens: number;
    modelTokensProcessed: number;
    modelTokensFromCache: number;
    timings: { scoreMs: number; totalMs: number };
  };
  const rss = /PEAK_RSS_KB=(\d+)/.exec(res.stderr);
  return {
    wallMs: Math.round(wallMs),
    peakRssMb: rss ? Math.round(Number(rss[1]) / 1024) : -1,
    originalTokens: out.originalTokens,
    modelTokens: out.modelTokensProcessed,
    modelTokensFromCache: out.modelTokensFromCache,
    scoreMs: Math.round(out.timings.scoreMs),
    totalMs: Math.round(out.timings.totalMs),
  };
}

/** The folder's source files (relative path, full path), largest first. */
function folderFiles(dir: string): Array<{ rel: string; full: string }> {
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && EXT.test(e.name))
    .map((e) => path.join(e.parentPath ?? (e as unknown as { path: string }).path, e.name))
    .sort((a, b) => fs.statSync(b).size - fs.statSync(a).size || a.localeCompare(b))
    .map((full) => ({ rel: path.relative(dir, full).split(path.sep).join('/'), full }));
}

/** A one-line edit inside one function of a file's text (a comment line in its middle). */
function editedText(file: string, text: string): string {
  const lines = text.split('\n');
  const mid = Math.floor(lines.length / 2);
  const comment = file.endsWith('.py') || file.endsWith('.rb') ? '# edited' : '// edited';
  lines.splice(mid, 0, lines[mid].replace(/\S.*$/, '') + comment);
  return lines.join('\n');
}

/** The same edit, on disk, in the folder's largest file. */
function editOneFunction(dir: string): void {
  const { full } = folderFiles(dir)[0];
  fs.writeFileSync(full, editedText(full, fs.readFileSync(full, 'utf8')));
}

/**
 * The editor's case: one process stays warm (model loaded, caches in memory, parsed files
 * kept), as the extension's worker does. Cold run, then the same one-line edit; ms of the edit run.
 */
async function warmProcessEditMs(dir: string, budget: number): Promise<number> {
  const files = folderFiles(dir);
  const sources = files.map((f) => ({ file: f.rel, text: fs.readFileSync(f.full, 'utf8') }));
  const scorer = await createScorer({
    model: 'embedded',
    dtype: 'q8',
    cache: new ScoreCache(),
    threads: Number(args.threads),
  });
  const countTokens = createTokenCounter('o200k_base');
  const chunker = await createChunker({ lazy: true, countTokens });
  const run = (srcs: typeof sources) =>
    compressSources({ sources: srcs, chunker, query: args.query, budget: { tokens: budget }, scorer, countTokens });
  await run(sources);
  sources[0] = { ...sources[0], text: editedText(sources[0].file, sources[0].text) };
  const t0 = performance.now();
  await run(sources);
  const ms = performance.now() - t0;
  await scorer.dispose();
  chunker.dispose();
  return ms;
}

/** Bare onnxruntime: `tokens` model tokens as 512-token single-sequence passes, ms. */
async function bareForwardMs(modelPath: string, tokens: number): Promise<number> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const ort = require('onnxruntime-node') as typeof import('onnxruntime-node');
  const session = await ort.InferenceSession.create(modelPath, { intraOpNumThreads: Number(args.threads) });
  const L = 512;
  const feeds = (n: number) => {
    const ids = new BigInt64Array(n);
    for (let i = 0; i < n; i++) ids[i] = BigInt((i * 7919) % 6000);
    const all: Record<string, import('onnxruntime-node').Tensor> = {
      input_ids: new ort.Tensor('int64', ids, [1, n]),
      attention_mask: new ort.Tensor('int64', new BigInt64Array(n).fill(1n), [1, n]),
    };
    return Object.fromEntries(session.inputNames.map((k) => [k, all[k]]));
  };
  await session.run(feeds(L)); // warm-up
  const t0 = performance.now();
  for (let done = 0; done < tokens; done += L) await session.run(feeds(Math.min(L, tokens - done)));
  const ms = performance.now() - t0;
  await session.release();
  return ms;
}

async function main(): Promise<void> {
  if (!args.code) throw new Error('--code DIR_OF_REPOS is required (folders are built from its files)');
  if (!fs.existsSync(CLI)) throw new Error('dist/cli.js is missing: run npm run build first');
  const sizes = args.sizes.split(',').map(Number);
  const files = sourceFiles(args.code);
  const countTokens = createTokenCounter('o200k_base');
  const chunker = await createChunker({ countTokens });
  const modelPath = args.decoder ?? path.join(embeddedModelDir(), 'onnx', 'model_quantized.onnx');
  const rows: Array<Record<string, unknown>> = [];
  for (const size of sizes) {
    const dir = path.join(args.work, `scope-${size}`);
    makeFolder(files, size, dir);
    const work = path.join(args.work, `edit-${size}`);
    fs.rmSync(work, { recursive: true, force: true });
    fs.cpSync(dir, work, { recursive: true });
    const budget = Math.min(Number(args.budget), Math.floor(size / 4));
    const cacheRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'cz-speed-cache-'));
    const cold = runCli(work, budget, cacheRoot);
    const warm = runCli(work, budget, cacheRoot);
    editOneFunction(work);
    const edit = runCli(work, budget, cacheRoot);
    fs.rmSync(cacheRoot, { recursive: true, force: true });
    // BM25 over the same chunks, in-process (what a keyword ranker costs once files are chunked).
    const texts: string[] = [];
    for (const f of fs.readdirSync(work, { recursive: true, withFileTypes: true }))
      if (f.isFile() && EXT.test(f.name)) {
        const p = path.join(f.parentPath ?? (f as unknown as { path: string }).path, f.name);
        for (const c of chunker.chunkFile(p, fs.readFileSync(p, 'utf8'), { countTokens }).chunks)
          texts.push(`${c.name} ${c.text}`);
      }
    const tb = performance.now();
    bm25Scores(texts, args.query);
    const bm25Ms = performance.now() - tb;
    const bareMs = cold.modelTokens > 0 ? await bareForwardMs(modelPath, cold.modelTokens) : 0;
    const warmProcessEdit = Math.round(await warmProcessEditMs(dir, budget));
    const row = {
      size,
      budget,
      cold,
      warm,
      edit,
      warmProcessEditMs: warmProcessEdit,
      bm25Ms: Math.round(bm25Ms),
      bareForwardMs: Math.round(bareMs),
    };
    rows.push(row);
    console.error(JSON.stringify(row));
    write(rows, modelPath);
  }
  // First result on a ~1k-token file: process start to JSON, cold cache.
  const one = path.join(args.work, 'one-file');
  fs.rmSync(one, { recursive: true, force: true });
  fs.mkdirSync(one, { recursive: true });
  const small = files.find((f) => {
    const n = fs.statSync(f).size;
    return n > 3200 && n < 3800;
  })!;
  fs.copyFileSync(small, path.join(one, path.basename(small)));
  const firstCache = fs.mkdtempSync(path.join(os.tmpdir(), 'cz-speed-cache-'));
  const first = runCli(one, 300, firstCache);
  fs.rmSync(firstCache, { recursive: true, force: true });
  write(rows, modelPath, first);
}

function write(rows: Array<Record<string, unknown>>, modelPath: string, first?: Run): void {
  const s = (ms: number) => (ms / 1000).toFixed(1);
  const lines = [
    '# Compress speed and memory against scope size',
    '',
    `The built CLI with default settings (cascade on), \`--budget min(${args.budget}, size/4) --threads ${args.threads}\`, one process per run, on folders of public code (mixed languages). Bare forward: onnxruntime alone over as many model tokens as the cold run processed, 512-token passes, \`${path.basename(modelPath)}\`. Produced by \`npx tsx bench/speed.ts --code DIR\` on ${new Date().toISOString().slice(0, 10)}, ${os.cpus().length} shared cores: read ratios within a row.`,
    '',
    '| scope (est. tokens) | original tokens | budget | cold (s) | warm (s) | after one-function edit (s) | edit / cold | edit in a warm process (s) | warm edit / cold | peak RSS cold (MB) | model tokens (cold) | scoring (s) | bare forward (s) | scoring / bare | BM25 (s) |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const r of rows as Array<{
    size: number;
    budget: number;
    cold: Run;
    warm: Run;
    edit: Run;
    warmProcessEditMs: number;
    bm25Ms: number;
    bareForwardMs: number;
  }>)
    lines.push(
      `| ${r.size.toLocaleString('en')} | ${r.cold.originalTokens.toLocaleString('en')} | ${r.budget} | ${s(r.cold.wallMs)} | ${s(r.warm.wallMs)} | ${s(r.edit.wallMs)} | ${(r.edit.wallMs / r.cold.wallMs).toFixed(2)} | ${s(r.warmProcessEditMs)} | ${(r.warmProcessEditMs / r.cold.wallMs).toFixed(3)} | ${r.cold.peakRssMb} | ${r.cold.modelTokens.toLocaleString('en')} | ${s(r.cold.scoreMs)} | ${s(r.bareForwardMs)} | ${r.bareForwardMs > 0 ? (r.cold.scoreMs / r.bareForwardMs).toFixed(2) : '-'} | ${(r.bm25Ms / 1000).toFixed(2)} |`,
    );
  if (first)
    lines.push(
      '',
      `First result on a ~1k-token file (${first.originalTokens} tokens), process start to JSON, cold cache: ${s(first.wallMs)} s (engine ${s(first.totalMs)} s), peak RSS ${first.peakRssMb} MB.`,
    );
  fs.mkdirSync(args.out, { recursive: true });
  fs.writeFileSync(path.join(args.out, 'speed.md'), lines.join('\n') + '\n');
  fs.writeFileSync(
    path.join(args.out, 'speed.json'),
    JSON.stringify({ date: new Date().toISOString(), threads: args.threads, model: modelPath, rows, first }, null, 1) +
      '\n',
  );
  console.log(lines.join('\n'));
}

void main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
