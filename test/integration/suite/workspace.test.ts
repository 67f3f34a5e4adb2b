import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { WorkspaceChunkResult } from '../../../src/extension/chunks/chunkWorkspace';
import { activateContextZip, outline, snapshotWorkspace } from './extensionApi';

suite('Chunk Workspace', () => {
  test('chunks what .gitignore, files.exclude, contextzip.exclude and maxFileBytes let through', async () => {
    const api = await activateContextZip();
    const before = await snapshotWorkspace();
    const result = await vscode.commands.executeCommand<WorkspaceChunkResult>('contextzip.chunkWorkspace');
    assert.ok(result);
    assert.equal(result.cancelled, false);
    // generated/api.ts (contextzip.exclude) and .vscode/settings.json (files.exclude) are not even found
    assert.equal(result.found, 13);
    // .gitignore, README.md, assets/pixel.png: not source code, neither chunked nor listed
    assert.equal(result.notSource, 3);
    assert.deepEqual(
      result.entries.map((e) => `${e.label} ${e.method} ${e.chunks.length}`),
      ['src/math.ts tree-sitter 1', 'src/shapes.ts tree-sitter 14', 'src/stats.py tree-sitter 8'],
    );
    assert.equal(result.chunked, 3);
    assert.equal(result.chunks, 23);
    assert.deepEqual(
      result.skipped.map((s) => `${s.file}: ${s.reason}`),
      [
        'build/out.js: ignored',
        'debug.log: ignored',
        'src/blob.py: binary',
        'src/bundle.js: minified',
        'src/data.py: too-large',
        'src/empty.py: empty',
        'vendor/lib.min.js: ignored',
      ],
    );

    // the tree shows the same files, each with its chunks
    const roots = api.chunksTree.getChildren();
    assert.deepEqual(
      roots.map((r) => (r.type === 'file' ? r.entry.label : '?')),
      ['src/math.ts', 'src/shapes.ts', 'src/stats.py'],
    );
    assert.equal(api.chunksTree.getTreeItem(roots[0]).collapsibleState, vscode.TreeItemCollapsibleState.Collapsed);
    assert.deepEqual(outline(api, api.chunksTree.getChildren(roots[2])).slice(0, 4), [
      'L1-L4 code 1-4',
      'mean function 5-9',
      'stdev function 10-14',
      'Histogram header 15-17',
    ]);
    assert.equal(api.chunksView.message, 'Workspace: 3 files, 23 chunks, 7 skipped');

    // the Output channel says what was skipped and why
    const log = api.log.lines();
    const summary = log
      .map((l) =>
        /^Chunk Workspace: 3 files, 23 chunks, 7 skipped in \d+ ms; 3 other files are not source code$/.test(l),
      )
      .lastIndexOf(true);
    assert.ok(summary >= 0, `no summary line in:\n${log.join('\n')}`);
    assert.deepEqual(log.slice(summary + 1, summary + 8), [
      '  skipped build/out.js [ignored]: .gitignore, .contextzipignore or default excludes',
      '  skipped debug.log [ignored]: .gitignore, .contextzipignore or default excludes',
      '  skipped src/blob.py [binary]: binary file (contains NUL bytes)',
      '  skipped src/bundle.js [minified]: average line is 2938 characters (minified or generated)',
      '  skipped src/data.py [too-large]: 10 KB is over the 8 KB limit',
      '  skipped src/empty.py [empty]: empty file',
      '  skipped vendor/lib.min.js [ignored]: .gitignore, .contextzipignore or default excludes',
    ]);

    // read-only: every file is byte-identical afterwards
    assert.deepEqual(await snapshotWorkspace(), before);
  });
});
