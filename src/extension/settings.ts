import * as vscode from 'vscode';
import { COMPRESSION_DEFAULTS } from '../core/budget.js';
import { parsePrefilter, RANKING_METHODS, type Prefilter, type RankingMethod } from '../core/code/rank.js';

/** Typed view of the `contextzip.*` settings (contributes.configuration in package.json). */
export interface ContextZipSettings {
  exclude: string[];
  maxFileBytes: number;
  maxClassTokens: number;
  model: string;
  modelDtype: 'q8' | 'q4' | 'fp32';
  tokenizer: 'o200k_base' | 'cl100k_base' | 'model' | 'estimate';
  budgetRatio: number;
  budgetTokens: number;
  /** Default budget (tokens) of workspace, folder and open-editor runs when budgetTokens is 0. */
  budgetWorkspaceTokens: number;
  /** Order of file sections in the preview and the copied text. */
  previewOrder: 'relevance' | 'path';
  beta: number;
  /** Which chunks the model ranks: the budget-sized cascade ('auto'), all ('off'), or N chunks. */
  prefilter: Prefilter;
  ranking: RankingMethod;
  cotUseChatModelAnchor: boolean;
  cotRatio: number;
  /** Mask secrets (private keys, API tokens) in sources before they are compressed. */
  maskSecrets: boolean;
  /** Remote scoring (contextzip.scorer.*); off while `url` is empty. */
  scorer: ScorerSettings;
}

export interface ScorerSettings {
  url: string;
  model: string;
  tokenizer: string;
  protocol: 'echo' | 'prompt_logprobs';
  batchSize: number;
  concurrency: number;
  timeoutSeconds: number;
  maxTokens: number;
}

export function readSettings(scope?: vscode.ConfigurationScope): ContextZipSettings {
  const c = vscode.workspace.getConfiguration('contextzip', scope);
  return {
    exclude: c.get<string[]>('exclude', []).filter((g) => typeof g === 'string' && g.trim() !== ''),
    maxFileBytes: c.get<number>('maxFileBytes', 1048576),
    maxClassTokens: c.get<number>('maxClassTokens', 400),
    model: c.get<string>('model', 'embedded'),
    modelDtype: c.get<'q8' | 'q4' | 'fp32'>('modelDtype', 'q8'),
    tokenizer: c.get<ContextZipSettings['tokenizer']>('tokenizer', 'o200k_base'),
    budgetRatio: c.get<number>('budget.ratio', 0.3),
    budgetTokens: c.get<number>('budget.tokens', 0),
    budgetWorkspaceTokens: c.get<number>('budget.workspaceTokens', 8000),
    previewOrder: c.get<'relevance' | 'path'>('preview.order', 'relevance'),
    beta: c.get<number>('beta', COMPRESSION_DEFAULTS.code.beta),
    prefilter: parsePrefilter(c.get<unknown>('prefilter', 'auto')) ?? 'auto',
    ranking: RANKING_METHODS.find((m) => m === c.get<string>('ranking', 'fused')) ?? 'fused',
    cotUseChatModelAnchor: c.get<boolean>('cot.useChatModelAnchor', false),
    cotRatio: c.get<number>('cot.ratio', 0.8),
    maskSecrets: c.get<boolean>('maskSecrets', true),
    scorer: {
      url: c.get<string>('scorer.url', '').trim(),
      model: c.get<string>('scorer.model', '').trim(),
      tokenizer: c.get<string>('scorer.tokenizer', '').trim(),
      protocol: c.get<string>('scorer.protocol', 'echo') === 'prompt_logprobs' ? 'prompt_logprobs' : 'echo',
      batchSize: c.get<number>('scorer.batchSize', 16),
      concurrency: c.get<number>('scorer.concurrency', 4),
      timeoutSeconds: c.get<number>('scorer.timeoutSeconds', 120),
      maxTokens: c.get<number>('scorer.maxTokens', 4096),
    },
  };
}

/**
 * Enabled `files.exclude` globs of a folder. Entries with a `when` clause (sibling-based, e.g.
 * hide `*.js` next to `*.ts`) cannot be expressed as a plain glob and are not applied.
 */
export function filesExcludeGlobs(scope?: vscode.ConfigurationScope): string[] {
  const map = vscode.workspace.getConfiguration('files', scope).get<Record<string, unknown>>('exclude', {});
  return Object.entries(map)
    .filter(([, v]) => v === true)
    .map(([k]) => k);
}
