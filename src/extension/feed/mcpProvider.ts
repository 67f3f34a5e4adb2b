/**
 * Registers `contextzip mcp` (the bundled CLI) with VS Code's MCP server definition provider
 * (`vscode.lm.registerMcpServerDefinitionProvider`, VS Code 1.101+), so agents inside VS Code
 * list it without configuration. VS Code 1.100 (the engines.vscode floor) only has a proposed API
 * of that name (another contribution point, refused outside development): registration is
 * guarded by version and presence, and a failure is logged, never fatal to activation.
 */
import path from 'node:path';
import * as vscode from 'vscode';
import type { ContextZipLog } from '../log.js';
import type { ModelService } from '../model/modelService.js';

export const MCP_PROVIDER_ID = 'contextzip.mcp';

/** The parts of the MCP API (1.101+) this file uses; absent from @types/vscode 1.100. */
interface McpApi {
  registerMcpServerDefinitionProvider(
    id: string,
    provider: {
      onDidChangeMcpServerDefinitions?: vscode.Event<void>;
      provideMcpServerDefinitions(token: vscode.CancellationToken): unknown[];
      resolveMcpServerDefinition?(server: unknown, token: vscode.CancellationToken): unknown;
    },
  ): vscode.Disposable;
}
type McpStdioServerDefinitionCtor = new (
  label: string,
  command: string,
  args?: string[],
  env?: Record<string, string | number | null>,
  version?: string,
) => { cwd?: vscode.Uri };

/** What the server definition runs: node (the extension host's runtime) on dist/cli.js. */
export function mcpServerCommand(
  extensionPath: string,
  service: ModelService,
): { command: string; args: string[]; env: Record<string, string> } {
  const spec = service.payload();
  const args = [
    path.join(extensionPath, 'dist', 'cli.js'),
    'mcp',
    '--model',
    spec.model ?? 'embedded',
    '--dtype',
    spec.dtype ?? 'q8',
  ];
  if (spec.cacheDir) args.push('--cache-dir', spec.cacheDir);
  // Desktop VS Code's extension host runs on Electron: ELECTRON_RUN_AS_NODE makes it plain Node.
  return { command: process.execPath, args, env: { ELECTRON_RUN_AS_NODE: '1' } };
}

/** The API is final (and contributed as mcpServerDefinitionProviders) from VS Code 1.101. */
export function hasStableMcpApi(version = vscode.version): boolean {
  const [major, minor] = version.split('.').map((n) => parseInt(n, 10));
  if (!(major === 1 ? minor >= 101 : major > 1)) return false; // 1.100 has a proposed API of the same name
  return typeof (vscode.lm as unknown as Partial<McpApi>).registerMcpServerDefinitionProvider === 'function';
}

/** Registers the provider when the host has the stable API; returns whether it did. */
export function registerMcpServerProvider(
  context: vscode.ExtensionContext,
  service: ModelService,
  log: ContextZipLog,
): boolean {
  if (!hasStableMcpApi()) return false;
  try {
    return register(context, service);
  } catch (err) {
    log.error('Registering the MCP server definition failed', err);
    return false;
  }
}

function register(context: vscode.ExtensionContext, service: ModelService): boolean {
  const lm = vscode.lm as unknown as McpApi;
  const Definition = (vscode as unknown as { McpStdioServerDefinition?: McpStdioServerDefinitionCtor })
    .McpStdioServerDefinition;
  if (typeof Definition !== 'function') return false;
  const changed = new vscode.EventEmitter<void>();
  const version = String(context.extension.packageJSON.version ?? '0.0.0');
  context.subscriptions.push(
    changed,
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('contextzip.model') || e.affectsConfiguration('contextzip.modelDtype')) changed.fire();
    }),
    lm.registerMcpServerDefinitionProvider(MCP_PROVIDER_ID, {
      onDidChangeMcpServerDefinitions: changed.event,
      provideMcpServerDefinitions: () => {
        const { command, args, env } = mcpServerCommand(context.extensionPath, service);
        const def = new Definition('ContextZip', command, args, env, version);
        const folder = vscode.workspace.workspaceFolders?.[0];
        if (folder?.uri.scheme === 'file') def.cwd = folder.uri;
        return [def];
      },
      resolveMcpServerDefinition: (server) => server,
    }),
  );
  return true;
}
