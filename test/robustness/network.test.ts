/**
 * The network guard: default runs of every command make no network connection. Each run
 * preloads test/robustness/network-guard.cjs, which ends the process with exit 99 on any
 * TCP/UDP connection attempt; a control run shows the guard does fire.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from 'node:test';
import { isolatedWorkspace, runCli, writeTree } from './cli-harness.js';

const GUARD = ['--require', path.join(__dirname, 'network-guard.cjs')];

describe('robustness: no network in default runs', () => {
  const ws = isolatedWorkspace('net', (dir) => {
    writeTree(dir, {
      'src/a.py': 'def area(w, h):\n    return w * h\n\n\ndef perimeter(w, h):\n    return 2 * (w + h)\n',
      'trace.txt': 'We need the area.\n\nThe weather is nice.\n\nArea is w times h.\n\nFinal answer: w * h\n',
      'in.jsonl': `${JSON.stringify({ id: 1, think: 'We add.\n\nWe check.\n\nDone.' })}\n`,
    });
  });

  const runs: string[][] = [
    ['chunks', '--json', 'src'],
    ['compress', '--query', 'area of a rectangle', '--ratio', '0.5', '--json', 'src'],
    ['cot', '--input', 'trace.txt', '--ratio', '0.7'],
    ['cot-batch', '--input', 'in.jsonl', '--output', 'out.jsonl'],
    ['logprobs', '--text-file', 'trace.txt'],
    // A hub model that is not downloaded: refused with a message, no connection.
    ['compress', '--query', 'x', '--ratio', '0.5', '--model', 'someone/some-model', 'src'],
  ];
  for (const args of runs) {
    test(args.join(' '), async () => {
      const r = await runCli(args, { cwd: ws.dir, env: ws.env, nodeArgs: GUARD });
      assert.doesNotMatch(r.stderr, /network-guard/);
      assert.notEqual(r.code, 99);
      assert.ok(r.code === 0 || /not downloaded yet/.test(r.stderr), r.stderr);
    });
  }

  test('control: the guard stops a connection attempt', async () => {
    const r = await runCli(['compress', '--query', 'x', '--ratio', '0.5', '--model', 'a/b', '--download', 'src'], {
      cwd: ws.dir,
      env: { ...ws.env, HF_ENDPOINT: 'http://127.0.0.1:9' },
      nodeArgs: GUARD,
    });
    assert.equal(r.code, 99, r.stderr);
    assert.match(r.stderr, /^network-guard: connection attempt: /m);
  });
});
