/**
 * Model-worker jobs for reasoning-trace compression, as plain handlers. The worker registers
 * them (src/worker/register-jobs.ts: `...cotJobHandlers(scorerFor)` in its job table), so core does
 * not depend on the worker; the extension runs them through the worker client, or in-process.
 */
import type { JobContext } from '../job-context.js';
import type { Scorer } from '../model/scorer.js';
import type { RemoteScorerSpec } from '../model/remote-scorer.js';
import { createTokenCounter } from '../tokens/index.js';
import { runCotBatch, type CotBatchFields, type CotBatchSummary } from './batch.js';
import { compressTrace, type CotResult } from './compress.js';

/** The job context (src/core/job-context.ts); the name stays for existing imports. */
export type CotJobContext = JobContext;

/** Model settings as plain data (same shape as the worker's ModelSpecPayload). */
export interface CotModelSpec {
  model?: string;
  dtype?: string;
  cacheDir?: string;
  allowDownload?: boolean;
  endpoint?: string;
  remote?: RemoteScorerSpec;
}

export interface CotBudgetPayload {
  ratio?: number;
  budget?: number;
  /** Target tokenizer name: o200k_base (default), cl100k_base, estimate. */
  tokenizer?: string;
  amiTopFraction?: number;
  recompute?: boolean;
}

export interface CotJobPayload extends CotBudgetPayload {
  model: CotModelSpec;
  input: string;
  problem?: string;
  answer?: string;
  /** A chat model's stage-1 proposal, obtained in the extension host (vscode.lm). */
  chatProposal?: { text: string; model?: string };
}

export interface CotBatchJobPayload extends CotBudgetPayload {
  model: CotModelSpec;
  input: string;
  output: string;
  fields?: Partial<CotBatchFields>;
}

export interface CotBatchJobResult extends CotBatchSummary {
  /** First 200 unusable lines (1-based line numbers in the input). */
  badLines: Array<{ line: number; reason: string }>;
}

export type ScorerProvider = (spec: CotModelSpec, ctx: CotJobContext) => Promise<Scorer>;

export function cotJobHandlers(scorerFor: ScorerProvider) {
  return {
    async cot(payload: CotJobPayload, ctx: CotJobContext): Promise<CotResult> {
      ctx.progress('load', 0, 1, 'Loading model');
      const scorer = await scorerFor(payload.model, ctx);
      const tokenizer = payload.tokenizer ?? 'o200k_base';
      return compressTrace(payload.input, scorer, {
        ratio: payload.ratio,
        budget: payload.budget,
        tokenizer,
        countTokens: createTokenCounter(tokenizer),
        amiTopFraction: payload.amiTopFraction,
        recompute: payload.recompute,
        problem: payload.problem,
        answer: payload.answer,
        chatProposal: payload.chatProposal,
        signal: ctx.signal,
        onProgress: (message) => ctx.progress('cot', 0, 1, message),
      });
    },

    async cotBatch(payload: CotBatchJobPayload, ctx: CotJobContext): Promise<CotBatchJobResult> {
      ctx.progress('load', 0, 1, 'Loading model');
      const scorer = await scorerFor(payload.model, ctx);
      const tokenizer = payload.tokenizer ?? 'o200k_base';
      const badLines: CotBatchJobResult['badLines'] = [];
      const summary = await runCotBatch(scorer, {
        input: payload.input,
        output: payload.output,
        fields: payload.fields,
        ratio: payload.ratio,
        budget: payload.budget,
        tokenizer,
        countTokens: createTokenCounter(tokenizer),
        amiTopFraction: payload.amiTopFraction,
        recompute: payload.recompute,
        signal: ctx.signal,
        onBadLine: (line, reason) => {
          if (badLines.length < 200) badLines.push({ line, reason });
        },
        onProgress: (p) =>
          ctx.progress(
            'traces',
            p.line,
            p.totalLines,
            `${p.compressed} compressed, ${p.skippedExisting} already done, ${p.bad + p.failed} skipped`,
          ),
      });
      return { ...summary, badLines };
    },
  };
}
