import * as vscode from 'vscode';

/** Opens `uri` and selects lines `startLine..endLine` (1-based, inclusive). Never edits. */
export async function revealChunk(
  uri: vscode.Uri,
  startLine: number,
  endLine: number,
  viewColumn?: vscode.ViewColumn,
): Promise<vscode.TextEditor> {
  const doc = await vscode.workspace.openTextDocument(uri);
  const last = Math.min(Math.max(endLine, startLine), doc.lineCount) - 1;
  const first = Math.min(Math.max(startLine, 1), doc.lineCount) - 1;
  const range = new vscode.Range(first, 0, last, doc.lineAt(last).range.end.character);
  const editor = await vscode.window.showTextDocument(doc, { preview: true, preserveFocus: false, viewColumn });
  editor.selection = new vscode.Selection(range.end, range.start); // cursor at the top of the chunk
  editor.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  return editor;
}
