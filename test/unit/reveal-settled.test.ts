// Tree reveals that race VS Code's refresh (src/extension/views/revealSettled.ts): a reveal
// waits until VS Code has read the tree after a change, and retries once after a TreeError.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type * as vscode from 'vscode';
import { isTreeNodeNotFound, revealSettled, TreeRefresh } from '../../src/extension/views/revealSettled.js';

function fakeView(visible: boolean, fail: unknown[]) {
  const revealed: string[] = [];
  const view = {
    visible,
    reveal: async (node: string) => {
      const err = fail.shift();
      if (err) throw err;
      revealed.push(node);
    },
  } as unknown as vscode.TreeView<string>;
  return { view, revealed };
}

const treeError = new Error('TreeError [contextzip.lastRun] Data tree node not found: run3:…:src/shapes.ts');

describe('revealSettled', () => {
  it('a visible view: waits until VS Code has read the changed tree, then reveals', async () => {
    const refresh = new TreeRefresh();
    const { view, revealed } = fakeView(true, []);
    refresh.changed();
    let readAt = 0;
    setTimeout(() => {
      readAt = Date.now();
      refresh.rootsRead();
    }, 300);
    assert.equal(await revealSettled(view, refresh, () => 'a', {}), true);
    assert.ok(readAt > 0 && Date.now() >= readAt, 'revealed after the read');
    assert.deepEqual(revealed, ['a']);
  });

  it('a TreeError: once more with the node looked up again; a second TreeError is thrown', async () => {
    const refresh = new TreeRefresh();
    let lookups = 0;
    const { view, revealed } = fakeView(false, [treeError]);
    assert.equal(await revealSettled(view, refresh, () => `node${++lookups}`, {}), true);
    assert.deepEqual(revealed, ['node2']);
    const twice = fakeView(false, [treeError, treeError]);
    await assert.rejects(
      revealSettled(twice.view, refresh, () => 'x', {}),
      /TreeError/,
    );
  });

  it('other errors are not retried; a node that is gone is not revealed', async () => {
    const refresh = new TreeRefresh();
    const { view } = fakeView(false, [new Error('Required registered TreeDataProvider to implement getParent')]);
    await assert.rejects(
      revealSettled(view, refresh, () => 'x', {}),
      /getParent/,
    );
    assert.equal(await revealSettled(fakeView(false, []).view, refresh, () => undefined, {}), false);
    assert.equal(isTreeNodeNotFound(treeError), true);
    assert.equal(isTreeNodeNotFound(new Error('Canceled')), false);
  });
});
