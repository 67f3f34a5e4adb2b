/**
 * `contextzip mcp`: a stdio MCP server (official TypeScript SDK) with two tools,
 * compress_code and compress_reasoning, on the same engine and worker as the extension.
 * Model work runs in the model worker thread, so a long call never blocks the protocol
 * (tools/list, pings and cancellations are answered while it runs). Reads only inside the
 * roots the client declares, or the working directory when it declares none.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { RootsListChangedNotificationSchema, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { COMPRESSION_DEFAULTS } from '../core/budget.js';
import { CancelledError, UsageError } from '../core/errors.js';
import { cotSummaryLine, omittedSummaryLine } from '../core/feed/result-text.js';
import {
  compressCodeInput,
  compressReasoningInput,
  toolBudget,
  type CompressCodeInput,
  type CompressReasoningInput,
  cotJobPayloadFor,
} from '../core/feed/tool-inputs.js';
import { ModelWorkerClient, type JobOptions } from '../worker/client.js';
import type { JobPayload, JobResultOf } from '../worker/job-table.js';
import type { CompressJobPayload, ModelSpecPayload } from '../worker/jobs.js';
import { maskSourceSecrets, maskedSecretsNote } from '../core/files/index.js';
import { loadMcpScope } from './scope.js';
import { displayUrl } from '../core/model/remote-client.js';

/** The model worker client's `run` (src/worker/client.ts), for the jobs the server runs. */
export interface JobRunner {
  run<K extends 'compress' | 'cot'>(job: K, payload: JobPayload<K>, options?: JobOptions): Promise<JobResultOf<K>>;
}

export interface ContextZipMcpOptions {
  model: ModelSpecPayload;
  /** Tokenizer budgets are counted in (o200k_base by default). */
  tokenizer?: string;
  /** Roots when the client declares none. */
  cwd: string;
  maxFileBytes?: number;
  version: string;
  worker: JobRunner;
  /** Diagnostics (stderr in the CLI: stdout is the protocol). */
  log: (line: string) => void;
}

export const CODE_TOOL_DESCRIPTION =
  'Compress the source code of the workspace (or of given files, folders or globs) for a question or task, ' +
  'under a token budget, with a local model: the functions most relevant to the query are kept verbatim, ' +
  'less relevant ones are pruned or dropped, and every omission is marked. Call it before reading many files ' +
  'to answer a question about a large code base, or when the code you need does not fit in your context. ' +
  'Returns one line saying what was kept and omitted, then the compressed code with a header per file.';

export const REASONING_TOOL_DESCRIPTION =
  'Compress a long reasoning trace (chain of thought) under a token budget with a local model: low-information ' +
  'steps are removed, steps the final answer rests on are kept verbatim. Call it to shorten a reasoning trace ' +
  'before storing it, passing it to another model, or adding it to a data set. Returns one line saying which ' +
  'steps were omitted, then the compressed trace.';

export function createContextZipMcpServer(options: ContextZipMcpOptions): McpServer {
  const server = new McpServer(
    { name: 'contextzip', title: 'ContextZip', version: options.version },
    {
      capabilities: { tools: {} },
      instructions:
        'ContextZip compresses code context and reasoning traces locally. Use compress_code to get the code relevant ' +
        'to a question under a token budget; compress_reasoning to shorten a chain of thought.',
    },
  );
  const roots = new ClientRoots(server, options.cwd, options.log);
  const tokenizer = options.tokenizer ?? 'o200k_base';

  server.registerTool(
    'compress_code',
    {
      title: 'Compress code context',
      description: CODE_TOOL_DESCRIPTION,
      inputSchema: compressCodeInput,
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    (args, extra) =>
      asToolResult('compress_code', options.log, async () => {
        const input = args as CompressCodeInput;
        const scope = loadMcpScope(input.paths, await roots.get(), { maxFileBytes: options.maxFileBytes });
        if (scope.sources.length === 0)
          throw new UsageError(
            `No source files to compress in ${input.paths?.join(', ') ?? (await roots.get()).join(', ')}` +
              (scope.skipped.length
                ? ` (${scope.skipped.length} skipped: ${scope.skipped
                    .map((s) => `${s.file} ${s.reason}`)
                    .slice(0, 5)
                    .join(', ')})`
                : '') +
              '.',
          );
        // As `contextzip compress` does: secrets found in files are masked before anything is returned.
        const secrets = await maskSourceSecrets(scope.sources);
        const payload: CompressJobPayload = {
          model: options.model,
          sources: scope.sources,
          skipped: scope.skipped,
          query: input.query,
          budget: toolBudget(input, { ratio: 0.3 }),
          tokenizer,
        };
        options.log(
          `compress_code: ${scope.sources.length} file${scope.sources.length === 1 ? '' : 's'} under ${scope.base}, budget ${JSON.stringify(payload.budget)}`,
        );
        const result = await options.worker.run('compress', payload, {
          cancellation: extra.signal,
          onProgress: progressSender(extra),
        });
        const summary = omittedSummaryLine(result);
        return [secrets.length ? `${summary} ${maskedSecretsNote(secrets)}` : summary, result.text];
      }),
  );

  server.registerTool(
    'compress_reasoning',
    {
      title: 'Compress a reasoning trace',
      description: REASONING_TOOL_DESCRIPTION,
      inputSchema: compressReasoningInput,
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    (args, extra) =>
      asToolResult('compress_reasoning', options.log, async () => {
        const input = args as CompressReasoningInput;
        const payload = cotJobPayloadFor(input, options.model, tokenizer, COMPRESSION_DEFAULTS.trace.ratio);
        const result = await options.worker.run('cot', payload, {
          cancellation: extra.signal,
          onProgress: progressSender(extra),
        });
        return [cotSummaryLine(result), result.text];
      }),
  );
  return server;
}

/** Where secrets were masked (never the secrets themselves). */
type Extra = {
  signal: AbortSignal;
  _meta?: { progressToken?: string | number };
  sendNotification: (n: {
    method: 'notifications/progress';
    params: { progressToken: string | number; progress: number; total?: number; message?: string };
  }) => Promise<void>;
};

/** MCP progress notifications, when the caller asked for them (a progressToken in _meta). */
function progressSender(extra: unknown): JobOptions['onProgress'] {
  const e = extra as Extra;
  const token = e._meta?.progressToken;
  if (token === undefined) return undefined;
  let step = 0;
  return (p) => {
    const message = p.stage === 'coarse' ? `ranking chunks ${p.done}/${p.total}` : (p.message ?? p.stage);
    void e
      .sendNotification({
        method: 'notifications/progress',
        params: { progressToken: token, progress: ++step, message },
      })
      .catch(() => undefined);
  };
}

/** Text parts on success; an isError result with one readable sentence on any failure. */
async function asToolResult(
  tool: string,
  log: (l: string) => void,
  run: () => Promise<string[]>,
): Promise<CallToolResult> {
  const t0 = Date.now();
  try {
    const parts = await run();
    log(`${tool}: done in ${Date.now() - t0} ms`);
    return { content: parts.map((text) => ({ type: 'text' as const, text })) };
  } catch (err) {
    const cancelled = err instanceof CancelledError;
    const message = err instanceof Error ? err.message : String(err);
    log(`${tool}: ${cancelled ? 'cancelled' : 'failed'} after ${Date.now() - t0} ms${cancelled ? '' : `: ${message}`}`);
    return { isError: true, content: [{ type: 'text', text: cancelled ? `${tool} was cancelled.` : message }] };
  }
}

/** The client's roots (file: URIs), asked once and again after roots/list_changed; else the working directory. */
class ClientRoots {
  private cached: Promise<string[]> | undefined;

  constructor(
    private readonly server: McpServer,
    private readonly cwd: string,
    private readonly log: (l: string) => void,
  ) {
    server.server.setNotificationHandler(RootsListChangedNotificationSchema, () => {
      this.cached = undefined;
    });
  }

  get(): Promise<string[]> {
    this.cached ??= this.load().catch((err: unknown) => {
      this.cached = undefined; // asked again on the next call
      throw new UsageError(`Could not get the client's roots: ${err instanceof Error ? err.message : String(err)}`);
    });
    return this.cached;
  }

  private async load(): Promise<string[]> {
    if (!this.server.server.getClientCapabilities()?.roots) return [path.resolve(this.cwd)];
    const { roots } = await this.server.server.listRoots();
    const dirs = roots.filter((r) => r.uri.startsWith('file:')).map((r) => path.resolve(fileURLToPath(r.uri)));
    this.log(`roots: ${dirs.join(', ') || '(none)'}`);
    return dirs;
  }
}

/** Runs the server on stdin/stdout until the client disconnects. */
export async function runStdioMcpServer(
  options: Omit<ContextZipMcpOptions, 'worker'> & { worker?: ModelWorkerClient },
): Promise<void> {
  const worker = options.worker ?? new ModelWorkerClient();
  const server = createContextZipMcpServer({ ...options, worker });
  const transport = new StdioServerTransport();
  const closed = new Promise<void>((resolve) => {
    transport.onclose = () => resolve();
    process.stdin.once('end', () => resolve());
  });
  await server.connect(transport);
  options.log(
    `contextzip mcp ${options.version}: ready on stdio (` +
      (options.model.remote
        ? `remote scoring: code is sent to ${displayUrl(options.model.remote.url)}`
        : `model ${options.model.model ?? 'embedded'} ${options.model.dtype ?? 'q8'}`) +
      ')',
  );
  await closed;
  await server.close().catch(() => undefined);
  await worker.dispose().catch(() => undefined);
}
