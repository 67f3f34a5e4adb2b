/**
 * Compression for the assistant-facing features (chat participant, LM tools): the same
 * worker job as the compress commands, with the caller's progress and cancellation, and the
 * run stored in the run history (Last Run view, preview, copy).
 */
import type * as vscode from 'vscode';
import type { Budget } from '../../core/budget.js';
import { CancelledError, UsageError } from '../../core/errors.js';
import type { CompressJobPayload } from '../../worker/jobs.js';
import type { JobProgress } from '../../worker/protocol.js';
import { maskCollectedSources, withMaskNote } from '../compress/maskSources.js';
import type { CompressionRun, RunStore } from '../compress/runStore.js';
import type { ContextZipLog } from '../log.js';
import type { ModelService } from '../model/modelService.js';
import { readSettings } from '../settings.js';
import type { FeedSources } from './sources.js';

export interface FeedDeps {
  service: ModelService;
  runs: RunStore;
  log: ContextZipLog;
}

/** The budget of the settings (`contextzip.budget.tokens`, else `contextzip.budget.ratio`). */
export function settingsBudget(): Budget {
  const s = readSettings();
  return s.budgetTokens > 0 ? { tokens: s.budgetTokens } : { ratio: s.budgetRatio };
}

/** Compresses collected sources for a query in the model worker; throws CancelledError when cancelled. */
export async function compressInWorker(
  deps: FeedDeps,
  sources: FeedSources,
  request: { query: string; budget: Budget; scopeLabel: string; via: string },
  options: { token: vscode.CancellationToken; onProgress?: (p: JobProgress) => void },
): Promise<CompressionRun> {
  if (sources.sources.length === 0) {
    const why = sources.skipped.length
      ? ` (${sources.skipped.length} skipped: ${sources.skipped
          .slice(0, 5)
          .map((s) => `${s.file} ${s.reason}`)
          .join(', ')})`
      : '';
    throw new UsageError(`No source files to compress in ${request.scopeLabel || 'the workspace'}${why}.`);
  }
  const settings = readSettings();
  const masked = await maskCollectedSources(sources.sources, {
    enabled: settings.maskSecrets,
    log: deps.log,
    lineOffsets: sources.lineOffsets,
  });
  if (options.token.isCancellationRequested) throw new CancelledError();
  const payload: CompressJobPayload = {
    model: deps.service.payload(),
    sources: sources.sources,
    skipped: sources.skipped,
    query: request.query,
    budget: request.budget,
    tokenizer: settings.tokenizer,
    beta: settings.beta,
    prefilter: settings.prefilter,
    ranking: settings.ranking,
    maxClassTokens: settings.maxClassTokens,
  };
  deps.log.info(
    `${request.via}: compress ${request.scopeLabel} (${sources.sources.length} files), budget ${JSON.stringify(request.budget)}`,
  );
  const result = await deps.service.runWithModel('compress', payload, {
    cancellation: options.token,
    onProgress: options.onProgress,
  });
  if (options.token.isCancellationRequested) throw new CancelledError();
  const run: Omit<CompressionRun, 'id' | 'uri'> = {
    query: request.query,
    scope: 'workspace',
    scopeLabel: request.scopeLabel,
    time: new Date(),
    result: withMaskNote(result, masked),
    files: sources.files,
    tokenizer: settings.tokenizer,
    // a re-run from the run report compresses the workspace (chat references are not kept)
    request: { scope: 'workspace' },
  };
  const stored = deps.runs.add(run);
  deps.service.setLastRatio(result.ratio);
  deps.log.info(
    `${request.via}: #${stored.id} ${result.originalTokens} -> ${result.compressedTokens} tokens (budget ${result.budget})`,
  );
  return stored;
}
