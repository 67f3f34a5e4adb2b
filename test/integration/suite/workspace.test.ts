import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as vscode from 'vscode';
import type { WorkspaceChunkResult } from '../../../src/extension/chunks/chunkWorkspace';
import { activateContextZip, outline, workspaceRoot } from './extensionApi';

/** Path -> sha256 of every file in the workspace (to prove nothing was modified). */
async function snapshot(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (dir: vscode.Uri, rel: string): Promise<void> => {
    for (const [name, type] of await vscode.workspace.fs.readDirectory(dir)) {
      const uri = vscode.Uri.joinPath(dir, name);
      if (type === vscode.FileType.Directory) await walk(uri, `${rel}${name}/`);
      else out[`${rel}${name}`] = createHash('sha256').update(await vscode.workspace.fs.readFile(uri)).digest('hex');
    }
  };
  await walk(workspaceRoot(), '');
  return out;
}

suite('Chunk Workspace', () => {
  test('chunks what .gitignore, files.exclude, contextzip.exclude and maxFileBytes let through', async () => {
    const api = await activateContextZip();
    const before = await snapshot();
    const result = await vscode.commands.executeCommand<WorkspaceChunkResult>('contextzip.chunkWorkspace');
    assert.ok(result);
    assert.equal(result.cancelled, false);
    // generated/api.ts (contextzip.exclude) and .vscode/settings.json (files.exclude) are not listed at all
    assert.equal(result.found, 9);
    assert.deepEqual(
      result.entries.map((e) => `${e.label} ${e.method} ${e.chunks.length}`),
      [
        '.gitignore fallback 1',
        'README.md fallback 1',
        'src/math.ts tree-sitter 1',
        'src/shapes.ts tree-sitter 14',
        'src/stats.py tree-sitter 8',
      ],
    );
    assert.equal(result.chunked, 5);
    assert.equal(result.chunks, 25);
    assert.deepEqual(
      result.skipped.map((s) => `${s.file}: ${s.reason}`),
      [
        'assets/pixel.png: binary',
        'build/out.js: ignored',
        'debug.log: ignored',
        'src/empty.py: empty',
        'src/table.csv: too-large',
        'vendor/lib.min.js: minified',
      ],
    );

    // the tree shows the same files, each with its chunks
    const roots = api.chunksTree.getChildren();
    assert.deepEqual(
      roots.map((r) => (r.type === 'file' ? r.entry.label : '?')),
      ['.gitignore', 'README.md', 'src/math.ts', 'src/shapes.ts', 'src/stats.py'],
    );
    assert.equal(api.chunksTree.getTreeItem(roots[0]).collapsibleState, vscode.TreeItemCollapsibleState.Collapsed);
    assert.deepEqual(outline(api, api.chunksTree.getChildren(roots[4])).slice(0, 4), [
      'L1-L4 code 1-4',
      'mean function 5-9',
      'stdev function 10-14',
      'Histogram header 15-17',
    ]);
    assert.equal(api.chunksView.message, 'Workspace: 5 files, 25 chunks, 6 skipped');

    // the Output channel says what was skipped and why
    const log = api.log.lines();
    const summary = log.map((l) => l.startsWith('Chunk Workspace: 5 files, 25 chunks, 6 skipped in ')).lastIndexOf(true);
    assert.ok(summary >= 0, `no summary line in:\n${log.join('\n')}`);
    assert.deepEqual(log.slice(summary + 1, summary + 7), [
      '  skipped assets/pixel.png: binary (contains NUL bytes)',
      '  skipped build/out.js: ignored (.gitignore)',
      '  skipped debug.log: ignored (.gitignore)',
      '  skipped src/empty.py: empty (0 bytes)',
      '  skipped src/table.csv: too-large (5066 bytes > contextzip.maxFileBytes 3000)',
      '  skipped vendor/lib.min.js: minified (2 lines, longest 1660 characters)',
    ]);

    // read-only: every file is byte-identical afterwards
    assert.deepEqual(await snapshot(), before);
  });
});
