/**
 * Progress on stderr: shown when stderr is a terminal (a pseudo-terminal from util-linux
 * `script`), never on a pipe and never with --quiet; stdout carries the result alone.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { hasScript, isolatedEnv, rmTmp, runCli, runCliInTty, tmpDir, writeTree } from './cli-harness.js';

/** A progress line: stage, a bar with counts, or a count alone. */
const PROGRESS = /contextzip: [a-z][a-z ()]+(…|\s\[[=-]+\] \d+\/\d+)/;
const ESC = '\u001b[';

const traceRecord = (id: string, i: number): string =>
  JSON.stringify({
    id,
    think: [
      `Okay, problem ${i}: we need the largest value_${i} in the list.`,
      'Hmm, the weather is nice today.',
      `Let me keep best_${i} and compare each value_${i} with it.`,
    ].join('\n\n'),
    final_answer: `best_${i} = max(value_${i})`,
  });

describe('robustness: progress on stderr', { skip: !hasScript() && 'util-linux script is not installed' }, () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  const trace = path.join(__dirname, '..', 'fixtures', 'cot', 'pair-sum.trace.txt');
  before(() => {
    dir = tmpDir('progress');
    env = isolatedEnv(dir);
    const files: Record<string, string> = {};
    for (let i = 0; i < 3; i++)
      files[`src/m${i}.py`] =
        `def parse_config_${i}(text):\n    port = int(text.split(':')[1])\n    return port\n\n\n` +
        `def render_page_${i}(title):\n    return '<h1>' + title + '</h1>'\n\n\n` +
        `def add_${i}(a, b):\n    return a + b\n`;
    writeTree(dir, files);
    fs.writeFileSync(path.join(dir, 'in.jsonl'), `${traceRecord('a', 1)}\n${traceRecord('b', 2)}\n`);
  });
  after(() => rmTmp(dir));

  const compressArgs = ['compress', '--query', 'parse the port from the config', '--ratio', '0.3', 'src'];

  test('compress on a terminal: stages with counts and ETA on stderr, the result alone on stdout', async () => {
    const r = await runCliInTty(compressArgs, { cwd: dir, env });
    assert.equal(r.code, 0, r.terminal);
    assert.match(r.terminal, /contextzip: reading files… 0 found/);
    assert.match(r.terminal, /contextzip: ranking chunks \[[=-]+\] \d+\/\d+ sequences, (ETA \S+|done)/);
    assert.match(r.terminal, /contextzip: chunking \[[=-]+\] \d+\/3 files/);
    assert.match(r.terminal, /contextzip: \d+ -> \d+ tokens/, 'the summary follows');
    assert.match(r.stdout, /def parse_config_/);
    assert.doesNotMatch(r.stdout, PROGRESS);
    assert.ok(!r.stdout.includes(ESC), 'no terminal codes in the result');
  });

  test('compress on a large folder prints its first progress line within 2 s', async () => {
    const big = path.join(dir, 'big');
    const files: Record<string, string> = {};
    for (let i = 0; i < 3000; i++) files[`d${i % 30}/m${i}.py`] = `def f_${i}(x):\n    return x + ${i}\n`;
    writeTree(big, files);
    const r = await runCliInTty(['compress', '--query', 'add numbers', '--ratio', '0.3', 'big'], {
      cwd: dir,
      env,
      firstMatch: /contextzip: reading files/,
      stopAfterMatch: true,
      timeoutMs: 30_000,
    });
    assert.ok(r.firstMatchMs !== undefined, `no progress line: ${r.terminal}`);
    assert.ok(r.firstMatchMs < 2000, `first progress line after ${r.firstMatchMs} ms`);
  });

  test('chunks, cot and cot-batch on a terminal show their stages', async () => {
    const chunks = await runCliInTty(['chunks', 'src'], { cwd: dir, env });
    assert.equal(chunks.code, 0, chunks.terminal);
    assert.match(chunks.terminal, /contextzip: chunking \[[=-]+\] \d+\/3 files/);
    assert.match(chunks.stdout, /parse_config_0/);
    assert.ok(!chunks.stdout.includes(ESC));

    const cot = await runCliInTty(['cot', '--input', trace, '--ratio', '0.7', '--tokenizer', 'estimate'], {
      cwd: dir,
      env,
    });
    assert.equal(cot.code, 0, cot.terminal);
    assert.match(cot.terminal, /contextzip: loading model…/);
    assert.match(cot.terminal, /contextzip: scoring step surprisal \[[=-]+\] \d+\/\d+ sequences/);
    assert.match(cot.terminal, /cot: \d+ -> \d+ tokens/);
    assert.doesNotMatch(cot.stdout, PROGRESS);

    const batch = await runCliInTty(
      ['cot-batch', '--input', 'in.jsonl', '--output', 'out-tty.jsonl', '--ratio', '0.8', '--tokenizer', 'estimate'],
      { cwd: dir, env },
    );
    assert.equal(batch.code, 0, batch.terminal);
    assert.match(batch.terminal, /contextzip: compressing traces \[[=-]+\] [12]\/2 lines \(\d compressed/);
    assert.match(batch.terminal, /cot-batch: 2 traces compressed/);
  });

  test('--quiet on a terminal: no progress, the summary stays', async () => {
    const r = await runCliInTty([...compressArgs, '--quiet'], { cwd: dir, env });
    assert.equal(r.code, 0, r.terminal);
    assert.doesNotMatch(r.terminal, PROGRESS);
    assert.match(r.terminal, /contextzip: \d+ -> \d+ tokens/);
    const batch = await runCliInTty(
      [
        'cot-batch',
        '--input',
        'in.jsonl',
        '--output',
        'out-q.jsonl',
        '--ratio',
        '0.8',
        '--tokenizer',
        'estimate',
        '-q',
      ],
      { cwd: dir, env },
    );
    assert.equal(batch.code, 0, batch.terminal);
    assert.doesNotMatch(batch.terminal, PROGRESS);
    assert.doesNotMatch(batch.terminal, /\d+\/\d+ lines/);
  });

  test('stderr on a pipe: no progress and no terminal codes from any command', async () => {
    const runs = [
      await runCli(compressArgs, { cwd: dir, env }),
      await runCli(['chunks', 'src'], { cwd: dir, env }),
      await runCli(['cot', '--input', trace, '--ratio', '0.7', '--tokenizer', 'estimate'], { cwd: dir, env }),
      await runCli(
        ['cot-batch', '--input', 'in.jsonl', '--output', 'out-pipe.jsonl', '--ratio', '0.8', '--tokenizer', 'estimate'],
        { cwd: dir, env },
      ),
    ];
    for (const r of runs) {
      assert.equal(r.code, 0, r.stderr);
      assert.doesNotMatch(r.stderr, PROGRESS);
      assert.doesNotMatch(r.stderr, /\d+\/\d+ lines/);
      assert.ok(!r.stderr.includes(ESC) && !r.stderr.includes('\r'), JSON.stringify(r.stderr.slice(0, 200)));
    }
  });
});
