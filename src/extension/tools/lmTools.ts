/**
 * Language Model Tools for agent mode and other extensions (`vscode.lm.invokeTool`):
 * contextzip_compressCode and contextzip_compressReasoning. Inputs are validated with the same
 * schemas as the MCP server (core/feed/tool-inputs.ts, serialized into package.json); every
 * failure, bad input included, is a text result the model can read, never an exception.
 */
import * as vscode from 'vscode';
import type { z } from 'zod';
import { COMPRESSION_DEFAULTS } from '../../core/budget.js';
import type { CotResult } from '../../core/cot/compress.js';
import { CancelledError } from '../../core/errors.js';
import { cotSummaryLine, omittedSummaryLine } from '../../core/feed/result-text.js';
import {
  compressCodeInput,
  compressReasoningInput,
  parseToolInput,
  toolBudget,
  type CompressCodeInput,
  type CompressReasoningInput,
  cotJobPayloadFor,
} from '../../core/feed/tool-inputs.js';
import { readSettings } from '../settings.js';
import { compressInWorker, settingsBudget, type FeedDeps } from '../feed/engine.js';
import { collectFeedSources, itemsFromPaths } from '../feed/sources.js';

export const CODE_TOOL = 'contextzip_compressCode';
export const REASONING_TOOL = 'contextzip_compressReasoning';

function quote(text: string, max = 80): string {
  const s = text.replace(/\s+/g, ' ').trim();
  return `“${s.length > max ? `${s.slice(0, max - 1)}…` : s}”`;
}

function textResult(...parts: string[]): vscode.LanguageModelToolResult {
  return new vscode.LanguageModelToolResult(parts.map((p) => new vscode.LanguageModelTextPart(p)));
}

/**
 * The one shape of both tools' invoke: validate the input (a bad one is a text result), run, and
 * turn any failure into a text result the model can read (logged, never thrown).
 */
async function invokeValidated<T>(
  deps: FeedDeps,
  tool: string,
  schema: z.ZodType<T>,
  raw: unknown,
  run: (input: T) => Promise<vscode.LanguageModelToolResult>,
): Promise<vscode.LanguageModelToolResult> {
  const parsed = parseToolInput(schema, raw);
  if (!parsed.ok) return textResult(`${tool}: ${parsed.error}`);
  try {
    return await run(parsed.value);
  } catch (err) {
    deps.log.info(`${tool}: ${err instanceof Error ? err.message : String(err)}`);
    return failure(tool, err);
  }
}

function failure(tool: string, err: unknown): vscode.LanguageModelToolResult {
  if (err instanceof CancelledError) return textResult(`${tool} was cancelled.`);
  const message = err instanceof Error ? err.message : String(err);
  return textResult(`${tool} failed: ${message}`);
}

export class CompressCodeTool implements vscode.LanguageModelTool<unknown> {
  constructor(private readonly deps: FeedDeps) {}

  prepareInvocation(options: vscode.LanguageModelToolInvocationPrepareOptions<unknown>) {
    const parsed = parseToolInput(compressCodeInput, options.input);
    if (!parsed.ok) return { invocationMessage: 'ContextZip: invalid input' };
    const where = parsed.value.paths?.length ? parsed.value.paths.join(', ') : 'the workspace';
    return {
      invocationMessage: `Compressing ${where} for ${quote(parsed.value.query)}`,
      confirmationMessages: {
        title: 'Compress code with ContextZip?',
        message: new vscode.MarkdownString(
          `Compress **${where}** for ${quote(parsed.value.query, 200)} with the local model. ` +
            'Files are read, never changed, and nothing leaves this machine.',
        ),
      },
    };
  }

  async invoke(
    options: vscode.LanguageModelToolInvocationOptions<unknown>,
    token: vscode.CancellationToken,
  ): Promise<vscode.LanguageModelToolResult> {
    return invokeValidated(this.deps, CODE_TOOL, compressCodeInput, options.input, async (input: CompressCodeInput) => {
      const items = input.paths?.length ? await itemsFromPaths(input.paths) : [];
      const sources = await collectFeedSources(items, { token, log: this.deps.log });
      if (token.isCancellationRequested) throw new CancelledError();
      const run = await compressInWorker(
        this.deps,
        sources,
        {
          query: input.query,
          budget: toolBudget(input, settingsBudget()),
          scopeLabel: sources.scopeLabel || 'Workspace',
          via: CODE_TOOL,
        },
        { token },
      );
      const warnings = run.result.warnings ?? [];
      return textResult([omittedSummaryLine(run.result), ...warnings].join(' '), run.result.text);
    });
  }
}

export class CompressReasoningTool implements vscode.LanguageModelTool<unknown> {
  constructor(private readonly deps: FeedDeps) {}

  prepareInvocation(options: vscode.LanguageModelToolInvocationPrepareOptions<unknown>) {
    const parsed = parseToolInput(compressReasoningInput, options.input);
    if (!parsed.ok) return { invocationMessage: 'ContextZip: invalid input' };
    const words = parsed.value.trace.split(/\s+/).filter(Boolean).length;
    return {
      invocationMessage: `Compressing a reasoning trace of ${words.toLocaleString('en-US')} words`,
      confirmationMessages: {
        title: 'Compress a reasoning trace with ContextZip?',
        message: new vscode.MarkdownString(
          `Compress a reasoning trace of ${words.toLocaleString('en-US')} words with the local model; nothing leaves this machine.`,
        ),
      },
    };
  }

  async invoke(
    options: vscode.LanguageModelToolInvocationOptions<unknown>,
    token: vscode.CancellationToken,
  ): Promise<vscode.LanguageModelToolResult> {
    return invokeValidated(
      this.deps,
      REASONING_TOOL,
      compressReasoningInput,
      options.input,
      async (input: CompressReasoningInput) => {
        const result = await runCotJob(this.deps, input, token);
        return textResult(cotSummaryLine(result), result.text);
      },
    );
  }
}

/** The reasoning-trace job in the model worker (budget from the input, else contextzip.cot.ratio). */
export async function runCotJob(
  deps: FeedDeps,
  input: CompressReasoningInput,
  token: vscode.CancellationToken,
): Promise<CotResult> {
  const settings = readSettings();
  const payload = cotJobPayloadFor(
    input,
    deps.service.payload(),
    settings.tokenizer,
    settings.cotRatio || COMPRESSION_DEFAULTS.trace.ratio,
  );
  const result = await deps.service.runWithModel('cot', payload, { cancellation: token });
  if (token.isCancellationRequested) throw new CancelledError();
  return result;
}

/** Registers both tools; returns their names. */
export function registerLanguageModelTools(context: vscode.ExtensionContext, deps: FeedDeps): string[] {
  context.subscriptions.push(
    vscode.lm.registerTool(CODE_TOOL, new CompressCodeTool(deps)),
    vscode.lm.registerTool(REASONING_TOOL, new CompressReasoningTool(deps)),
  );
  return [CODE_TOOL, REASONING_TOOL];
}
