import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { ChunkedFile } from '../../../src/core/types';
import type { ChunkNode } from '../../../src/extension/views/chunkTree';
import { activateContextZip, closeAllEditors, fixtureUri, outline } from './extensionApi';

async function showChunksOf(relPath: string): Promise<ChunkedFile> {
  const doc = await vscode.workspace.openTextDocument(fixtureUri(relPath));
  await vscode.window.showTextDocument(doc);
  const result = await vscode.commands.executeCommand<ChunkedFile | undefined>('contextzip.showChunks');
  assert.ok(result, 'contextzip.showChunks returned nothing');
  return result;
}

suite('Show Chunks of Current File', () => {
  suiteSetup(async () => {
    await activateContextZip();
  });
  teardown(closeAllEditors);

  test('TypeScript file: exact chunks, classes split and nested under their header', async () => {
    const api = await activateContextZip();
    const result = await showChunksOf('src/shapes.ts');
    assert.equal(result.method, 'tree-sitter');
    assert.equal(result.language, 'typescript');
    assert.deepEqual(outline(api), [
      'src/shapes.ts',
      '  imports code 1-2',
      '  Point interface 3-8',
      '  Shape type 9-10',
      '  distance function 11-15',
      '  Circle header 16-16',
      '    constructor method 17-23',
      '    area method 24-27',
      '    contains method 28-30',
      '    end of Circle code 31-32',
      '  Rect header 33-33',
      '    constructor method 34-38',
      '    area method 39-41',
      '    end of Rect code 42-43',
      '  L44 code 44-44',
    ]);
    // the chunks tile the file: their texts concatenate to the document, byte for byte
    const doc = await vscode.workspace.openTextDocument(fixtureUri('src/shapes.ts'));
    assert.equal(result.chunks.map((c) => c.text).join(''), doc.getText());
  });

  test('tree items: label, description (kind, lines, tokens), icon, tooltip and click command', async () => {
    const api = await activateContextZip();
    await showChunksOf('src/shapes.ts');
    const [file] = api.chunksTree.getChildren();
    assert.equal(file.type, 'file');
    const fileItem = api.chunksTree.getTreeItem(file);
    assert.equal(fileItem.label, 'src/shapes.ts');
    assert.equal(fileItem.description, '14 chunks · 237 tok');
    assert.equal(fileItem.collapsibleState, vscode.TreeItemCollapsibleState.Expanded);

    const circle = api.chunksTree.getChildren(file).find((n) => n.type === 'chunk' && n.chunk.name === 'Circle');
    assert.ok(circle && circle.type === 'chunk');
    const area = api.chunksTree.getChildren(circle)[1] as ChunkNode;
    const item = api.chunksTree.getTreeItem(area);
    assert.equal(item.label, 'area');
    assert.equal(item.description, 'method · L24–27 · 18 tok');
    assert.equal((item.iconPath as vscode.ThemeIcon).id, 'symbol-method');
    assert.equal((api.chunksTree.getTreeItem(circle).iconPath as vscode.ThemeIcon).id, 'symbol-class');
    assert.match((item.tooltip as vscode.MarkdownString).value, /lines 24–27/);
    assert.equal(item.command?.command, 'contextzip.revealChunk');
    assert.equal(api.chunksTree.getParent(area), circle);

    // clicking runs the item's command: the chunk's lines get selected in an editor
    await vscode.commands.executeCommand(item.command.command, ...(item.command.arguments ?? []));
    const editor = vscode.window.activeTextEditor;
    assert.ok(editor);
    assert.equal(editor.document.uri.toString(), fixtureUri('src/shapes.ts').toString());
    assert.equal(editor.selection.start.line, 23);
    assert.equal(editor.selection.end.line, 26);
    assert.equal(
      editor.document.getText(editor.selection),
      editor.document.getText().split('\n').slice(23, 27).join('\n'),
    );
    assert.equal(api.chunksTree.findChunkAt(editor.document.uri, 25), area);
  });

  test('Python file: methods nested under the class header', async () => {
    const api = await activateContextZip();
    const result = await showChunksOf('src/stats.py');
    assert.equal(result.language, 'python');
    assert.deepEqual(outline(api), [
      'src/stats.py',
      '  L1-L4 code 1-4',
      '  mean function 5-9',
      '  stdev function 10-14',
      '  Histogram header 15-17',
      '    __init__ method 18-21',
      '    add method 22-25',
      '    most_common method 26-29',
      '  L30-L31 code 30-31',
    ]);
    assert.deepEqual(
      result.chunks.map((c) => c.tokens),
      [8, 23, 33, 12, 21, 37, 28, 31],
    );
    assert.match(
      api.log.lines().at(-1) ?? '',
      /^Chunks of src\/stats\.py: 8 chunks in \d+ ms \(tree-sitter, python\)$/,
    );
  });

  test('untitled document: the editor language picks the grammar; unsaved text is used', async () => {
    const api = await activateContextZip();
    const doc = await vscode.workspace.openTextDocument({
      language: 'python',
      content: 'def one():\n    return 1\n\n\ndef two():\n    return 2\n',
    });
    await vscode.window.showTextDocument(doc);
    const result = await vscode.commands.executeCommand<ChunkedFile>('contextzip.showChunks');
    assert.equal(result.method, 'tree-sitter');
    assert.deepEqual(
      result.chunks.map((c) => `${c.name} ${c.kind} ${c.startLine}-${c.endLine}`),
      ['one function 1-4', 'two function 5-6'],
    );
    assert.equal(api.chunksTree.getChildren().length, 1);
  });

  test('no editor: a message, no crash, the view keeps its contents', async () => {
    const api = await activateContextZip();
    await showChunksOf('src/stats.py');
    await closeAllEditors();
    const result = await vscode.commands.executeCommand('contextzip.showChunks');
    assert.equal(result, undefined);
    assert.equal(api.chunksTree.getChildren().length, 1);
  });

  test('Clear Chunks empties the view', async () => {
    const api = await activateContextZip();
    await showChunksOf('src/stats.py');
    await vscode.commands.executeCommand('contextzip.clearChunks');
    assert.deepEqual(api.chunksTree.getChildren(), []);
  });
});
