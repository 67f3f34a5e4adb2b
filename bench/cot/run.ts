/**
 * Reasoning-trace compression benchmark (docs/ALGORITHMS.md §2).
 *
 *   npx tsx bench/cot/run.ts /work/shared/bench/cot-dev/traces.jsonl [--ratio 0.8] [--model embedded]
 *        [--dtype q8] [--tokenizer o200k_base] [--seeds 5] [--out bench/results/cot-dev.json]
 *
 * Runs the batch mode (runCotBatch, the code behind `contextzip cot-batch`) over the data set
 * and measures, per trace and overall:
 * - tokens removed: compressed / original tokens (target tokenizer) vs the requested ratio;
 * - anchor retention: of the final answer's identifiers and non-trivial code lines (the same
 *   definitions as the anchors: answerIdentifiers / answerCodeLines) that occur in the
 *   original trace, the fraction still present in the compressed trace; compared with
 *   random step removal down to the same number of tokens (mean over --seeds seeds) and
 *   with plain first-token-surprisal pruning without anchors (ASAP's released stage 2) at
 *   the same token count. Our anchors are defined by these same items, so our retention is
 *   near 1 by construction; the baselines show what the anchors protect;
 * - throughput of the batch mode in traces/minute, and model tokens processed.
 * Prints a table and writes the JSON results (with the command line) to --out.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  answerCodeLines,
  answerIdentifiers,
  assembleTrace,
  compressTrace,
  runCotBatch,
  splitTrace,
} from '../../src/core/cot/index.js';
import { createScorer } from '../../src/core/model/index.js';
import { createTokenCounter } from '../../src/core/tokens/index.js';
import { seededRandom } from '../../test/support/random.js';

interface Args {
  data: string;
  ratio: number;
  model: string;
  dtype: string;
  tokenizer: string;
  seeds: number;
  out: string;
}

function parseArgs(argv: string[]): Args {
  const data = argv.find((a, i) => !a.startsWith('--') && (i === 0 || !argv[i - 1].startsWith('--')));
  if (!data) {
    process.stderr.write(
      'usage: npx tsx bench/cot/run.ts DATA.jsonl [--ratio 0.8] [--model embedded] [--dtype q8] [--tokenizer o200k_base] [--seeds 5] [--out FILE]\n',
    );
    process.exit(2);
  }
  const opt = (name: string, dflt: string): string => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 && i + 1 < argv.length ? argv[i + 1] : dflt;
  };
  return {
    data,
    ratio: Number(opt('ratio', '0.8')),
    model: opt('model', 'embedded'),
    dtype: opt('dtype', 'q8'),
    tokenizer: opt('tokenizer', 'o200k_base'),
    seeds: Number(opt('seeds', '5')),
    out: opt(
      'out',
      path.join(
        'bench',
        'results',
        `cot-${path.basename(path.dirname(path.resolve(data))).replace(/^cot-/, '') || 'data'}.json`,
      ),
    ),
  };
}

const IDENT = /[A-Za-z_][A-Za-z0-9_]*/g;

/** How many of the answer's identifiers / code lines occur in `text`. */
function present(text: string, ids: Set<string>, lines: Set<string>): { ids: Set<string>; lines: Set<string> } {
  const words = new Set(text.match(IDENT) ?? []);
  const textLines = new Set(text.split(/\r?\n/).map((l) => l.trim()));
  return {
    ids: new Set([...ids].filter((w) => words.has(w))),
    lines: new Set([...lines].filter((l) => textLines.has(l))),
  };
}

function retention(
  kept: { ids: Set<string>; lines: Set<string> },
  orig: { ids: Set<string>; lines: Set<string> },
): { ids: number | null; lines: number | null; all: number | null } {
  const frac = (a: number, b: number): number | null => (b > 0 ? a / b : null);
  return {
    ids: frac(kept.ids.size, orig.ids.size),
    lines: frac(kept.lines.size, orig.lines.size),
    all: frac(kept.ids.size + kept.lines.size, orig.ids.size + orig.lines.size),
  };
}

/** Random step removal until the text has at most `target` tokens (no protection). */
function randomRemoval(think: string, target: number, count: (t: string) => number, seed: number): string {
  const split = splitTrace(think);
  const rand = seededRandom(seed);
  const order = split.steps.map((s) => s.index);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  const kept = new Set(order);
  const tokens = new Map(split.steps.map((s) => [s.index, count(s.text)]));
  let est = count(think);
  for (const i of order) {
    if (est <= target) break;
    kept.delete(i);
    est -= tokens.get(i)! + 1;
  }
  let text = assembleTrace(split, kept);
  for (const i of order) {
    if (count(text) <= target) break;
    if (!kept.has(i)) continue;
    kept.delete(i);
    text = assembleTrace(split, kept);
  }
  return text;
}

const mean = (xs: Array<number | null>): number | null => {
  const v = xs.filter((x): x is number => x !== null);
  return v.length ? v.reduce((a, b) => a + b, 0) / v.length : null;
};
const f3 = (x: number | null): string => (x === null ? '   -  ' : x.toFixed(3));

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const count = createTokenCounter(args.tokenizer);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cz-cot-bench-'));
  const output = path.join(tmp, 'out.jsonl');
  const t0 = Date.now();
  const cpu0 = process.cpuUsage();
  const scorer = await createScorer({ model: args.model, dtype: args.dtype });
  const loadMs = Date.now() - t0;
  const summary = await runCotBatch(scorer, {
    input: args.data,
    output,
    ratio: args.ratio,
    countTokens: count,
    tokenizer: args.tokenizer,
    onBadLine: (line, reason) => process.stderr.write(`line ${line}: ${reason}\n`),
    onProgress: (p) => process.stderr.write(`\r${p.compressed}/${p.totalLines} traces`),
  });
  process.stderr.write('\n');
  const cpu = process.cpuUsage(cpu0);
  const batchCpuSeconds = (cpu.user + cpu.system) / 1e6;

  const inputs = new Map<string, { think: string; final_answer: string }>();
  for (const line of fs.readFileSync(args.data, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const r = JSON.parse(line) as { id: string | number; think: string; final_answer: string };
    inputs.set(String(r.id), r);
  }
  const rows = [];
  let surprisalOnlyMs = 0;
  for (const line of fs.readFileSync(output, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const rec = JSON.parse(line) as {
      id: string | number;
      think: string;
      contextzip: {
        originalTokens: number;
        compressedTokens: number;
        ratio: number;
        steps: number;
        keptSteps: number;
        anchoredSteps: number;
        budgetMet: boolean;
        modelTokensProcessed: number;
        timings: { anchorMs: number; scoreMs: number; totalMs: number };
      };
    };
    const orig = inputs.get(String(rec.id))!;
    const ids = answerIdentifiers(orig.final_answer);
    const lines = answerCodeLines(orig.final_answer);
    const inOrig = present(orig.think, ids, lines);
    const ours = retention(present(rec.think, ids, lines), inOrig);
    const t1 = Date.now();
    const plain = await compressTrace(orig.think, scorer, {
      budget: Math.max(1, rec.contextzip.compressedTokens),
      anchors: false,
      countTokens: count,
      tokenizer: args.tokenizer,
    });
    surprisalOnlyMs += Date.now() - t1;
    const surprisalOnly = retention(present(plain.text, ids, lines), inOrig);
    const randoms = Array.from({ length: args.seeds }, (_, s) =>
      retention(present(randomRemoval(orig.think, rec.contextzip.compressedTokens, count, s + 1), ids, lines), inOrig),
    );
    rows.push({
      id: String(rec.id),
      originalTokens: rec.contextzip.originalTokens,
      compressedTokens: rec.contextzip.compressedTokens,
      ratio: rec.contextzip.ratio,
      budgetMet: rec.contextzip.budgetMet,
      modelTokensProcessed: rec.contextzip.modelTokensProcessed,
      anchorMs: rec.contextzip.timings.anchorMs,
      scoreMs: rec.contextzip.timings.scoreMs,
      steps: rec.contextzip.steps,
      anchoredSteps: rec.contextzip.anchoredSteps,
      keptSteps: rec.contextzip.keptSteps,
      answerItemsInTrace: inOrig.ids.size + inOrig.lines.size,
      retention: ours,
      surprisalOnlyRetention: surprisalOnly,
      surprisalOnlyTokens: plain.compressedTokens,
      randomRetention: {
        ids: mean(randoms.map((r) => r.ids)),
        lines: mean(randoms.map((r) => r.lines)),
        all: mean(randoms.map((r) => r.all)),
      },
    });
  }
  fs.rmSync(tmp, { recursive: true, force: true });
  await scorer.dispose();

  const overall = {
    traces: rows.length,
    targetRatio: args.ratio,
    tokensBefore: summary.tokensBefore,
    tokensAfter: summary.tokensAfter,
    ratio: summary.ratio,
    ratioDistribution: summary.ratioDistribution,
    budgetMet: rows.filter((r) => r.budgetMet).length,
    retention: {
      ids: mean(rows.map((r) => r.retention.ids)),
      lines: mean(rows.map((r) => r.retention.lines)),
      all: mean(rows.map((r) => r.retention.all)),
    },
    surprisalOnlyRetention: {
      ids: mean(rows.map((r) => r.surprisalOnlyRetention.ids)),
      lines: mean(rows.map((r) => r.surprisalOnlyRetention.lines)),
      all: mean(rows.map((r) => r.surprisalOnlyRetention.all)),
    },
    surprisalOnlySeconds: surprisalOnlyMs / 1000,
    randomRetention: {
      ids: mean(rows.map((r) => r.randomRetention.ids)),
      lines: mean(rows.map((r) => r.randomRetention.lines)),
      all: mean(rows.map((r) => r.randomRetention.all)),
    },
    tracesPerMinute: summary.tracesPerMinute,
    /** CPU seconds of this process for the batch (incl. model load); the machine is shared, so wall time varies. */
    batchCpuSeconds,
    tracesPerCpuMinute: (rows.length * 60) / batchCpuSeconds,
    batchSeconds: summary.elapsedMs / 1000,
    modelTokensProcessed: rows.reduce((a, r) => a + r.modelTokensProcessed, 0),
    anchorSeconds: rows.reduce((a, r) => a + r.anchorMs, 0) / 1000,
    surprisalSeconds: rows.reduce((a, r) => a + r.scoreMs, 0) / 1000,
    modelLoadMs: loadMs,
  };

  const header =
    'id            orig   comp  ratio  steps anch kept  ret(ids) ret(lines) ret(all) | no-anchor(all) random(all)';
  console.log(header);
  console.log('-'.repeat(header.length));
  for (const r of rows) {
    console.log(
      `${r.id.padEnd(12)} ${String(r.originalTokens).padStart(6)} ${String(r.compressedTokens).padStart(6)}  ${r.ratio.toFixed(3)} ${String(r.steps).padStart(5)} ${String(r.anchoredSteps).padStart(4)} ${String(r.keptSteps).padStart(4)}   ${f3(r.retention.ids)}    ${f3(r.retention.lines)}    ${f3(r.retention.all)} |     ${f3(r.surprisalOnlyRetention.all)}      ${f3(r.randomRetention.all)}`,
    );
  }
  console.log('-'.repeat(header.length));
  const d = overall.ratioDistribution;
  console.log(
    `traces ${overall.traces}, tokens ${overall.tokensBefore} -> ${overall.tokensAfter} (ratio ${overall.ratio.toFixed(3)}, target ${args.ratio}); per-trace ratio min ${d?.min.toFixed(3)} median ${d?.median.toFixed(3)} max ${d?.max.toFixed(3)}; budget met ${overall.budgetMet}/${overall.traces}`,
  );
  console.log(
    `answer retention (mean per trace)      ids ${f3(overall.retention.ids)}  code lines ${f3(overall.retention.lines)}  all ${f3(overall.retention.all)}`,
  );
  console.log(
    `  surprisal only, no anchors, same tokens: ids ${f3(overall.surprisalOnlyRetention.ids)}  code lines ${f3(overall.surprisalOnlyRetention.lines)}  all ${f3(overall.surprisalOnlyRetention.all)}`,
  );
  console.log(
    `  random step removal, same tokens:        ids ${f3(overall.randomRetention.ids)}  code lines ${f3(overall.randomRetention.lines)}  all ${f3(overall.randomRetention.all)}  (mean of ${args.seeds} seeds)`,
  );
  console.log(
    `throughput (batch mode): ${overall.tracesPerMinute.toFixed(2)} traces/min wall (${overall.batchSeconds.toFixed(1)} s for ${overall.traces} traces), ${overall.tracesPerCpuMinute.toFixed(2)} traces per CPU-minute (${overall.batchCpuSeconds.toFixed(1)} CPU s); model ${args.model} ${args.dtype}, load ${loadMs} ms; ${os.cpus().length} cores, shared (load avg ${os.loadavg()[0].toFixed(1)})`,
  );
  console.log(
    `model work: ${overall.modelTokensProcessed} model tokens; wall time in anchors (AMI) ${overall.anchorSeconds.toFixed(1)} s, in first-token surprisal + pruning ${overall.surprisalSeconds.toFixed(1)} s`,
  );

  fs.mkdirSync(path.dirname(args.out), { recursive: true });
  fs.writeFileSync(
    args.out,
    `${JSON.stringify({ command: `npx tsx bench/cot/run.ts ${process.argv.slice(2).join(' ')}`, date: new Date().toISOString(), model: { id: args.model, dtype: args.dtype }, tokenizer: args.tokenizer, overall, traces: rows }, null, 2)}\n`,
  );
  console.log(`wrote ${args.out}`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
