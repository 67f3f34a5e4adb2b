/** `contextzip cot` and `cot-batch` through the CLI entry, with the real model. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { cotOptionsFromCli } from '../../src/cli/commands/cot.js';
import { UsageError } from '../../src/core/errors.js';

const MODEL = process.env.CONTEXTZIP_TEST_MODEL || 'embedded';
const FIXTURE = path.join(__dirname, '..', 'fixtures', 'cot', 'pair-sum.trace.txt');

const ROOT = path.join(__dirname, '..', '..');

/**
 * Runs the CLI in a child process (node + tsx, like `npx tsx src/cli/main.ts`). Not in-process:
 * node's test runner reports through this process's stdout, which the CLI writes to.
 */
function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src', 'cli', 'main.ts'), ...args], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

function trace(i: number): string {
  return [
    `Okay, problem ${i}: we need the largest value_${i} in the list.`,
    'Hmm, the weather is nice today.',
    `Let me keep best_${i} and compare each value_${i} with it; update it when a bigger element shows up.`,
    'Check: [3, 1, 4] gives 4. Good.',
  ].join('\n\n');
}
const answer = (i: number): string => `\`\`\`python\nbest_${i} = max(value_${i})\nprint(best_${i})\n\`\`\``;

describe('contextzip cot / cot-batch (real model)', () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cz-cot-'));
  });
  after(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('cot --json prints the contract shape', async () => {
    const r = await run(['cot', '--input', FIXTURE, '--ratio', '0.7', '--model', MODEL, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as Record<string, unknown> & {
      steps: Array<Record<string, unknown>>;
      text: string;
    };
    for (const k of ['originalTokens', 'compressedTokens', 'ratio', 'text', 'steps']) assert.ok(k in out, k);
    for (const k of ['index', 'tokens', 'surprisal', 'anchored', 'kept']) assert.ok(k in out.steps[0], k);
    assert.ok((out.compressedTokens as number) <= Math.floor(0.7 * (out.originalTokens as number)));
    assert.equal(out.ratio, (out.compressedTokens as number) / (out.originalTokens as number));
  });

  test('cot text mode: compressed trace on stdout, summary on stderr; answer file and stdin-free', async () => {
    const ans = path.join(dir, 'answer.txt');
    fs.writeFileSync(ans, answer(1));
    const input = path.join(dir, 't.txt');
    fs.writeFileSync(input, trace(1));
    const r = await run([
      'cot',
      '--input',
      input,
      '--answer-file',
      ans,
      '--budget',
      '40',
      '--model',
      MODEL,
      '--tokenizer',
      'cl100k_base',
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /^cot: \d+ -> \d+ tokens/m);
    assert.match(r.stderr, /cl100k_base/);
    assert.ok(r.stdout.includes('best_1'), 'the identifier-anchored step is kept');
  });

  test('bad arguments exit 2 with one line', async () => {
    for (const args of [
      ['cot', '--input', FIXTURE, '--ratio', '0.5', '--budget', '10'],
      ['cot-batch', '--input', path.join(dir, 'missing.jsonl'), '--output', path.join(dir, 'o.jsonl')],
    ]) {
      const r = await run(args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    }
    // The same validation, in-process (no model needed): each is a UsageError (exit 2).
    const base = { tokenizer: 'o200k_base' };
    for (const bad of [
      { ratio: '0' },
      { ratio: '1.5' },
      { ratio: 'abc' },
      { budget: '0' },
      { ratio: '0.5', budget: '10' },
      { amiTop: '2' },
      { tokenizer: 'nope' },
      { tokenizer: 'model' },
    ]) {
      assert.throws(() => cotOptionsFromCli({ ...base, ...bad }), UsageError, JSON.stringify(bad));
    }
    assert.deepEqual(
      (({ ratio, budget, amiTopFraction, recompute, tokenizer }) => ({
        ratio,
        budget,
        amiTopFraction,
        recompute,
        tokenizer,
      }))(cotOptionsFromCli({ ...base, budget: '500', amiTop: '0' })),
      { ratio: undefined, budget: 500, amiTopFraction: 0, recompute: false, tokenizer: 'o200k_base' },
    );
  });

  test('cot-batch survives malformed lines, writes stats, and resumes', async () => {
    const input = path.join(dir, 'in.jsonl');
    const output = path.join(dir, 'out.jsonl');
    const summaryFile = path.join(dir, 'summary.json');
    const good = (i: number) =>
      JSON.stringify({ id: `t${i}`, problem: `find the max ${i}`, think: trace(i), final_answer: answer(i), extra: i });
    fs.writeFileSync(
      input,
      [
        good(1),
        '{"id": "broken", "think": ', // line 2: invalid JSON
        JSON.stringify({ id: 'nothink', final_answer: 'x' }), // line 3: missing think
        '[1, 2, 3]', // line 4: not an object
        '', // line 5: blank, ignored
        good(2),
        JSON.stringify({ think: 'no id' }), // line 7: missing id
        good(2), // line 8: duplicate id
        JSON.stringify({ id: 7, think: trace(7) }), // numeric id, no answer field
      ].join('\n') + '\n',
    );
    const r1 = await run([
      'cot-batch',
      '--input',
      input,
      '--output',
      output,
      '--ratio',
      '0.8',
      '--model',
      MODEL,
      '--summary-json',
      summaryFile,
    ]);
    assert.equal(r1.code, 0, r1.stderr);
    for (const line of [2, 3, 4, 7, 8]) assert.match(r1.stderr, new RegExp(`in\\.jsonl:${line}: .*skipped`));
    assert.doesNotMatch(r1.stderr, /in\.jsonl:5:/);
    const recs = fs
      .readFileSync(output, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(
      recs.map((r) => r.id),
      ['t1', 't2', 7],
    );
    const first = recs[0] as {
      think: string;
      extra: number;
      contextzip: { originalTokens: number; compressedTokens: number; ratio: number };
    };
    assert.equal(first.extra, 1, 'input fields are kept');
    assert.ok(first.contextzip.compressedTokens <= first.contextzip.originalTokens);
    assert.ok(trace(1).includes(first.think.split('\n\n')[0]));
    const s1 = JSON.parse(fs.readFileSync(summaryFile, 'utf8')) as {
      traces: number;
      bad: number;
      skipped: number;
      ratioDistribution: Record<string, number>;
    };
    assert.equal(s1.traces, 3);
    assert.equal(s1.bad, 5);
    assert.deepEqual(Object.keys(s1.ratioDistribution), ['min', 'p25', 'median', 'p75', 'max']);
    assert.match(r1.stderr, /per-trace ratio: min/);

    // Resume: a half-written last line (a killed run) is cut, done ids are skipped, new ones appended.
    fs.appendFileSync(output, '{"id": "t9", "think": "half wri');
    fs.appendFileSync(input, `${good(3)}\n`);
    const r2 = await run([
      'cot-batch',
      '--input',
      input,
      '--output',
      output,
      '--ratio',
      '0.8',
      '--model',
      MODEL,
      '--output-field',
      'think_short',
      '--summary-json',
      summaryFile,
    ]);
    assert.equal(r2.code, 0, r2.stderr);
    const recs2 = fs
      .readFileSync(output, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(
      recs2.map((r) => r.id),
      ['t1', 't2', 7, 't3'],
    );
    assert.equal(recs2[3].think, trace(3), 'with --output-field the original trace is kept');
    assert.equal(typeof recs2[3].think_short, 'string');
    const s2 = JSON.parse(fs.readFileSync(summaryFile, 'utf8')) as { traces: number; skippedExisting: number };
    assert.equal(s2.traces, 1);
    assert.equal(s2.skippedExisting, 4); // t1, t2, its duplicate line, 7
  });
});
