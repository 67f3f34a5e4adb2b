/**
 * Revealing a node of a tree view right after its provider fired onDidChangeTreeData races
 * VS Code's refresh of that view: the extension host debounces refreshes (200 ms), and a view
 * that the reveal makes visible re-reads its roots while the reveal expands the node's
 * parents, which then fails with "TreeError [view] Data tree node not found". So a reveal
 * waits until the refresh has settled (VS Code has read the new roots), and on that error
 * retries once, after the next settle, with the node looked up again.
 */
import type * as vscode from 'vscode';

/** The extension host's debounce of onDidChangeTreeData (extHostTreeViews.ts). */
const REFRESH_DEBOUNCE_MS = 200;
/** How long to wait for VS Code to read the roots of a visible view before revealing anyway. */
const SETTLE_TIMEOUT_MS = 2000;

const delay = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Tracks whether VS Code has read a tree's roots since its provider last changed. */
export class TreeRefresh {
  private generation = 0;
  private read = 0;
  private changedAt = 0;
  private readonly waiters = new Set<() => void>();

  /** The provider is about to fire onDidChangeTreeData. */
  changed(): void {
    this.generation++;
    this.changedAt = Date.now();
  }

  /** VS Code asked the provider for its roots (getChildren(undefined)). */
  rootsRead(): void {
    this.read = this.generation;
    for (const w of this.waiters) w();
    this.waiters.clear();
  }

  /** A change VS Code has not read yet. */
  get pending(): boolean {
    return this.read < this.generation;
  }

  /** Resolves after the debounce window of the last change and, for a visible view, once its roots were read. */
  async settled(visible: boolean): Promise<void> {
    const wait = this.changedAt + REFRESH_DEBOUNCE_MS - Date.now();
    if (wait > 0) await delay(wait);
    if (visible && this.pending)
      await Promise.race([new Promise<void>((r) => this.waiters.add(r)), delay(SETTLE_TIMEOUT_MS)]);
  }
}

export function isTreeNodeNotFound(err: unknown): boolean {
  const message = err instanceof Error ? `${err.name} ${err.message}` : String(err);
  return /TreeError|node not found/i.test(message);
}

/**
 * Reveals the node `find` returns (looked up when the tree has settled, and again for the retry).
 * Resolves to false when there is no such node.
 */
export async function revealSettled<T>(
  view: vscode.TreeView<T>,
  refresh: TreeRefresh,
  find: () => T | undefined,
  options: { select?: boolean; focus?: boolean; expand?: boolean | number },
): Promise<boolean> {
  for (let attempt = 0; ; attempt++) {
    await refresh.settled(view.visible);
    const node = find();
    if (node === undefined) return false;
    try {
      await view.reveal(node, options);
      return true;
    } catch (err) {
      if (attempt > 0 || !isTreeNodeNotFound(err)) throw err;
      // The view was refreshing under the reveal: let the refresh finish, then once more.
      await delay(REFRESH_DEBOUNCE_MS);
    }
  }
}
