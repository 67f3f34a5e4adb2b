/**
 * What the trace commands need from the rest of the extension (the model worker, the log, the
 * command registrar, the model spec) and the small helpers they share.
 */
import path from 'node:path';
import * as vscode from 'vscode';
import type { CotModelSpec } from '../../core/cot/jobs.js';
import { ContextZipError } from '../../core/errors.js';
import type { JobProgress } from '../../worker/protocol.js';
import type { JobPayload, JobResultOf } from '../../worker/job-table.js';
import type { CommandRegistrar } from '../commands.js';
import { readSettings } from '../settings.js';

/** The worker jobs of reasoning-trace compression (src/core/cot/jobs.ts). */
export type CotJobName = 'cot' | 'cotBatch';

/** The model worker's run for the trace jobs (ModelService.runWithModel). */
export interface CotJobRunner {
  run<K extends CotJobName>(
    job: K,
    payload: JobPayload<K>,
    options?: { onProgress?: (p: JobProgress) => void; cancellation?: vscode.CancellationToken },
  ): Promise<JobResultOf<K>>;
}

export interface CotCommandDeps {
  /** Where runs are logged: the ContextZip output channel (or the extension's log wrapper). */
  output: { appendLine(line: string): void } | { info(line: string): void };
  /** The model worker (jobs "cot" and "cotBatch"): model work never runs on the extension host. */
  worker: CotJobRunner;
  /** The extension's command registrar (one error guard for every command). */
  command: CommandRegistrar;
  /** The model part of job payloads (the model service's); default: from the settings. */
  modelSpec?: () => CotModelSpec;
}

/** The deps with the helpers every trace command uses. */
export interface CotContext {
  context: vscode.ExtensionContext;
  deps: CotCommandDeps;
  log(line: string): void;
  modelSpec(scope?: vscode.ConfigurationScope): CotModelSpec;
  /** Budgets are promises in the target tokenizer: "model" counts in o200k_base. */
  tokenizerFor(scope?: vscode.ConfigurationScope): string;
  run<K extends CotJobName>(
    job: K,
    payload: JobPayload<K>,
    onProgress: (p: JobProgress) => void,
    token: vscode.CancellationToken,
  ): Promise<JobResultOf<K>>;
}

export function cotContext(context: vscode.ExtensionContext, deps: CotCommandDeps): CotContext {
  return {
    context,
    deps,
    log: (line) => {
      if ('appendLine' in deps.output) deps.output.appendLine(line);
      else deps.output.info(line);
    },
    modelSpec: (scope) => {
      if (deps.modelSpec) return deps.modelSpec();
      const s = readSettings(scope);
      const storage = context.globalStorageUri.fsPath;
      return { model: s.model, dtype: s.modelDtype, cacheDir: storage ? path.join(storage, 'models') : undefined };
    },
    tokenizerFor: (scope) => {
      const t = readSettings(scope).tokenizer;
      return t === 'model' ? 'o200k_base' : t;
    },
    run: async (job, payload, onProgress, token) => {
      try {
        return await deps.worker.run(job, payload, { onProgress, cancellation: token });
      } catch (err) {
        if (err instanceof ContextZipError && /Unknown job/.test(err.message)) {
          throw new ContextZipError(
            `The model worker has no "${job}" job: src/worker/register-jobs.ts must include cotJobHandlers.`,
            'internal',
          );
        }
        throw err;
      }
    },
  };
}
