import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';

suite('smoke', () => {
  test('runs inside a real VS Code extension host', () => {
    assert.ok(vscode.version.length > 0);
    assert.ok(vscode.workspace.workspaceFolders?.length);
  });
});
