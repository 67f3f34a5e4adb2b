/** `cot-batch` never destroys data: its input, records already in its output, or the output itself. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { isolatedWorkspace, runCli } from './cli-harness.js';

const trace = (i: number): string =>
  [
    `Okay, problem ${i}: we need the largest value_${i} in the list.`,
    'Hmm, the weather is nice today.',
    `Let me keep best_${i} and compare each value_${i} with it.`,
  ].join('\n\n');
const record = (id: string, i: number): string =>
  JSON.stringify({ id, think: trace(i), final_answer: `best_${i} = max(value_${i})` });

describe('robustness: cot-batch data safety', () => {
  const ws = isolatedWorkspace('cotbatch');

  const batch = (input: string, output: string) =>
    runCli(['cot-batch', '--input', input, '--output', output, '--ratio', '0.8', '--tokenizer', 'estimate'], {
      env: ws.env,
    });

  test('an output whose last record has no final newline keeps that record', async () => {
    const input = path.join(ws.dir, 'nl-in.jsonl');
    const output = path.join(ws.dir, 'nl-out.jsonl');
    fs.writeFileSync(input, `${record('a', 1)}\n${record('b', 2)}\n`);
    const previous = `${JSON.stringify({ id: 'a', think: 'done before', contextzip: {} })}`; // no newline
    fs.writeFileSync(output, previous);
    const r = await batch(input, output);
    assert.equal(r.code, 0, r.stderr);
    const lines = fs.readFileSync(output, 'utf8').split('\n');
    assert.equal(lines[0], previous, 'the complete record is kept byte for byte');
    assert.deepEqual(
      lines.filter((l) => l !== '').map((l) => (JSON.parse(l) as { id: string }).id),
      ['a', 'b'],
    );
    assert.match(r.stderr, /1 traces compressed, 1 skipped \(1 already in output/);
  });

  test('a half-written last line of a killed run is dropped, complete records stay', async () => {
    const input = path.join(ws.dir, 'half-in.jsonl');
    const output = path.join(ws.dir, 'half-out.jsonl');
    fs.writeFileSync(input, `${record('a', 1)}\n`);
    const done = JSON.stringify({ id: 'z', think: 'x' });
    fs.writeFileSync(output, `${done}\n{"id": "a", "think": "half wri`);
    const r = await batch(input, output);
    assert.equal(r.code, 0, r.stderr);
    const ids = fs
      .readFileSync(output, 'utf8')
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { id: string }).id);
    assert.deepEqual(ids, ['z', 'a']);
  });

  test('an output that is a hard link to the input is refused and the input is untouched', async () => {
    const input = path.join(ws.dir, 'link-in.jsonl');
    const output = path.join(ws.dir, 'link-out.jsonl');
    const content = `${record('a', 1)}\n${record('b', 2)}\n`;
    fs.writeFileSync(input, content);
    fs.linkSync(input, output);
    const r = await batch(input, output);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /^contextzip: --output must be a different file from --input\.\n$/);
    assert.equal(fs.readFileSync(input, 'utf8'), content);
  });

  test('a byte-order mark does not cost the first record', async () => {
    const input = path.join(ws.dir, 'bom-in.jsonl');
    const output = path.join(ws.dir, 'bom-out.jsonl');
    fs.writeFileSync(input, `\uFEFF${record('first', 1)}\n${record('second', 2)}\n`);
    const r = await batch(input, output);
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /bom-in\.jsonl:1:/);
    const ids = fs
      .readFileSync(output, 'utf8')
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { id: string }).id);
    assert.deepEqual(ids, ['first', 'second']);
  });

  test('no temporary file is left, and those of killed runs are removed', async () => {
    const input = path.join(ws.dir, 'tmp-in.jsonl');
    const output = path.join(ws.dir, 'tmp-out.jsonl');
    fs.writeFileSync(input, `${record('a', 1)}\n`);
    // pid 2^22 + 1 is above Linux's pid_max limit: no such process can be alive.
    const orphan = path.join(ws.dir, `.tmp-out.jsonl.contextzip-${2 ** 22 + 1}.tmp`);
    fs.writeFileSync(orphan, 'partial');
    const r = await batch(input, output);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(
      fs.readdirSync(ws.dir).filter((n) => n.startsWith('.tmp-out.jsonl')),
      [],
    );
  });
});
