// Warm-path speed: how long `contextzip compress` takes on a ~64k-token folder with empty
// caches (cold), again in a new process with the persisted caches of the first run (warm after
// a restart: the CLI, or the extension after a reload), and a second time in one process with
// the in-memory caches (the extension's long-lived worker). Also the start-up cost of a
// one-file `contextzip chunks` run (grammar and tokenizer loading).
//
//   npm run build && npx tsx bench/warm-path.ts [--label after] [--runs 3]
//
// The folder is pinned: src/core/{code,chunk,model} and src/cli of commit 9570b45 (git archive),
// so runs before and after a change compress the same text. Writes bench/results/warm-path.json
// (one entry per --label, merged) and bench/results/warm-path.md. Timings on a shared machine
// are noisy: take the medians as rough numbers.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { compressSources, type SourceText } from '../src/core/code/compress-sources.js';
import { createScorer } from '../src/core/model/index.js';
import { createTokenCounter } from '../src/core/tokens/index.js';

const { values: args } = parseArgs({
  options: {
    label: { type: 'string', default: 'current' },
    runs: { type: 'string', default: '3' },
    commit: { type: 'string', default: '9570b45' },
  },
});

const ROOT = path.resolve(__dirname, '..');
const CLI = path.join(ROOT, 'dist', 'cli.js');
const QUERY = 'where are persisted score cache entries validated and saved';
const FOLDERS = ['src/core/code', 'src/core/chunk', 'src/core/model', 'src/cli'];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function corpus(tmp: string): string {
  const dir = path.join(tmp, 'corpus');
  fs.mkdirSync(dir, { recursive: true });
  const tar = execFileSync('git', ['archive', args.commit!, ...FOLDERS], { cwd: ROOT, maxBuffer: 1 << 28 });
  execFileSync('tar', ['-x', '-C', dir], { input: tar });
  return dir;
}

function readSources(dir: string): SourceText[] {
  const out: SourceText[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push({ file: path.relative(dir, p).split(path.sep).join('/'), text: fs.readFileSync(p, 'utf8') });
    }
  };
  walk(dir);
  return out.sort((a, b) => a.file.localeCompare(b.file));
}

interface CliRun {
  wallMs: number;
  cpuMs: number;
  totalMs: number;
  parseMs: number;
  scoreMs: number;
  originalTokens: number;
  modelTokensProcessed: number;
}

/** Runs the CLI under bash so `times` reports the child's CPU time (less noisy than wall time). */
function runTimed(
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
): { stdout: string; wallMs: number; cpuMs: number } {
  const t0 = performance.now();
  const r = spawnSync('bash', ['-c', '"$@"; s=$?; times >&2; exit $s', 'bash', process.execPath, CLI, ...args], {
    cwd,
    env,
    maxBuffer: 1 << 28,
    encoding: 'utf8',
  });
  const wallMs = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${args[0]} failed (${r.status}): ${r.stderr}`);
  // The last line of `times`: the children's user and system time, e.g. "0m1.234s 0m0.056s".
  const last = r.stderr.trim().split('\n').pop() ?? '';
  const secs = [...last.matchAll(/(\d+)m([\d.]+)s/g)].map((m) => Number(m[1]) * 60 + Number(m[2]));
  return { stdout: r.stdout, wallMs: Math.round(wallMs), cpuMs: Math.round(1000 * (secs[0] + secs[1])) };
}

function cliCompress(dir: string, cacheHome: string): CliRun {
  const r = runTimed(['compress', '.', '--query', QUERY, '--budget', '4000', '--json', '-q'], dir, {
    ...process.env,
    CONTEXTZIP_CACHE: cacheHome,
  });
  const j = JSON.parse(r.stdout) as {
    timings: { totalMs: number; parseMs: number; scoreMs: number };
    originalTokens: number;
    modelTokensProcessed: number;
  };
  return {
    wallMs: r.wallMs,
    cpuMs: r.cpuMs,
    totalMs: Math.round(j.timings.totalMs),
    parseMs: Math.round(j.timings.parseMs),
    scoreMs: Math.round(j.timings.scoreMs),
    originalTokens: j.originalTokens,
    modelTokensProcessed: j.modelTokensProcessed,
  };
}

function cliChunksOneFile(dir: string): { wallMs: number; cpuMs: number } {
  const r = runTimed(['chunks', 'src/core/code/rank.ts', '--json', '-q'], dir, process.env);
  return { wallMs: r.wallMs, cpuMs: r.cpuMs };
}

async function inProcess(sources: SourceText[]): Promise<{ firstMs: number; secondMs: number; secondCpuMs: number }> {
  const scorer = await createScorer({});
  try {
    const countTokens = createTokenCounter('o200k_base', (t) => scorer.countTokens(t));
    const once = async () => {
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      await compressSources({ sources, query: QUERY, budget: { tokens: 4000 }, scorer, countTokens });
      const c = process.cpuUsage(c0);
      return { ms: Math.round(performance.now() - t0), cpuMs: Math.round((c.user + c.system) / 1000) };
    };
    const first = await once();
    const second = await once();
    return { firstMs: first.ms, secondMs: second.ms, secondCpuMs: second.cpuMs };
  } finally {
    await scorer.dispose();
  }
}

async function main(): Promise<void> {
  if (!fs.existsSync(CLI)) throw new Error('dist/cli.js is missing: run npm run build first');
  const runs = Number(args.runs);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cz-warm-'));
  try {
    const dir = corpus(tmp);
    const cold: CliRun[] = [];
    const warm: CliRun[] = [];
    const startup: Array<{ wallMs: number; cpuMs: number }> = [];
    for (let i = 0; i < runs; i++) {
      const cache = path.join(tmp, `cache-${i}`);
      cold.push(cliCompress(dir, cache));
      warm.push(cliCompress(dir, cache));
      startup.push(cliChunksOneFile(dir));
      process.stderr.write(`run ${i + 1}/${runs}: cold ${cold[i].wallMs} ms, warm ${warm[i].wallMs} ms\n`);
    }
    const mem = await inProcess(readSources(dir));
    const entry = {
      label: args.label,
      date: new Date().toISOString(),
      cpus: os.availableParallelism(),
      loadavg1: Number(os.loadavg()[0].toFixed(2)),
      originalTokens: cold[0].originalTokens,
      coldCliMs: median(cold.map((r) => r.wallMs)),
      warmCliMs: median(warm.map((r) => r.wallMs)),
      coldCliCpuMs: median(cold.map((r) => r.cpuMs)),
      warmCliCpuMs: median(warm.map((r) => r.cpuMs)),
      coldEngineMs: median(cold.map((r) => r.totalMs)),
      warmEngineMs: median(warm.map((r) => r.totalMs)),
      warmParseMs: median(warm.map((r) => r.parseMs)),
      warmScoreMs: median(warm.map((r) => r.scoreMs)),
      warmModelTokens: warm[0].modelTokensProcessed,
      inProcessFirstMs: mem.firstMs,
      inProcessSecondMs: mem.secondMs,
      inProcessSecondCpuMs: mem.secondCpuMs,
      chunksOneFileMs: median(startup.map((r) => r.wallMs)),
      chunksOneFileCpuMs: median(startup.map((r) => r.cpuMs)),
      runs: { cold, warm, startup },
    };
    const jsonFile = path.join(ROOT, 'bench', 'results', 'warm-path.json');
    const all = fs.existsSync(jsonFile)
      ? (JSON.parse(fs.readFileSync(jsonFile, 'utf8')) as Array<typeof entry>).filter((e) => e.label !== entry.label)
      : [];
    all.push(entry);
    fs.writeFileSync(jsonFile, `${JSON.stringify(all, null, 2)}\n`);
    fs.writeFileSync(path.join(ROOT, 'bench', 'results', 'warm-path.md'), markdown(all));
    process.stdout.write(markdown(all));
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

function markdown(all: Array<Record<string, unknown>>): string {
  const cols: Array<[string, string]> = [
    ['label', 'run'],
    ['originalTokens', 'o200k tokens'],
    ['coldCliMs', 'cold CLI wall (ms)'],
    ['coldCliCpuMs', 'cold CLI CPU (ms)'],
    ['warmCliMs', 'warm CLI after restart, wall (ms)'],
    ['warmCliCpuMs', 'warm CLI after restart, CPU (ms)'],
    ['warmEngineMs', 'warm engine (ms)'],
    ['warmParseMs', 'warm parse (ms)'],
    ['inProcessFirstMs', 'in-process 1st (ms)'],
    ['inProcessSecondMs', 'in-process 2nd (ms)'],
    ['inProcessSecondCpuMs', 'in-process 2nd CPU (ms)'],
    ['chunksOneFileMs', '`chunks` one file wall (ms)'],
    ['chunksOneFileCpuMs', '`chunks` one file CPU (ms)'],
    ['loadavg1', 'load avg'],
  ];
  const lines = [
    '# Warm path: cold vs warm `contextzip compress` (bench/warm-path.ts)',
    '',
    `Folder: src/core/{code,chunk,model} and src/cli of commit ${args.commit} (git archive), query "${QUERY}", budget 4000 o200k tokens, embedded model q8. Medians of ${args.runs} runs per label; CLI times are of a new process (node start, model load, grammars, tokenizers included), wall clock and CPU (user + system, from bash's \`times\`; less sensitive to other jobs on the machine); "warm CLI" reuses the cache folder of the cold run; "in-process 2nd" is a second compression with the same scorer (the extension worker's case). The machine (2 cores) is shared with other jobs, so the numbers are noisy: compare orders of magnitude, not percent.`,
    '',
    `| ${cols.map((c) => c[1]).join(' | ')} |`,
    `| ${cols.map(() => '---').join(' | ')} |`,
    ...all.map((e) => `| ${cols.map(([k]) => String(e[k])).join(' | ')} |`),
    '',
  ];
  return lines.join('\n');
}

void main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
