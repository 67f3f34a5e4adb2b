/** Bad arguments and unbounded inputs: a one-line usage error and exit 2, before any model work. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { isolatedWorkspace, runCli, writeTree } from './cli-harness.js';

describe('robustness: bad arguments', () => {
  const ws = isolatedWorkspace('args', (dir) => {
    writeTree(dir, {
      'r/a.py': 'def area(w, h):\n    return w * h\n',
      'trace.txt': 'We add.\n\nThen we check.\n',
      'query.bin': Buffer.from('find the area\0\0'),
    });
  });

  const compress = (...args: string[]) => ['compress', '--query', 'area', ...args, 'r'];
  const cases: Array<[string[], string]> = [
    [compress('--budget', '100', '--threads', 'abc'), '--threads must be auto or a whole number in [1, '],
    [compress('--budget', '100', '--threads', '100000'), '--threads must be auto or a whole number in [1, '],
    [compress('--budget', '100', '--threads', '-1'), '--threads must be auto or a whole number in [1, '],
    [compress('--budget', '100', '--threads', '1.5'), '--threads must be auto or a whole number in [1, '],
    [compress('--budget', '100', '--beta', '-5'), '--beta must be a number in [0, 1] (got "-5").'],
    [compress('--budget', '100', '--beta', '1e308'), '--beta must be a number in [0, 1] (got "1e308").'],
    [
      compress('--budget', '100', '--prefilter', '1.5'),
      '--prefilter must be auto, off or a whole number of chunks (got "1.5").',
    ],
    [compress('--budget', '1.5'), '--budget must be a whole number >= 1 (got "1.5").'],
    [compress('--budget', '0'), '--budget must be a whole number >= 1 (got "0").'],
    [compress('--ratio', '0'), '--ratio must be a number in (0, 1] (got "0").'],
    [compress('--ratio', 'NaN'), '--ratio must be a number in (0, 1] (got "NaN").'],
    [compress('--ratio', '0.5', '--max-file-bytes', '-3'), '--max-file-bytes must be a whole number in [1, 67108864]'],
    [compress('--ratio', '0.5', '--dtype', 'q2'), 'Unknown dtype "q2". Use one of: '],
    [['cot', '--input', 'trace.txt', '--budget', '2.5'], '--budget must be a whole number >= 1 (got "2.5").'],
    [['cot', '--input', 'trace.txt', '--threads', '0'], '--threads must be auto or a whole number in [1, '],
    [['chunks', '--max-class-tokens', '1.5', 'r'], '--max-class-tokens must be a whole number >= 1 (got "1.5").'],
    [
      ['compress', '--query-file', 'query.bin', '--ratio', '0.5', 'r'],
      '--query-file: query.bin is binary (NUL bytes), not text.',
    ],
  ];
  for (const [args, message] of cases) {
    test(`${args.join(' ')} -> exit 2`, async () => {
      const r = await runCli(args, { cwd: ws.dir, env: ws.env });
      assert.equal(r.code, 2, r.stderr);
      assert.equal(r.stdout, '');
      assert.equal(r.stderr.split('\n').filter(Boolean).length, 1, r.stderr);
      assert.ok(r.stderr.startsWith(`contextzip: ${message}`), r.stderr);
    });
  }

  test('--query-file /dev/zero stops at the 1 MB query limit at once', async () => {
    const r = await runCli(['compress', '--query-file', '/dev/zero', '--ratio', '0.5', 'r'], {
      cwd: ws.dir,
      env: ws.env,
      timeoutMs: 30_000,
    });
    assert.equal(r.code, 2, r.stderr);
    assert.equal(r.stderr, 'contextzip: --query-file: /dev/zero is larger than the 1 MB limit for this input.\n');
  });

  test('a trace on stdin over the 16 MB limit is refused', async () => {
    const r = await runCli(['cot', '--input', '-', '--ratio', '0.5'], {
      cwd: ws.dir,
      env: ws.env,
      input: 'a'.repeat(16 * 1024 * 1024 + 1),
    });
    assert.equal(r.code, 2, r.stderr);
    assert.equal(r.stderr, 'contextzip: --input: standard input is larger than the 16 MB limit for this input.\n');
  });

  test('--exclude takes one glob per use and leaves the paths alone (compress and chunks)', async () => {
    writeTree(ws.dir, { 'r/skip_me.py': 'def skipped():\n    return 0\n' });
    const chunks = await runCli(['chunks', '--json', '--exclude', 'skip_*', '--exclude', '*.txt', 'r'], {
      cwd: ws.dir,
      env: ws.env,
    });
    assert.equal(chunks.code, 0, chunks.stderr);
    assert.deepEqual(
      (JSON.parse(chunks.stdout) as Array<{ file: string }>).map((c) => c.file),
      ['r/a.py'],
    );
    const compress = await runCli(
      ['compress', '--query', 'area', '--budget', '1000', '--exclude', 'skip_*', '--json', 'r'],
      { cwd: ws.dir, env: ws.env },
    );
    assert.equal(compress.code, 0, compress.stderr);
    const result = JSON.parse(compress.stdout) as { chunks: Array<{ file: string }> };
    assert.deepEqual([...new Set(result.chunks.map((c) => c.file))], ['a.py']);
    fs.rmSync(path.join(ws.dir, 'r/skip_me.py'));
  });

  test('chunks and compress agree: nothing to read is exit 2 naming the reason', async () => {
    writeTree(ws.dir, { 'bin/blob.py': Buffer.from([0x64, 0x65, 0x66, 0, 1, 2]) });
    const expected =
      'contextzip: No source files found in bin: blob.py was skipped (binary file (contains NUL bytes)).\n';
    const c = await runCli(['chunks', 'bin'], { cwd: ws.dir, env: ws.env });
    assert.equal(c.code, 2);
    assert.equal(c.stderr, expected.replace('blob.py', 'bin/blob.py'));
    const z = await runCli(['compress', '--query', 'x', '--ratio', '0.5', 'bin'], { cwd: ws.dir, env: ws.env });
    assert.equal(z.code, 2);
    assert.equal(z.stderr, expected);
  });
});
