import { createHash } from 'node:crypto';
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { ContextZipApi } from '../../../src/extension/extension';
import type { ChunkTreeNode } from '../../../src/extension/views/chunkTree';

export const EXTENSION_ID = 'contextzip.contextzip';

/** Activates the extension under test and returns the API its `activate` returned. */
export async function activateContextZip(): Promise<ContextZipApi> {
  const ext = vscode.extensions.getExtension<ContextZipApi>(EXTENSION_ID);
  assert.ok(ext, `${EXTENSION_ID} is not loaded`);
  return ext.isActive ? ext.exports : await ext.activate();
}

export function workspaceRoot(): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the suite needs a workspace folder (test/integration/fixtures/workspace)');
  return folder.uri;
}

export function fixtureUri(relPath: string): vscode.Uri {
  return vscode.Uri.joinPath(workspaceRoot(), relPath);
}

/** A chunk node as `name kind start-end`, its children indented below it. */
export function outline(api: ContextZipApi, nodes?: ChunkTreeNode[], depth = 0): string[] {
  const out: string[] = [];
  for (const n of nodes ?? api.chunksTree.getChildren()) {
    const pad = '  '.repeat(depth);
    if (n.type === 'file') out.push(`${pad}${n.entry.label}`);
    else out.push(`${pad}${n.chunk.name} ${n.chunk.kind} ${n.chunk.startLine}-${n.chunk.endLine}`);
    out.push(...outline(api, api.chunksTree.getChildren(n), depth + 1));
  }
  return out;
}

export async function closeAllEditors(): Promise<void> {
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
}

/** Path -> sha256 of every file in the workspace, to prove that commands never modify a file. */
export async function snapshotWorkspace(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (dir: vscode.Uri, rel: string): Promise<void> => {
    for (const [name, type] of await vscode.workspace.fs.readDirectory(dir)) {
      const uri = vscode.Uri.joinPath(dir, name);
      if (type === vscode.FileType.Directory) await walk(uri, `${rel}${name}/`);
      else
        out[`${rel}${name}`] = createHash('sha256')
          .update(await vscode.workspace.fs.readFile(uri))
          .digest('hex');
    }
  };
  await walk(workspaceRoot(), '');
  return out;
}
