import * as vscode from 'vscode';
import type { CommandRegistrar } from '../commands.js';
import type { RunStore } from '../compress/runStore.js';
import { InlineResults } from './inlineResults.js';

/** Source documents the inline results can apply to (our own previews and outputs are not). */
const SOURCE_SELECTOR: vscode.DocumentSelector = [{ scheme: 'file' }, { scheme: 'untitled' }];

/** Inline results of the last run: decorations, CodeLens, hover, and their toggle. */
export function registerInlineFeatures(
  context: vscode.ExtensionContext,
  deps: { runs: RunStore; command: CommandRegistrar },
): InlineResults {
  const inline = new InlineResults(deps.runs, context.extensionUri);
  context.subscriptions.push(
    inline,
    vscode.languages.registerCodeLensProvider(SOURCE_SELECTOR, inline),
    vscode.languages.registerHoverProvider(SOURCE_SELECTOR, inline),
  );
  deps.command('contextzip.toggleInlineResults', (on?: boolean) => inline.toggle(on));
  deps.command('contextzip.explainChunk', (runId: number, file: string, startLine: number) => {
    const text = inline.explain(runId, file, startLine);
    if (!text) {
      void vscode.window.showInformationMessage('ContextZip: this result is no longer the last run.');
      return undefined;
    }
    void vscode.window.showInformationMessage(`ContextZip: ${text}`);
    return text;
  });
  return inline;
}
