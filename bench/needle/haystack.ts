// Needle in a haystack: what the cascade costs in relevance, and what it saves, on big scopes.
// Each needle task's context is padded with other repositories' code of the same language up to
// a scope size (250k, 1M estimated tokens), then compressed at a fixed budget by
//   full    - the model ranks every chunk (--prefilter off),
//   cascade - the default: cheap signals pick a budget-sized pool, the model ranks it (auto),
//   bm25    - BM25 over the same chunks, whole chunks kept by rank while they fit.
// A task counts as retained when >= 80% of the needle's trimmed lines survive in order (the
// data set's harness rule). Writes bench/results/needle-haystack.{md,json}.
//
//   npx tsx bench/needle/haystack.ts --tasks DATA/tasks.jsonl --haystack DIR_OF_REPOS
//     [--sizes 250000,1000000] [--per-size 12,6] [--budget 8000] [--modes cascade,full,bm25] [--out bench/results]
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createChunker } from '../../src/core/chunk/index.js';
import { bm25Scores } from '../../src/core/code/bm25.js';
import { compressCode } from '../../src/core/code/compress.js';
import { fileHeader } from '../../src/core/code/markers.js';
import type { Prefilter } from '../../src/core/code/rank.js';
import { createScorer, ScoreCache } from '../../src/core/model/index.js';
import { seededRandom } from '../../src/core/random.js';
import { createTokenCounter } from '../../src/core/tokens/index.js';
import type { ChunkedFile } from '../../src/core/types.js';
import { loadNeedleTasks, needleChunkIndex, type NeedleTask } from './tasks.js';

const { values: args } = parseArgs({
  options: {
    tasks: { type: 'string' },
    haystack: { type: 'string' },
    sizes: { type: 'string', default: '250000,1000000' },
    'per-size': { type: 'string', default: '12,6' },
    budget: { type: 'string', default: '8000' },
    modes: { type: 'string', default: 'cascade,full,bm25' },
    out: { type: 'string', default: 'bench/results' },
    name: { type: 'string', default: 'needle-haystack' },
  },
});
if (!args.tasks || !args.haystack) {
  console.error('usage: haystack.ts --tasks TASKS.jsonl --haystack DIR_OF_REPOS [--sizes ...] [--per-size ...]');
  process.exit(2);
}

const CHARS_PER_TOKEN = 3.5; // the data set's estimate of tokens
const EXTENSIONS: Record<string, string[]> = {
  python: ['.py'],
  typescript: ['.ts'],
  javascript: ['.js'],
  go: ['.go'],
  java: ['.java'],
  rust: ['.rs'],
};
const SKIP = /(^|\/)(tests?|__tests__|testdata|examples?|benches|vendor|dist|build|node_modules|fixtures)\//;

interface PadFile {
  repo: string;
  rel: string;
  full: string;
  size: number;
}

/** Source files of every language under DIR/<repo>/, the same filters as the data set's. */
function haystackFiles(dir: string): Map<string, PadFile[]> {
  const byLang = new Map<string, PadFile[]>();
  const extToLang = new Map(Object.entries(EXTENSIONS).flatMap(([l, exts]) => exts.map((e) => [e, l] as const)));
  for (const repo of fs.readdirSync(dir).sort()) {
    const walk = (rel: string) => {
      let entries: fs.Dirent[];
      try {
        entries = fs.readdirSync(path.join(dir, repo, rel), { withFileTypes: true });
      } catch {
        return;
      }
      for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
        const r = rel ? `${rel}/${e.name}` : e.name;
        if (e.isDirectory()) {
          if (!e.name.startsWith('.') && !SKIP.test(`${r}/`)) walk(r);
          continue;
        }
        const lang = extToLang.get(path.extname(e.name));
        if (!lang || /test|spec|\.d\.ts$|\.min\.js$/i.test(e.name)) continue;
        const full = path.join(dir, repo, r);
        const size = fs.statSync(full).size;
        if (size < 400 || size > 50_000) continue;
        const list = byLang.get(lang) ?? [];
        list.push({ repo, rel: r, full, size });
        byLang.set(lang, list);
      }
    };
    walk('');
  }
  return byLang;
}

/** The task's files plus padding files (other repositories, seeded by the task) up to `size` tokens. */
function paddedSources(task: NeedleTask, pool: PadFile[], size: number): Array<{ path: string; content: string }> {
  const files = task.files.map((f) => ({ path: f.path, content: f.content }));
  let chars = files.reduce((s, f) => s + f.content.length, 0);
  const target = size * CHARS_PER_TOKEN;
  const rnd = seededRandom(crypto.createHash('sha256').update(`${task.id}:${size}`).digest().readUInt32LE(0));
  const order = pool.map((f) => ({ f, r: rnd() })).sort((a, b) => a.r - b.r);
  for (const { f } of order) {
    if (chars >= target) break;
    const content = fs.readFileSync(f.full, 'utf8').replace(/\r\n/g, '\n');
    if (content.includes('\0')) continue;
    files.push({ path: `haystack/${f.repo}/${f.rel}`, content });
    chars += content.length;
  }
  return files;
}

/** The data set's retention rule: longest common subsequence of trimmed non-blank lines. */
function lineRecall(needle: string, output: string): number {
  const a = needle
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  if (a.length === 0) return 0;
  const setA = new Set(a);
  const b = output
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && setA.has(l));
  let prev = new Array<number>(a.length + 1).fill(0);
  let cur = new Array<number>(a.length + 1).fill(0);
  for (const line of b) {
    for (let i = 1; i <= a.length; i++) cur[i] = a[i - 1] === line ? prev[i - 1] + 1 : Math.max(prev[i], cur[i - 1]);
    [prev, cur] = [cur, prev];
  }
  return prev[a.length] / a.length;
}

interface Row {
  task: string;
  size: number;
  scopeTokens: number;
  chunks: number;
  mode: string;
  retained: boolean;
  lineRecall: number;
  needleRank: number;
  ms: number;
  modelTokens: number;
  compressedTokens: number;
}

function rssMb(): number {
  return Math.round(process.memoryUsage().rss / 2 ** 20);
}

async function main(): Promise<void> {
  const tasks = loadNeedleTasks(args.tasks!);
  const sizes = args.sizes.split(',').map(Number);
  const perSize = args['per-size'].split(',').map(Number);
  const budget = Number(args.budget);
  const modes = args.modes.split(',');
  const countTokens = createTokenCounter('o200k_base');
  const chunker = await createChunker({ countTokens });
  // One in-memory cache per task: the cascade runs first (cold), then the full ranking reuses
  // the pool's scores and pays only for the chunks the cascade left out.
  const cache = new ScoreCache();
  const scorer = await createScorer({ model: 'embedded', dtype: 'q8', cache });
  const pools = haystackFiles(args.haystack!);
  const rows: Row[] = [];
  const byLang = new Map<string, NeedleTask[]>();
  for (const t of tasks) byLang.set(t.language, [...(byLang.get(t.language) ?? []), t]);
  for (const [s, size] of sizes.entries()) {
    // Round-robin over languages so each size covers them all.
    const chosen: NeedleTask[] = [];
    for (let k = 0; chosen.length < (perSize[s] ?? perSize.at(-1)!) && k < tasks.length; k++)
      for (const list of byLang.values())
        if (list[k] && chosen.length < (perSize[s] ?? perSize.at(-1)!)) chosen.push(list[k]);
    for (const task of chosen) {
      const sources = paddedSources(task, pools.get(task.language) ?? [], size);
      const files: ChunkedFile[] = sources.map((f) => chunker.chunkFile(f.path, f.content, { countTokens }));
      const flat = files.flatMap((f) => f.chunks);
      const scopeTokens = flat.reduce((n, c) => n + c.tokens, 0);
      const needle = needleChunkIndex(task, flat);
      cache.clear();
      for (const mode of modes) {
        const t0 = performance.now();
        let text: string;
        let rank: number;
        let modelTokens = 0;
        if (mode === 'bm25') {
          const scores = bm25Scores(
            flat.map((c) => `${c.name} ${c.text}`),
            task.query,
          );
          const order = scores.map((v, i) => ({ v, i })).sort((a, b) => b.v - a.v || a.i - b.i);
          rank = order.findIndex((o) => o.i === needle) + 1;
          const open = new Set<string>();
          let used = 0;
          const kept: number[] = [];
          for (const { i } of order) {
            const c = flat[i];
            const cost = c.tokens + (open.has(c.file) ? 0 : countTokens(fileHeader(c.file, c.language)));
            if (used + cost > budget) continue;
            used += cost;
            open.add(c.file);
            kept.push(i);
          }
          text = kept
            .sort((a, b) => a - b)
            .map((i) => flat[i].text)
            .join('');
        } else {
          const prefilter: Prefilter = mode === 'full' ? 'off' : 'auto';
          const r = await compressCode({
            files,
            query: task.query,
            budget: { tokens: budget },
            scorer,
            countTokens,
            prefilter,
          });
          text = r.text;
          rank = needle >= 0 ? r.chunks[needle].rank : 0;
          modelTokens = r.modelTokensProcessed;
        }
        const recall = lineRecall(task.needle.code, text);
        const row: Row = {
          task: task.id,
          size,
          scopeTokens,
          chunks: flat.length,
          mode,
          retained: recall >= 0.8,
          lineRecall: +recall.toFixed(3),
          needleRank: rank,
          ms: Math.round(performance.now() - t0),
          modelTokens,
          compressedTokens: countTokens(text),
        };
        rows.push(row);
        console.error(
          `${size} ${task.id} ${mode}: ${row.retained ? 'kept' : 'lost'} rank ${rank}/${flat.length} ${row.ms} ms ${modelTokens} model tokens (rss ${rssMb()} MB)`,
        );
      }
      writeResults(rows, { sizes, budget, modes }); // after every task: a stopped run keeps its rows
    }
  }
  await scorer.dispose();
  writeResults(rows, { sizes, budget, modes });
  console.log(fs.readFileSync(path.join(args.out, `${args.name}.md`), 'utf8'));
}

function writeResults(rows: Row[], meta: { sizes: number[]; budget: number; modes: string[] }): void {
  const lines = [
    `# Needle in a haystack: full ranking, cascade, BM25`,
    '',
    `Needle tasks padded with other repositories' code of the same language, budget ${meta.budget} tokens, embedded model q8, 1 thread.`,
    `The cascade runs first with a cold cache; the full ranking then reuses the pool's scores, so its time counts only the chunks the cascade left out (its model tokens count all).`,
    `Produced by \`npx tsx bench/needle/haystack.ts --tasks ${path.basename(args.tasks!)} --haystack DIR --sizes ${args.sizes} --per-size ${args['per-size']} --budget ${args.budget}\` on ${new Date().toISOString().slice(0, 10)} (${os.cpus().length} cores, shared machine: times are indicative, ratios in one run).`,
    '',
    '| scope (est. tokens) | tasks | chunks (mean) | method | retention | needle rank (median) | time per task (s) | model tokens per task |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  const median = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    return s.length === 0 ? 0 : s[Math.floor((s.length - 1) / 2)];
  };
  for (const size of meta.sizes)
    for (const mode of meta.modes) {
      const rs = rows.filter((r) => r.size === size && r.mode === mode);
      if (rs.length === 0) continue;
      const mean = (f: (r: Row) => number) => rs.reduce((s, r) => s + f(r), 0) / rs.length;
      lines.push(
        `| ${size.toLocaleString('en')} | ${rs.length} | ${Math.round(mean((r) => r.chunks))} | ${mode} | ${mean((r) => (r.retained ? 1 : 0)).toFixed(3)} | ${median(rs.map((r) => r.needleRank))} | ${(mean((r) => r.ms) / 1000).toFixed(1)} | ${Math.round(mean((r) => r.modelTokens)).toLocaleString('en')} |`,
      );
    }
  fs.mkdirSync(args.out, { recursive: true });
  fs.writeFileSync(path.join(args.out, `${args.name}.md`), lines.join('\n') + '\n');
  fs.writeFileSync(
    path.join(args.out, `${args.name}.json`),
    JSON.stringify(
      { meta: { ...meta, tasks: path.basename(args.tasks!), date: new Date().toISOString() }, rows },
      null,
      1,
    ) + '\n',
  );
}

void main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
