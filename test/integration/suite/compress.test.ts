import * as assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import type { CompressionRun } from '../../../src/extension/compress/runStore';
import type { LastRunNode } from '../../../src/extension/compress/runTrees';
import type { ContextZipApi } from '../../../src/extension/extension';
import { activateContextZip, closeAllEditors, EXTENSION_ID, fixtureUri, snapshotWorkspace } from './extensionApi';

const QUERY = 'How is the distance between two points computed, and which shapes contain a point?';

function countBy<T>(items: T[], key: (t: T) => string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const i of items) out[key(i)] = (out[key(i)] ?? 0) + 1;
  return out;
}

function previewEditor(run: CompressionRun): vscode.TextEditor | undefined {
  return vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === run.uri.toString());
}

async function until(cond: () => boolean, what: string, ms = 10_000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

suite('Compress Context', () => {
  let api: ContextZipApi;

  suiteSetup(async () => {
    api = await activateContextZip();
    await closeAllEditors();
  });

  test('Compress Context for Query: real result under the budget, preview, Last Run and History views', async () => {
    const before = await snapshotWorkspace();
    const budget = 160;
    const run = await vscode.commands.executeCommand<CompressionRun | undefined>('contextzip.compressForQuery', {
      query: QUERY,
      scope: 'workspace',
      budget,
      notify: false,
    });
    assert.ok(run, `no run; log:\n${api.log.lines().slice(-15).join('\n')}`);
    const r = run.result;
    assert.equal(r.budget, budget);
    assert.ok(r.compressedTokens <= budget, `${r.compressedTokens} tokens > budget ${budget}`);
    assert.ok(r.originalTokens > budget, `the fixture must not fit the budget (${r.originalTokens} tokens)`);
    assert.ok(r.modelTokensProcessed > 0, 'the model scored the chunks');
    assert.equal(r.model.id, 'embedded');
    const files = [...new Set(r.chunks.map((c) => c.file))].sort();
    assert.deepEqual(files, ['src/math.ts', 'src/shapes.ts', 'src/stats.py']);
    // the chunk that answers the query is kept; the engine ranked every chunk
    const distance = r.chunks.find((c) => c.name === 'distance');
    assert.ok(distance && distance.status !== 'dropped', 'distance() was dropped');
    assert.ok(r.text.includes('// ===== src/shapes.ts ====='), r.text);
    assert.ok(
      r.chunks.some((c) => c.status === 'dropped'),
      'a budget below the original drops something',
    );
    const skipped = new Set((r.skipped ?? []).map((s) => s.file));
    assert.ok(!r.chunks.some((c) => skipped.has(c.file)), 'a skipped file was compressed');
    assert.ok(!files.includes('generated/api.ts'), 'contextzip.exclude is honoured');

    // the preview: a read-only virtual document holding exactly the result, in the preview language
    await until(() => previewEditor(run) !== undefined, 'the preview editor');
    const doc = previewEditor(run)!.document;
    assert.equal(doc.uri.scheme, 'contextzip');
    assert.equal(doc.uri.path, `/Compressed Context #${run.id}.ctxzip`);
    assert.equal(doc.languageId, 'contextzip-context');
    // the engine's text, file sections reordered most relevant first (contextzip.preview.order)
    assert.equal(doc.getText().length, r.text.length);
    assert.deepEqual(doc.getText().split('\n').sort(), r.text.split('\n').sort());
    assert.equal(api.compress.runs.last?.id, run.id);

    // Last Run view: one file node per result file, its chunks with their status and numbers
    const tree = api.compress.lastRunTree;
    const roots = tree.getChildren();
    assert.deepEqual(
      roots.map((n) => (n.type === 'file' ? n.file : '?')).sort(),
      [...new Set(r.chunks.map((c) => c.file))].sort(),
    );
    const chunkNodes = roots.flatMap((f) => tree.getChildren(f)) as Array<Extract<LastRunNode, { type: 'chunk' }>>;
    assert.equal(chunkNodes.length, r.chunks.length);
    const items = chunkNodes.map((n) => tree.getTreeItem(n));
    const statusOf = (i: vscode.TreeItem) => String(i.description).split(' · ')[1].split(' ')[0];
    const statusWord = (c: { status: string }) => (c.status === 'dropped' ? 'dropped' : 'kept');
    assert.deepEqual(countBy(items, statusOf), countBy(r.chunks, statusWord));
    const iconOf = (i: vscode.TreeItem) => (i.iconPath as vscode.ThemeIcon).id;
    assert.deepEqual(
      countBy(items, iconOf),
      countBy(r.chunks, (c) => ({ kept: 'pass-filled', partial: 'color-mode', dropped: 'circle-slash' })[c.status]),
    );
    const dItem = items[chunkNodes.findIndex((n) => n.chunk.name === 'distance')];
    assert.match(
      String(dItem.description),
      /^rank \d+ of \d+ · kept \d+\/\d+ lines · relevance (100|\d\d?) · \d+ tok$/,
    );
    assert.equal(dItem.command?.command, 'contextzip.revealChunk');
    assert.equal((dItem.command?.arguments?.[0] as vscode.Uri).toString(), fixtureUri('src/shapes.ts').toString());
    assert.deepEqual(dItem.command?.arguments?.slice(1), [distance.startLine, distance.endLine]);
    const fileItem = tree.getTreeItem(roots.find((n) => n.type === 'file' && n.file === 'src/shapes.ts')!);
    assert.match(String(fileItem.description), /^\d+ kept · \d+ partial · \d+ dropped · [\d,]+ tok$/);
    assert.match(
      api.compress.lastRunView.message ?? '',
      /“How is the distance.*” · Workspace: [\d,]+ → [\d,]+ tokens \(\d+%\), budget 160 · \d+ kept · \d+ partial · \d+ dropped of \d+ chunks$/,
    );

    // History view: the run on top; clicking it reopens its preview
    const history = api.compress.historyTree.getChildren();
    assert.equal(history[0].run.id, run.id);
    const hItem = api.compress.historyTree.getTreeItem(history[0]);
    assert.match(String(hItem.label), /^How is the distance between two points computed/);
    assert.deepEqual(hItem.command && [hItem.command.command, ...(hItem.command.arguments ?? [])], [
      'contextzip.openRunPreview',
      run.id,
    ]);

    // the status bar shows the last ratio
    assert.match(
      api.model.modelStatusBar.item.text,
      new RegExp(`^\\$\\(zap\\) embedded q8 · ${Math.round(r.ratio * 100)}%$`),
    );
    // nothing in the workspace changed
    assert.deepEqual(await snapshotWorkspace(), before);
  });

  test('the preview grammar marks file headers and omission markers of a real result', async () => {
    const run = api.compress.runs.last;
    assert.ok(run);
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    const grammar = JSON.parse(
      fs.readFileSync(path.join(ext.extensionPath, 'syntaxes/contextzip-context.tmLanguage.json'), 'utf8'),
    ) as { scopeName: string; repository: Record<string, { match: string }> };
    assert.equal(grammar.scopeName, 'source.contextzip-context');
    const header = new RegExp(grammar.repository['file-header'].match);
    const omission = new RegExp(grammar.repository.omission.match);
    const lines = run.result.text.split('\n');
    const headers = lines.filter((l) => header.test(l));
    assert.deepEqual(
      headers.map((l) => header.exec(l)![3]),
      [...new Set(run.result.chunks.filter((c) => c.status !== 'dropped').map((c) => c.file))],
    );
    const markers = lines.filter((l) => l.includes(' omitted (L'));
    assert.ok(markers.length > 0, 'a compressed result has omission markers');
    for (const m of markers) assert.match(omission.exec(m)?.[4] ?? '', /^L\d+(–L\d+)?$/, m);
    // each file section embeds its language's grammar (begin/while: an unclosed construct ends with the section)
    const sections = grammar.repository as unknown as Record<
      string,
      { begin?: string; while?: string; patterns?: Array<{ include: string }> }
    >;
    const embeds = (line: string) =>
      Object.values(sections)
        .filter((r) => r.begin && new RegExp(r.begin).test(line))
        .map((r) => r.patterns?.[1]?.include);
    assert.deepEqual(embeds('// ===== src/shapes.ts ====='), ['source.ts']);
    assert.deepEqual(embeds('# ===== src/stats.py ====='), ['source.python']);
    assert.deepEqual(embeds('// ===== main.go ====='), ['source.go']);
    assert.ok(Object.values(sections).every((r) => !r.begin || r.while));
    const pkg = ext.packageJSON as { contributes: { grammars: Array<{ embeddedLanguages?: Record<string, string> }> } };
    assert.equal(pkg.contributes.grammars[0].embeddedLanguages?.['meta.embedded.block.python'], 'python');
    // code lines stay plain
    assert.equal(header.test('export function distance(a: Point, b: Point): number {'), false);
    assert.equal(omission.test('  return Math.hypot(a.x - b.x, a.y - b.y);'), false);
  });

  test('Copy Last Result puts the compressed context on the clipboard', async () => {
    await vscode.env.clipboard.writeText('something else');
    const text = await vscode.commands.executeCommand<string>('contextzip.copyLastResult');
    // the same text as the preview: the engine's sections, most relevant file first
    const run = api.compress.runs.last!;
    assert.equal(text, (await vscode.workspace.openTextDocument(run.uri)).getText());
    assert.equal(text.length, run.result.text.length);
    assert.equal(await vscode.env.clipboard.readText(), text);
  });

  test('Open Last Result Preview reopens the preview after its editor was closed', async () => {
    await closeAllEditors();
    const editor = await vscode.commands.executeCommand<vscode.TextEditor>('contextzip.openLastResult');
    assert.ok(editor);
    assert.equal(vscode.window.activeTextEditor?.document.uri.toString(), api.compress.runs.last?.uri.toString());
    assert.equal(vscode.window.activeTextEditor?.document.getText().length, api.compress.runs.last?.result.text.length);
  });

  test('unsaved editor contents win over the file on disk; the file stays unsaved and unchanged', async () => {
    await closeAllEditors();
    const uri = fixtureUri('src/math.ts');
    const onDisk = new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
    const editor = await vscode.window.showTextDocument(uri);
    const added = '\nexport function unsavedMarkerFunction(): number {\n  return 42;\n}\n';
    await editor.edit((e) => e.insert(editor.document.positionAt(editor.document.getText().length), added));
    assert.ok(editor.document.isDirty);
    try {
      const run = await vscode.commands.executeCommand<CompressionRun | undefined>('contextzip.compressFile', {
        query: 'clamp a number',
        budget: { ratio: 1 },
        notify: false,
        openPreview: false,
      });
      assert.ok(run);
      assert.equal(run.scope, 'file');
      assert.ok(run.result.text.includes('unsavedMarkerFunction'), run.result.text);
      assert.ok(run.result.chunks.some((c) => c.name === 'unsavedMarkerFunction'));
      assert.deepEqual([...new Set(run.result.chunks.map((c) => c.file))], ['src/math.ts']);
      assert.equal(new TextDecoder().decode(await vscode.workspace.fs.readFile(uri)), onDisk);
      assert.ok(editor.document.isDirty, 'compression must not save the document');
    } finally {
      await vscode.commands.executeCommand('workbench.action.files.revert');
      await closeAllEditors();
    }
  });

  test('Folder and Open Editors scopes compress just those files', async () => {
    const folderRun = await vscode.commands.executeCommand<CompressionRun | undefined>('contextzip.compressForQuery', {
      query: 'statistics of a list of numbers',
      scope: 'folder',
      folder: fixtureUri('src'),
      budget: { ratio: 1 },
      notify: false,
      openPreview: false,
    });
    assert.ok(folderRun);
    assert.equal(folderRun.scopeLabel, 'Folder src/');
    assert.deepEqual([...new Set(folderRun.result.chunks.map((c) => c.file))].sort(), [
      'src/math.ts',
      'src/shapes.ts',
      'src/stats.py',
    ]);
    // everything fits a ratio of 1: the text is the files verbatim, nothing scored
    assert.ok(folderRun.result.chunks.every((c) => c.status === 'kept'));

    await closeAllEditors();
    await vscode.window.showTextDocument(fixtureUri('src/stats.py'), { preview: false });
    await vscode.window.showTextDocument(fixtureUri('src/math.ts'), { preview: false });
    const openRun = await vscode.commands.executeCommand<CompressionRun | undefined>('contextzip.compressForQuery', {
      query: 'statistics of a list of numbers',
      scope: 'openEditors',
      budget: { ratio: 1 },
      notify: false,
      openPreview: false,
    });
    assert.ok(openRun);
    assert.equal(openRun.scopeLabel, 'Open Editors (2)');
    assert.deepEqual([...new Set(openRun.result.chunks.map((c) => c.file))].sort(), ['src/math.ts', 'src/stats.py']);
    assert.equal(openRun.files['src/stats.py'].toString(), fixtureUri('src/stats.py').toString());
    await closeAllEditors();
  });

  test('Compress Code Around Cursor keeps the chunk at the cursor (completion scenario)', async () => {
    const doc = await vscode.workspace.openTextDocument(fixtureUri('src/shapes.ts'));
    const editor = await vscode.window.showTextDocument(doc);
    const line = doc
      .getText()
      .split('\n')
      .findIndex((l) => l.includes('return distance(this.center, p)'));
    assert.ok(line >= 0);
    editor.selection = new vscode.Selection(line, 4, line, 4);
    const run = await vscode.commands.executeCommand<CompressionRun | undefined>('contextzip.compressForCursor', {
      scope: 'workspace',
      budget: 140,
      notify: false,
      openPreview: false,
    });
    assert.ok(run, `no run; log:\n${api.log.lines().slice(-10).join('\n')}`);
    assert.deepEqual(run.cursor, { file: 'src/shapes.ts', line: line + 1 });
    assert.equal(run.query, '');
    assert.ok(run.result.compressedTokens <= 140);
    const atCursor = run.result.chunks.find(
      (c) => c.file === 'src/shapes.ts' && c.startLine <= line + 1 && line + 1 <= c.endLine,
    );
    assert.ok(atCursor);
    assert.equal(atCursor.status, 'kept');
    assert.equal(atCursor.rank, 0, 'the cursor chunk is the query, not ranked');
    const hItem = api.compress.historyTree.getTreeItem(api.compress.historyTree.getChildren()[0]);
    assert.equal(hItem.label, `Cursor in src/shapes.ts:${line + 1}`);
    await closeAllEditors();
  });

  test('cancelling through a CancellationToken stops the run: no result, no new history entry', async () => {
    const runsBefore = api.compress.runs.runs.length;
    const lastBefore = api.compress.runs.last?.id;
    const cts = new vscode.CancellationTokenSource();
    const pending = vscode.commands.executeCommand<CompressionRun | undefined>('contextzip.compressForQuery', {
      query: QUERY,
      scope: 'workspace',
      budget: 120,
      cancellation: cts.token,
      notify: false,
    });
    cts.cancel();
    const result = await pending;
    assert.equal(result, undefined);
    assert.equal(api.compress.runs.runs.length, runsBefore);
    assert.equal(api.compress.runs.last?.id, lastBefore);
    assert.ok(
      api.log.lines().some((l) => l.startsWith('Compression cancelled')),
      api.log.lines().slice(-10).join('\n'),
    );
  });

  test('an empty query runs nothing', async () => {
    const runsBefore = api.compress.runs.runs.length;
    const result = await vscode.commands.executeCommand('contextzip.compressForQuery', {
      query: '   ',
      scope: 'workspace',
    });
    assert.equal(result, undefined);
    assert.equal(api.compress.runs.runs.length, runsBefore);
  });

  test('an absurd budget gets one clear message (a user mistake: info, not an error)', async () => {
    const runsBefore = api.compress.runs.runs.length;
    const errorsBefore = api.log.lines().filter((l) => l.startsWith('ERROR contextzip.compressForQuery')).length;
    const infoBefore = api.log.lines().filter((l) => l.startsWith('contextzip.compressForQuery: ')).length;
    const result = await vscode.commands.executeCommand('contextzip.compressForQuery', {
      query: QUERY,
      scope: 'workspace',
      budget: 3,
      notify: false,
    });
    assert.equal(result, undefined);
    assert.equal(api.compress.runs.runs.length, runsBefore);
    const errors = api.log.lines().filter((l) => l.startsWith('ERROR contextzip.compressForQuery'));
    assert.equal(errors.length, errorsBefore);
    const info = api.log.lines().filter((l) => l.startsWith('contextzip.compressForQuery: '));
    assert.equal(info.length, infoBefore + 1);
    assert.match(info[info.length - 1], /budget/);
  });
});
