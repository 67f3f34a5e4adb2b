/** Hostile files in a scanned folder: links out of it, binary data after a text head. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { collectSourceFiles } from '../../src/core/files/index.js';
import { isolatedWorkspace, runCli, writeTree } from './cli-harness.js';

describe('robustness: hostile files', () => {
  const ws = isolatedWorkspace('files', (dir) => {
    writeTree(dir, {
      'r/a.py': 'def area(w, h):\n    return w * h\n',
      'r/lib/b.py': 'def b():\n    return 2\n',
      'elsewhere/secret.py': 'PASSWORD = "hunter2"\n',
    });
    fs.symlinkSync(path.join(dir, 'elsewhere/secret.py'), path.join(dir, 'r/outside.py'));
    fs.symlinkSync('/etc/passwd', path.join(dir, 'r/passwd.py'));
    fs.symlinkSync(path.join(dir, 'r/lib/b.py'), path.join(dir, 'r/inside.py'));
  });

  test('symlinks leaving the scanned folder are skipped with a reason; links inside are read', async () => {
    const r = await runCli(['chunks', '--json', 'r'], { cwd: ws.dir, env: ws.env });
    assert.equal(r.code, 0, r.stderr);
    const files = [...new Set((JSON.parse(r.stdout) as Array<{ file: string }>).map((c) => c.file))];
    assert.deepEqual(files, ['r/a.py', 'r/inside.py', 'r/lib/b.py']);
    assert.doesNotMatch(r.stdout, /hunter2|root:/);
    const { skipped } = collectSourceFiles({ root: ws.dir, paths: ['r'] });
    assert.deepEqual(
      skipped.map((s) => [s.file, s.reason, s.detail]),
      [
        [
          'r/outside.py',
          'symlink',
          `symbolic link to ${fs.realpathSync(path.join(ws.dir, 'elsewhere/secret.py'))}, outside the scanned folders (not followed; allow with --follow-symlinks)`,
        ],
        [
          'r/passwd.py',
          'symlink',
          'symbolic link to /etc/passwd, outside the scanned folders (not followed; allow with --follow-symlinks)',
        ],
      ],
    );
  });

  test('--follow-symlinks reads them', async () => {
    const r = await runCli(['chunks', '--json', '--follow-symlinks', 'r'], { cwd: ws.dir, env: ws.env });
    assert.equal(r.code, 0, r.stderr);
    const files = [...new Set((JSON.parse(r.stdout) as Array<{ file: string }>).map((c) => c.file))];
    assert.deepEqual(files, ['r/a.py', 'r/inside.py', 'r/lib/b.py', 'r/outside.py', 'r/passwd.py']);
  });

  test('a file name with a newline stays on one header line, escaped, in compress output and reports', async () => {
    writeTree(ws.dir, {
      'nl/evil\nname.py': 'def evil(x):\n    return x\n',
      'nl/good.py': 'def good(y):\n    return y\n',
    });
    const r = await runCli(['compress', '--query', 'evil good', '--ratio', '1', 'nl'], { cwd: ws.dir, env: ws.env });
    assert.equal(r.code, 0, r.stderr);
    const headers = r.stdout.split('\n').filter((l) => l.includes('====='));
    assert.deepEqual(headers, ['# ===== "evil\\nname.py" =====', '# ===== good.py =====']);
    assert.ok(!r.stdout.split('\n').includes('name.py ====='), 'no header line was split');
    const chunks = await runCli(['chunks', 'nl'], { cwd: ws.dir, env: ws.env });
    assert.equal(chunks.code, 0, chunks.stderr);
    assert.match(chunks.stdout, /^"nl\/evil\\nname\.py" {2}\(python, /m);
  });

  test('NUL bytes after the first 64 KB still make a file binary', async () => {
    const text = 'def f():\n    return 1\n\n'.repeat(4000); // ~96 KB of text
    writeTree(ws.dir, { 'late/tail.py': Buffer.concat([Buffer.from(text), Buffer.from([0, 0, 0x7f, 0])]) });
    const r = await runCli(['chunks', 'late'], { cwd: ws.dir, env: ws.env });
    assert.equal(r.code, 2);
    assert.equal(
      r.stderr,
      `contextzip: No source files found in late: late/tail.py was skipped (binary file (contains NUL bytes (first at byte ${Buffer.byteLength(text)}))).\n`,
    );
  });
});
