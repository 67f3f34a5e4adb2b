import * as vscode from 'vscode';

/**
 * An empty tree for a view whose real provider is not written yet: VS Code then shows the
 * view's `viewsWelcome` text from package.json. Replace the registration in extension.ts
 * (one line) when the real provider lands.
 */
export class EmptyTreeProvider implements vscode.TreeDataProvider<never> {
  getChildren(): never[] {
    return [];
  }

  getTreeItem(element: never): vscode.TreeItem {
    return element;
  }
}

/** View ids contributed in package.json that still use the empty placeholder. */
export const placeholderViews: readonly string[] = [];
