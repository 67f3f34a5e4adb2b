/**
 * tools/demo.sh: stdout carries the compressed context alone; npm's install and build output
 * goes to stderr. Run on a copy of the script with stand-in `npm` and `node` commands that
 * print to stdout, in a folder without node_modules (so the install step runs).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ROOT, rmTmp, tmpDir, writeTree } from './cli-harness.js';

describe('robustness: tools/demo.sh output', () => {
  let dir: string;
  before(() => {
    dir = tmpDir('demo');
    writeTree(dir, {
      'project/tools/demo.sh': fs.readFileSync(path.join(ROOT, 'tools', 'demo.sh')),
      'bin/npm': '#!/bin/sh\necho "npm output: $*"\n',
      'bin/node': '#!/bin/sh\necho "RESULT of node $*"\n',
    });
    for (const b of ['npm', 'node']) fs.chmodSync(path.join(dir, 'bin', b), 0o755);
  });
  after(() => rmTmp(dir));

  test("npm ci and the build print to stderr; stdout is the CLI's output alone", () => {
    const r = spawnSync('bash', [path.join(dir, 'project', 'tools', 'demo.sh'), 'a query', '0.5'], {
      env: { ...process.env, PATH: `${path.join(dir, 'bin')}:${process.env.PATH}` },
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(
      r.stdout,
      'RESULT of node dist/cli.js compress --query a query --ratio 0.5 test/fixtures/sample-project\n',
    );
    assert.match(r.stderr, /npm output: ci --no-audit --no-fund/);
    assert.match(r.stderr, /npm output: run build --silent/);
  });
});
