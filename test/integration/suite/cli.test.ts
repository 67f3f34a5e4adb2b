import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ChunkedFile, CompressionResult } from '../../../src/core/types';
import { EXTENSION_ID, activateContextZip, closeAllEditors, fixtureUri, workspaceRoot } from './extensionApi';

/** Runs the bundled CLI shipped in the extension (dist/cli.js) in the workspace folder. */
function cli(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const ext = vscode.extensions.getExtension(EXTENSION_ID);
  assert.ok(ext);
  const r = spawnSync(process.execPath, [path.join(ext.extensionPath, 'dist', 'cli.js'), ...args], {
    cwd: workspaceRoot().fsPath,
    encoding: 'utf8',
    // the extension host's node binary may be Electron's: make it behave as plain Node
    env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

suite('contextzip CLI (bundled dist/cli.js)', () => {
  teardown(closeAllEditors);

  test('chunks --json prints the exact chunk objects of a file', () => {
    const r = cli('chunks', '--json', 'src/stats.py');
    assert.equal(r.code, 0, r.stderr);
    const row = (
      name: string,
      kind: string,
      startLine: number,
      endLine: number,
      tokens: number,
      headerLines: number,
    ) => ({
      file: 'src/stats.py',
      name,
      kind,
      startLine,
      endLine,
      tokens,
      parent: null,
      headerLines,
      language: 'python',
    });
    assert.deepEqual(JSON.parse(r.stdout), [
      row('L1-L4', 'code', 1, 4, 14, 0),
      row('mean', 'function', 5, 9, 30, 2),
      row('stdev', 'function', 10, 14, 32, 1),
      row('Histogram', 'class', 15, 29, 108, 2),
      row('L30-L31', 'code', 30, 31, 21, 0),
    ]);
  });

  test('a folder: same excludes and size limit as the workspace settings -> the same files as Chunk Workspace', () => {
    const r = cli('chunks', '--json', '--max-file-bytes', '8000', '--exclude', '**/generated/**', '.');
    assert.equal(r.code, 0, r.stderr);
    const chunks = JSON.parse(r.stdout) as Array<{ file: string }>;
    assert.deepEqual([...new Set(chunks.map((c) => c.file))], ['src/math.ts', 'src/shapes.ts', 'src/stats.py']);
    assert.equal(chunks.length, 13);
  });

  test('the CLI and the editor cut files at the same lines', async () => {
    await activateContextZip();
    const r = cli('chunks', '--json', '--max-class-tokens', '40', 'src/shapes.ts');
    assert.equal(r.code, 0, r.stderr);
    const fromCli = (JSON.parse(r.stdout) as ChunkedFile['chunks']).map(
      (c) => `${c.name} ${c.kind} ${c.startLine}-${c.endLine} ${c.parent}`,
    );
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(fixtureUri('src/shapes.ts')));
    const inEditor = await vscode.commands.executeCommand<ChunkedFile>('contextzip.showChunks');
    assert.deepEqual(
      inEditor.chunks.map((c) => `${c.name} ${c.kind} ${c.startLine}-${c.endLine} ${c.parent}`),
      fromCli,
    );
  });

  test('compress --json: every chunk carries keptTokens, and the engine dropReason when it lost lines', function () {
    this.timeout(120_000);
    const r = cli(
      'compress',
      '--query',
      'How is the distance between two points computed?',
      '--budget',
      '160',
      '--json',
      '--quiet',
      'src',
    );
    assert.equal(r.code, 0, r.stderr);
    const result = JSON.parse(r.stdout) as CompressionResult;
    const reasons = ['pruned', 'pruned-away', 'too-large', 'below-cut', 'over-budget', 'not-scored', 'blank'];
    assert.ok(result.chunks.some((c) => c.status === 'dropped'));
    for (const c of result.chunks) {
      assert.equal(typeof c.keptTokens, 'number', c.name);
      if (c.status === 'kept') {
        assert.equal(c.dropReason, undefined, c.name);
        assert.equal(c.keptTokens, c.tokens, c.name);
      } else {
        assert.ok(reasons.includes(c.dropReason ?? ''), `${c.name}: ${c.dropReason}`);
        if (c.status === 'dropped') assert.equal(c.keptTokens, 0, c.name);
        else assert.equal(c.dropReason, 'pruned');
      }
    }
  });

  test('bad arguments: exit code 2 and a one-line message', () => {
    const r = cli('chunks', '--max-class-tokens', 'abc', 'src/stats.py');
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, 'contextzip: --max-class-tokens must be a whole number >= 1 (got "abc").\n');
  });
});
