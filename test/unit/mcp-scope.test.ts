/** Path confinement of the MCP server (src/mcp/scope.ts) on a real temporary folder tree. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { UsageError } from '../../src/core/errors.js';
import { loadMcpScope } from '../../src/mcp/scope.js';

describe('MCP scope: paths confined to the roots', () => {
  let tmp: string;
  let root: string;
  let outside: string;
  before(() => {
    tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'cz-mcp-scope-')));
    root = path.join(tmp, 'project');
    outside = path.join(tmp, 'secret');
    fs.mkdirSync(path.join(root, 'src', 'deep'), { recursive: true });
    fs.mkdirSync(outside);
    fs.writeFileSync(path.join(root, 'src', 'a.ts'), 'export const a = 1;\n');
    fs.writeFileSync(path.join(root, 'src', 'deep', 'b.py'), 'def b():\n    return 2\n');
    fs.writeFileSync(path.join(outside, 'key.ts'), 'export const key = "s3cr3t";\n');
    fs.symlinkSync(outside, path.join(root, 'link'));
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  test('default scope: every source file of the root, labelled relative to it', () => {
    const s = loadMcpScope(undefined, [root]);
    assert.equal(s.base, root);
    assert.deepEqual(s.sources.map((f) => f.file).sort(), ['src/a.ts', 'src/deep/b.py']);
  });

  test('relative paths and globs resolve inside the root', () => {
    assert.deepEqual(
      loadMcpScope(['src/deep'], [root]).sources.map((f) => f.file),
      ['src/deep/b.py'],
    );
    assert.deepEqual(
      loadMcpScope(['**/*.ts', 'src/a.ts'], [root]).sources.map((f) => f.file),
      ['src/a.ts'],
    );
  });

  test('outside the roots: refused, also through a symlink inside the root', () => {
    for (const p of [outside, '../secret', 'link', 'link/key.ts']) {
      assert.throws(
        () => loadMcpScope([p], [root]),
        (e: unknown) =>
          e instanceof UsageError &&
          e.message === `"${p}" is outside the roots this client allows (${root}); it was not read.`,
        p,
      );
    }
    assert.throws(() => loadMcpScope(['/tmp/**'], [root]), /Glob patterns must be relative to a root/);
    assert.throws(() => loadMcpScope(['src/missing.ts'], [root]), /^UsageError: No such file or folder: /);
    assert.throws(() => loadMcpScope(undefined, []), /The client declared no roots/);
  });
});
