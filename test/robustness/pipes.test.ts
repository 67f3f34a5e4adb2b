/** Output written to a pipe arrives whole (it was cut at the 64 KB kernel buffer by process.exit). */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { pythonFile, rmTmp, runCli, tmpDir, writeTree } from './cli-harness.js';

describe('robustness: stdout on a pipe', () => {
  let dir: string;
  before(() => {
    dir = tmpDir('pipes');
    const files: Record<string, string> = {};
    for (let i = 0; i < 400; i++) files[`pkg/m${i}.py`] = pythonFile(i);
    writeTree(dir, files);
  });
  after(() => rmTmp(dir));

  test('chunks --json of 1200 chunks is complete, parseable JSON well over 64 KB', async () => {
    const r = await runCli(['chunks', '--json', 'pkg'], { cwd: dir, shellPipe: true });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.stdoutBytes > 3 * 65536, `only ${r.stdoutBytes} bytes`);
    const rows = JSON.parse(r.stdout) as Array<{ file: string; name: string }>;
    assert.equal(rows.filter((c) => c.name.startsWith('f_')).length, 1200);
    assert.equal(rows.at(-1)?.file, 'pkg/m99.py');
  });
});
