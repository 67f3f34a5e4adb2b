/**
 * Scope collection (.gitignore incl. nested and above the root, .contextzipignore, exclude
 * globs, default excludes, size limit, order) and file classification (binary, minified,
 * too large, empty, unreadable).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import {
  collectSourceFiles,
  loadSourceFiles,
  readSourceFile,
  classifySourceBytes,
  minifiedReason,
} from '../../src/core/files/index.js';

const tmpRoots: string[] = [];
after(() => {
  for (const d of tmpRoots) fs.rmSync(d, { recursive: true, force: true });
});

/** Creates a temp tree from a {relPath: content} map. */
function tree(files: Record<string, string | Buffer>): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cz-files-'));
  tmpRoots.push(root);
  for (const [rel, content] of Object.entries(files)) {
    const p = path.join(root, rel);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, content);
  }
  return root;
}

describe('collectSourceFiles', () => {
  test('respects root and nested .gitignore files, with negation', () => {
    const root = tree({
      '.gitignore': 'generated/\n*.log\nsecret*.py\n',
      'app.py': 'x = 1\n',
      'secret_keys.py': 'k = 1\n',
      'generated/schema.py': 'y = 2\n',
      'pkg/.gitignore': 'local_*.ts\n!local_keep.ts\n',
      'pkg/local_tmp.ts': 'let a = 1;\n',
      'pkg/local_keep.ts': 'let b = 1;\n',
      'pkg/main.go': 'package main\n',
      'other/local_tmp.ts': 'let c = 1;\n',
    });
    assert.deepEqual(collectSourceFiles({ root }).files, [
      'app.py',
      'other/local_tmp.ts',
      'pkg/local_keep.ts',
      'pkg/main.go',
    ]);
    assert.deepEqual(collectSourceFiles({ root, gitignore: false }).files, [
      'app.py',
      'generated/schema.py',
      'other/local_tmp.ts',
      'pkg/local_keep.ts',
      'pkg/local_tmp.ts',
      'pkg/main.go',
      'secret_keys.py',
    ]);
  });

  test('a .gitignore above the scope root applies inside a repository', () => {
    const root = tree({
      '.git/HEAD': 'ref: refs/heads/main\n',
      '.gitignore': 'sub/skip.rs\n',
      'sub/keep.rs': 'fn a() {}\n',
      'sub/skip.rs': 'fn b() {}\n',
    });
    assert.deepEqual(collectSourceFiles({ root: path.join(root, 'sub') }).files, ['keep.rs']);
  });

  test('respects .contextzipignore files', () => {
    const root = tree({
      '.contextzipignore': 'fixtures/\n',
      'src/a.ts': 'export {};\n',
      'fixtures/big.ts': 'export {};\n',
      'src/.contextzipignore': '*.gen.ts\n',
      'src/b.gen.ts': 'export {};\n',
    });
    assert.deepEqual(collectSourceFiles({ root }).files, ['src/a.ts']);
    assert.deepEqual(collectSourceFiles({ root, contextzipIgnore: false }).files, [
      'fixtures/big.ts',
      'src/a.ts',
      'src/b.gen.ts',
    ]);
  });

  test('exclude globs: with a slash on the relative path, without on any basename', () => {
    const root = tree({
      'src/a.ts': '',
      'src/a.test.ts': '',
      'src/gen/x.ts': '',
      'test/t.ts': '',
      'lib/test/u.ts': '',
    });
    assert.deepEqual(collectSourceFiles({ root, exclude: ['*.test.ts', 'src/gen/**', 'test'] }).files, ['src/a.ts']);
  });

  test('default excludes: dependencies, build output, caches, lock files, minified bundles', () => {
    const root = tree({
      'index.js': 'module.exports = 1;\n',
      'node_modules/dep/index.js': '',
      'dist/index.js': '',
      'build/out.js': '',
      'out/x.js': '',
      'vendor/lib.go': '',
      '__pycache__/m.py': '',
      '.git/hooks/pre-commit.sh': '',
      'app.min.js': '',
      'package-lock.json': '{}',
      'yarn.lock': '',
      'pkg/node_modules/x/y.ts': '',
    });
    assert.deepEqual(collectSourceFiles({ root }).files, ['index.js']);
    assert.deepEqual(collectSourceFiles({ root, defaultExcludes: false }).files, [
      '.git/hooks/pre-commit.sh',
      '__pycache__/m.py',
      'app.min.js',
      'build/out.js',
      'dist/index.js',
      'index.js',
      'node_modules/dep/index.js',
      'out/x.js',
      'pkg/node_modules/x/y.ts',
      'vendor/lib.go',
    ]);
  });

  test('source files only by default (extension or #! line); include all on request', () => {
    const root = tree({
      'README.md': '# hi\n',
      'bin/tool': '#!/usr/bin/env python3\nprint(1)\n',
      'bin/data': 'plain\n',
      'a.rs': 'fn main() {}\n',
    });
    assert.deepEqual(collectSourceFiles({ root }).files, ['a.rs', 'bin/tool']);
    assert.deepEqual(collectSourceFiles({ root, include: 'all' }).files, ['README.md', 'a.rs', 'bin/data', 'bin/tool']);
  });

  test('files over maxFileBytes are skipped with a reason', () => {
    const root = tree({ 'small.py': 'x = 1\n', 'big.py': `x = "${'a'.repeat(3000)}"\n` });
    const r = collectSourceFiles({ root, maxFileBytes: 2048 });
    assert.deepEqual(r.files, ['small.py']);
    assert.deepEqual(
      r.skipped.map((s) => [s.file, s.reason]),
      [['big.py', 'too-large']],
    );
    assert.match(r.skipped[0].detail, /over the 2 KB limit/);
  });

  test('explicit paths: files are kept even if ignored, folders are walked, missing paths are reported', () => {
    const root = tree({
      '.gitignore': 'scratch.py\n',
      'scratch.py': 'x = 1\n',
      'lib/a.py': '',
      'lib/b.py': '',
      'node_modules/dep/i.js': '',
    });
    const r = collectSourceFiles({
      root,
      paths: ['scratch.py', 'lib', path.join(root, 'lib/a.py'), 'nope.py', 'node_modules/dep'],
    });
    assert.deepEqual(r.files, ['lib/a.py', 'lib/b.py', 'node_modules/dep/i.js', 'scratch.py']);
    assert.deepEqual(r.skipped, [{ file: 'nope.py', reason: 'unreadable', detail: 'does not exist' }]);
  });

  test('loadSourceFiles reads texts and reports binary/minified files', () => {
    const root = tree({
      'ok.ts': 'export const a = 1;\n',
      'blob.py': Buffer.from([0x70, 0x00, 0x01, 0x02]),
      'bundle.js': `var a=${'1+'.repeat(5000)}1;`,
      'empty.go': '',
    });
    const r = loadSourceFiles({ root });
    assert.deepEqual(
      r.files.map((f) => [f.file, f.text]),
      [['ok.ts', 'export const a = 1;\n']],
    );
    assert.deepEqual(
      r.skipped.map((s) => [s.file, s.reason]),
      [
        ['blob.py', 'binary'],
        ['bundle.js', 'minified'],
        ['empty.go', 'empty'],
      ],
    );
  });
});

describe('readSourceFile', () => {
  test('classifies binary, invalid UTF-8, minified, too large, empty and unreadable files', () => {
    const root = tree({
      'nul.c': Buffer.from('int x;\0\0\0'),
      'latin.py': Buffer.from(Array.from({ length: 2000 }, (_, i) => (i % 3 === 0 ? 0xe9 : 0x61))),
      'min.js': `function a(){return 1}`.repeat(400),
      'big.ts': 'x'.repeat(5000),
      'blank.py': '\n\n   \n',
      'dir.py/inner.py': '',
      'bom.ts': '\ufeffexport {};\n',
    });
    const reason = (f: string, opts = {}) => {
      const r = readSourceFile(path.join(root, f), f, opts);
      return r.ok ? 'ok' : r.skipped.reason;
    };
    assert.equal(reason('nul.c'), 'binary');
    assert.equal(reason('latin.py'), 'binary');
    assert.equal(reason('min.js'), 'minified');
    assert.equal(reason('big.ts', { maxFileBytes: 4096 }), 'too-large');
    assert.equal(reason('blank.py'), 'empty');
    assert.equal(reason('dir.py'), 'unreadable');
    assert.equal(reason('missing.py'), 'unreadable');
    const bom = readSourceFile(path.join(root, 'bom.ts'), 'bom.ts');
    assert.ok(bom.ok && bom.text === '\ufeffexport {};\n', 'BOM kept so chunks stay byte-exact');
  });

  test('minified detection leaves ordinary code alone', () => {
    const normal = Array.from({ length: 400 }, (_, i) => `const value${i} = compute(${i}, options); // line ${i}`).join(
      '\n',
    );
    assert.equal(minifiedReason(normal), null);
    assert.match(minifiedReason('x'.repeat(50000)) ?? '', /minified/);
    const r = classifySourceBytes(Buffer.from(normal), 'n.ts');
    assert.ok(r.ok);
  });
});
