/**
 * Feeding assistants: the @contextzip chat participant, the Language Model Tools, the MCP
 * server definition, and "Copy Compressed Context" (the last result with a header saying it
 * is partial). Everything runs on the model worker of the model service.
 */
import * as vscode from 'vscode';
import { copyHeader } from '../../core/feed/result-text.js';
import { registerChatParticipant, type ContextZipChatParticipant, COPY_COMMAND } from '../chat/participant.js';
import { fmt } from '../compress/format.js';
import type { RunStore } from '../compress/runStore.js';
import type { ContextZipLog } from '../log.js';
import type { CommandRegistrar } from '../commands.js';
import type { ModelService } from '../model/modelService.js';
import { registerLanguageModelTools } from '../tools/lmTools.js';
import { registerMcpServerProvider } from './mcpProvider.js';

export interface FeedFeatures {
  /** undefined on a host without the chat API. */
  readonly participant: vscode.ChatParticipant | undefined;
  readonly chat: ContextZipChatParticipant | undefined;
  readonly tools: string[];
  /** Whether the MCP server definition provider was registered (VS Code 1.101+). */
  readonly mcpRegistered: boolean;
}

export function registerFeedFeatures(
  context: vscode.ExtensionContext,
  deps: { log: ContextZipLog; command: CommandRegistrar; service: ModelService; runs: RunStore },
): FeedFeatures {
  const feedDeps = { service: deps.service, runs: deps.runs, log: deps.log };
  const chat = registerChatParticipant(context, feedDeps);
  const tools = registerLanguageModelTools(context, feedDeps);
  const mcpRegistered = registerMcpServerProvider(context, deps.service, deps.log);
  deps.log.info(
    `Assistants: @contextzip ${chat ? 'registered' : 'unavailable (no chat API)'}, tools ${tools.join(', ')}, ` +
      `MCP server definition ${mcpRegistered ? 'registered' : 'not registered (this VS Code has no MCP provider API)'}`,
  );

  // Also the preview's title button (Copy Compressed Context), which passes the preview's URI.
  deps.command(COPY_COMMAND, async (arg?: number | vscode.Uri) => {
    const run =
      arg instanceof vscode.Uri ? deps.runs.byUri(arg) : typeof arg === 'number' ? deps.runs.get(arg) : deps.runs.last;
    if (!run) {
      void vscode.window.showInformationMessage(
        'ContextZip: no compression result yet. Run "ContextZip: Compress Context for Query…" or ask @contextzip first.',
      );
      return undefined;
    }
    const text = copyHeader(run) + run.result.text;
    await vscode.env.clipboard.writeText(text);
    void vscode.window.showInformationMessage(
      `ContextZip: copied the compressed context (${fmt(run.result.compressedTokens)} tokens) with a header to the clipboard.`,
    );
    return text;
  });

  return { participant: chat?.participant, chat: chat?.handler, tools, mcpRegistered };
}
