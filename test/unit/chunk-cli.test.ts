/** `contextzip chunks`: JSON shape, text table, skipped files on stderr, exit codes. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { main } from '../../src/cli/main.js';

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'chunk');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cz-cli-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

async function run(args: string[], cwd = FIXTURES): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const ow = process.stdout.write.bind(process.stdout);
  const ew = process.stderr.write.bind(process.stderr);
  const prevCwd = process.cwd();
  const prevExit = process.exitCode;
  // The test runner reports over stdout with binary writes; capture only the CLI's strings.
  process.stdout.write = ((s: unknown, ...rest: unknown[]) =>
    typeof s === 'string'
      ? (out.push(s), true)
      : (ow as (...a: unknown[]) => boolean)(s, ...rest)) as typeof process.stdout.write;
  process.stderr.write = ((s: unknown, ...rest: unknown[]) =>
    typeof s === 'string'
      ? (err.push(s), true)
      : (ew as (...a: unknown[]) => boolean)(s, ...rest)) as typeof process.stderr.write;
  process.chdir(cwd);
  try {
    const code = await main(args);
    return { code, out: out.join(''), err: err.join('') };
  } finally {
    process.stdout.write = ow;
    process.stderr.write = ew;
    process.chdir(prevCwd);
    process.exitCode = prevExit;
  }
}

test('chunks --json prints the chunk array of docs/ARCHITECTURE.md', async () => {
  const r = await run(['chunks', '--json', '--max-class-tokens', '40', 'queue.rb']);
  assert.equal(r.code, 0);
  const rows = JSON.parse(r.out) as Array<Record<string, unknown>>;
  assert.deepEqual(rows[3], {
    file: 'queue.rb',
    name: 'initialize',
    kind: 'method',
    startLine: 7,
    endLine: 10,
    tokens: 13,
    parent: 'Queue',
    headerLines: 1,
    language: 'ruby',
  });
  assert.deepEqual(
    rows.map((c) => `${c.kind} ${c.name}`),
    [
      'code imports',
      'header Jobs',
      'header Queue',
      'method initialize',
      'method push',
      'method from_json',
      'code end of Queue',
      'code end of Jobs',
      'function run_all',
    ],
  );
});

test('chunks prints a table grouped by file and skipped files on stderr', async () => {
  fs.writeFileSync(path.join(tmp, 'ok.py'), 'def f():\n    return 1\n');
  fs.writeFileSync(path.join(tmp, 'blob.py'), Buffer.from([1, 0, 2]));
  const r = await run(['chunks', '.'], tmp);
  assert.equal(r.code, 0);
  assert.equal(
    r.out,
    'ok.py  (python, tree-sitter, 1 chunks, 7 tokens)\n  L1-2         function   f                                             7\n',
  );
  assert.equal(r.err, 'skipped blob.py: binary (binary file (contains NUL bytes))\n');
});

test('exit 2 with one line on bad arguments or missing paths', async () => {
  for (const args of [
    ['chunks'],
    ['chunks', 'missing.py'],
    ['chunks', '--max-class-tokens', '0', 'queue.rb'],
    ['chunks', '--max-file-bytes', 'big', 'queue.rb'],
  ]) {
    const r = await run(args);
    assert.equal(r.code, 2, args.join(' '));
    assert.equal(r.out, '');
    assert.equal(r.err.split('\n').filter(Boolean).length, 1, r.err);
  }
});
