/**
 * The inputs of the assistant-facing tools, one schema each, shared by the VS Code Language
 * Model Tools (src/extension/tools/) and the MCP server (src/mcp/). The JSON schemas in
 * package.json (contributes.languageModelTools) are these schemas serialized; a unit test
 * keeps them equal.
 */
import { z } from 'zod';
import type { CotJobPayload, CotModelSpec } from '../cot/jobs.js';
import type { Budget } from '../budget.js';

const budgetTokens = z
  .number()
  .int()
  .positive()
  .max(10_000_000)
  .optional()
  .describe(
    'Keep at most this many tokens (counted in the target tokenizer, o200k_base by default). Give this or ratio, not both.',
  );
const ratio = z
  .number()
  .gt(0)
  .lte(1)
  .optional()
  .describe('Keep at most this fraction of the original tokens, in (0, 1]. Give this or budgetTokens, not both.');

/** Raw shape (the MCP SDK's `inputSchema` form) of compress_code / contextzip_compressCode. */
export const compressCodeShape = {
  query: z
    .string()
    .trim()
    .min(1, 'query must say what the context is for (a question or a task).')
    .max(20_000)
    .describe('What the context is for: the question or task, in natural language.'),
  paths: z
    .array(z.string().trim().min(1))
    .max(500)
    .optional()
    .describe(
      'Files, folders or glob patterns (e.g. "src/**/*.ts"), relative to the workspace or absolute inside it. Default: the whole workspace.',
    ),
  budgetTokens,
  ratio,
};

/** Raw shape of compress_reasoning / contextzip_compressReasoning. */
export const compressReasoningShape = {
  trace: z
    .string()
    .min(1, 'trace must hold the reasoning trace to compress.')
    .max(2_000_000)
    .describe('The reasoning trace (chain of thought) to compress; <think>…</think> wrappers are kept.'),
  answer: z
    .string()
    .optional()
    .describe('The final answer the reasoning leads to (default: found in the trace). Steps it rests on are kept.'),
  problem: z
    .string()
    .optional()
    .describe('The problem statement, used as context for scoring; not part of the output.'),
  budgetTokens,
  ratio,
};

const oneBudget = (v: { budgetTokens?: number; ratio?: number }) =>
  v.budgetTokens === undefined || v.ratio === undefined;
const oneBudgetMessage = { message: 'Give either budgetTokens or ratio, not both.' };

export const compressCodeInput = z.strictObject(compressCodeShape).refine(oneBudget, oneBudgetMessage);
export const compressReasoningInput = z.strictObject(compressReasoningShape).refine(oneBudget, oneBudgetMessage);

export type CompressCodeInput = z.infer<typeof compressCodeInput>;
export type CompressReasoningInput = z.infer<typeof compressReasoningInput>;

/** The JSON schema of a tool input (what package.json and MCP's tools/list carry). */
export function toolInputJsonSchema(schema: z.ZodType): Record<string, unknown> {
  const json = z.toJSONSchema(schema, { io: 'input' }) as Record<string, unknown>;
  delete json.$schema;
  return json;
}

/**
 * Parses untrusted tool input. Returns the value, or one readable sentence naming every
 * problem ("paths.0: expected string, received number; …") for an error result.
 */
export function parseToolInput<T>(
  schema: z.ZodType<T>,
  input: unknown,
): { ok: true; value: T } | { ok: false; error: string } {
  const r = schema.safeParse(input ?? {});
  if (r.success) return { ok: true, value: r.data };
  const problems = r.error.issues.map((i) => {
    const message = i.message.replace(/^Invalid input: /, '').replace(/\.$/, '');
    return i.path.length ? `${i.path.join('.')}: ${message}` : message;
  });
  return { ok: false, error: `Invalid input: ${problems.join('; ')}.` };
}

/** The engine's budget from a tool input, with a default when the caller gave none. */
export function toolBudget(input: { budgetTokens?: number; ratio?: number }, fallback: Budget): Budget {
  if (input.budgetTokens !== undefined) return { tokens: input.budgetTokens };
  if (input.ratio !== undefined) return { ratio: input.ratio };
  return fallback;
}

/**
 * The reasoning-trace job for a compress_reasoning input (MCP server and LM tool alike): the
 * budget from the input, else `fallbackRatio`; a 'model' target tokenizer counts in o200k_base.
 */
export function cotJobPayloadFor(
  input: CompressReasoningInput,
  model: CotModelSpec,
  tokenizer: string,
  fallbackRatio: number,
): CotJobPayload {
  const budget = toolBudget(input, { ratio: fallbackRatio });
  return {
    model,
    input: input.trace,
    answer: input.answer,
    problem: input.problem,
    ratio: budget.ratio,
    budget: budget.tokens,
    tokenizer: tokenizer === 'model' ? 'o200k_base' : tokenizer,
  };
}
