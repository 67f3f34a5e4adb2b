/**
 * Optional stage 1 with a VS Code chat model (vscode.lm), docs/ALGORITHMS.md §2.2: only when the
 * user turned on `contextzip.cot.useChatModelAnchor`, and only with the chat model the user
 * picked (remembered in global state; never a default we choose). The proposal it returns is
 * checked in core (in-order paragraphs, difflib ratio >= 0.6) before anything is used.
 */
import * as vscode from 'vscode';
import type { AnchorModel } from '../../core/cot/anchorModel.js';

const PICKED_MODEL_KEY = 'contextzip.cot.chatModelId';

export const EXPLAIN_PROMPT = (problem: string, answer: string): string =>
  [
    'You are given a programming problem and the final solution code that solves it.',
    'Write a short, direct explanation of the core reasoning path that leads from the problem to this code:',
    'the key observations, the algorithm, and the details the code depends on. No alternatives, no detours.',
    '',
    '## Problem',
    problem.trim() === '' ? '(not given; infer it from the code)' : problem,
    '',
    '## Final code',
    answer,
  ].join('\n');

export const COMPRESS_PROMPT = (trace: string, explanation: string): string =>
  [
    'Below is a reasoning trace, split into paragraphs separated by blank lines, and an anchor explanation of the correct reasoning path.',
    'Delete the paragraphs that do not serve the anchor (detours, repetitions, abandoned ideas, idle checks).',
    'Copy every paragraph you keep EXACTLY as it is, character for character, in the original order, separated by one blank line.',
    'Do not rewrite, merge, summarize or add anything. Output only the kept paragraphs.',
    '',
    '## Anchor explanation',
    explanation,
    '',
    '## Reasoning trace',
    trace,
  ].join('\n');

async function ask(model: vscode.LanguageModelChat, prompt: string, token: vscode.CancellationToken): Promise<string> {
  const response = await model.sendRequest(
    [vscode.LanguageModelChatMessage.User(prompt)],
    {
      justification:
        'ContextZip compresses the reasoning trace you selected (setting contextzip.cot.useChatModelAnchor).',
    },
    token,
  );
  let text = '';
  for await (const part of response.text) text += part;
  return text;
}

export class LmAnchorModel implements AnchorModel {
  readonly id: string;

  constructor(
    private readonly model: vscode.LanguageModelChat,
    private readonly token: vscode.CancellationToken,
  ) {
    this.id = `${model.vendor}/${model.id}`;
  }

  explain(problem: string, answer: string): Promise<string> {
    return ask(this.model, EXPLAIN_PROMPT(problem, answer), this.token);
  }

  compress(trace: string, anchorExplanation: string): Promise<string> {
    return ask(this.model, COMPRESS_PROMPT(trace, anchorExplanation), this.token);
  }
}

/**
 * The chat model the user picked for stage 1: the remembered one if still available, else a
 * quick pick (the choice is remembered). Undefined when none is available or the user cancels.
 */
export async function pickChatModel(
  context: vscode.ExtensionContext,
  forcePick = false,
): Promise<vscode.LanguageModelChat | undefined> {
  const models = await vscode.lm.selectChatModels();
  if (models.length === 0) return undefined;
  const remembered = context.globalState.get<string>(PICKED_MODEL_KEY);
  if (!forcePick && remembered) {
    const m = models.find((x) => `${x.vendor}/${x.id}` === remembered);
    if (m) return m;
  }
  const pick = await vscode.window.showQuickPick(
    models.map((m) => ({
      label: m.name,
      description: `${m.vendor} · ${m.family}`,
      detail: `max input ${m.maxInputTokens} tokens`,
      model: m,
    })),
    {
      title: 'ContextZip: chat model for reasoning-trace stage 1',
      placeHolder: 'The trace and its answer are sent to this model only',
      ignoreFocusOut: true,
    },
  );
  if (!pick) return undefined;
  await context.globalState.update(PICKED_MODEL_KEY, `${pick.model.vendor}/${pick.model.id}`);
  return pick.model;
}
