/**
 * The budget step of "Compress Context for Query…": one quick pick with the default from the
 * settings, recent choices, token presets, "fit a chat model" presets (the chat models VS Code
 * knows, else common context sizes) and free input ("6000", "6k", "25%").
 */
import * as vscode from 'vscode';
import type { CompressJobPayload } from '../../worker/jobs.js';
import type { ContextZipSettings } from '../settings.js';
import { fmt } from './format.js';
import type { CompressScope } from './runStore.js';

export type Budget = CompressJobPayload['budget'];

export const RECENT_BUDGETS_KEY = 'contextzip.recentBudgets';
const RECENT_MAX = 5;
const TOKEN_PRESETS = [2000, 4000, 8000, 16000, 32000];
/** Context windows offered when no chat model is known; the preset uses half of the window. */
const WINDOW_PRESETS: Array<[string, number]> = [
  ['a 32k-token chat model', 32_000],
  ['a 128k-token chat model (GPT-4o class)', 128_000],
  ['a 200k-token chat model (Claude class)', 200_000],
];

export interface BudgetItem extends vscode.QuickPickItem {
  budget?: Budget;
}

/** "6000", "6k", "6,000", "1.5k" -> tokens; "25%", "0.25" -> ratio; else undefined. */
export function parseBudget(text: string): Budget | undefined {
  const t = text
    .trim()
    .toLowerCase()
    .replace(/,/g, '')
    .replace(/\s*tokens?$/, '');
  let m = /^(\d+(?:\.\d+)?)\s*%$/.exec(t);
  if (m) {
    const r = Number(m[1]) / 100;
    return r > 0 && r <= 1 ? { ratio: r } : undefined;
  }
  m = /^(\d+(?:\.\d+)?)\s*k$/.exec(t);
  if (m) return Number(m[1]) > 0 ? { tokens: Math.round(Number(m[1]) * 1000) } : undefined;
  m = /^(\d+(?:\.\d+)?)$/.exec(t);
  if (m) {
    const v = Number(m[1]);
    if (v > 0 && v < 1) return { ratio: v };
    if (v >= 1 && Number.isInteger(v)) return { tokens: v };
  }
  return undefined;
}

export function budgetLabel(b: Budget): string {
  return b.tokens !== undefined ? `${fmt(b.tokens)} tokens` : `${Math.round((b.ratio ?? 0) * 100)}% of the tokens`;
}

const budgetKey = (b: Budget) => (b.tokens !== undefined ? `t${b.tokens}` : `r${b.ratio}`);

/** The budget a run gets when nobody asks: settings, with workspace-wide scopes in tokens. */
export function defaultBudget(scope: CompressScope, settings: ContextZipSettings): Budget {
  if (settings.budgetTokens > 0) return { tokens: settings.budgetTokens };
  if (scope !== 'file' && settings.budgetWorkspaceTokens > 0) return { tokens: settings.budgetWorkspaceTokens };
  return { ratio: settings.budgetRatio };
}

export function recentBudgets(state: vscode.Memento): Budget[] {
  const raw = state.get<Budget[]>(RECENT_BUDGETS_KEY, []);
  return raw.filter((b) => b && (typeof b.tokens === 'number' || typeof b.ratio === 'number'));
}

export async function rememberBudget(state: vscode.Memento, b: Budget): Promise<void> {
  const list = [b, ...recentBudgets(state).filter((x) => budgetKey(x) !== budgetKey(b))].slice(0, RECENT_MAX);
  await state.update(RECENT_BUDGETS_KEY, list);
}

async function chatModelPresets(): Promise<BudgetItem[]> {
  try {
    const models = await Promise.race([
      vscode.lm.selectChatModels(),
      new Promise<vscode.LanguageModelChat[]>((r) => setTimeout(() => r([]), 1500)),
    ]);
    const seen = new Set<string>();
    return models
      .filter((m) => m.maxInputTokens > 0 && !seen.has(m.name) && seen.add(m.name))
      .slice(0, 4)
      .map((m) => {
        const tokens = Math.floor(m.maxInputTokens / 2);
        return {
          label: `$(sparkle) Fit ${m.name}`,
          description: `${fmt(tokens)} tokens`,
          detail: `Half of its ${fmt(m.maxInputTokens)}-token input, leaving room for the conversation`,
          budget: { tokens },
        };
      });
  } catch {
    return [];
  }
}

/** The items, in order: default, recent, fit-a-model, presets. */
export async function budgetItems(def: Budget, recent: Budget[], originalHint?: number): Promise<BudgetItem[]> {
  const items: BudgetItem[] = [];
  const used = new Set<string>();
  const add = (item: BudgetItem) => {
    const k = budgetKey(item.budget!);
    if (used.has(k)) return;
    used.add(k);
    items.push(item);
  };
  add({ label: budgetLabel(def), description: 'default (settings)', budget: def });
  if (recent.length) items.push({ label: 'recent', kind: vscode.QuickPickItemKind.Separator });
  for (const b of recent) add({ label: `$(history) ${budgetLabel(b)}`, description: 'recent', budget: b });
  items.push({ label: 'fit a chat model', kind: vscode.QuickPickItemKind.Separator });
  const models = await chatModelPresets();
  for (const m of models) add(m);
  if (models.length === 0) {
    for (const [name, window] of WINDOW_PRESETS) {
      const tokens = window / 2;
      add({
        label: `$(sparkle) Fit ${name}`,
        description: `${fmt(tokens)} tokens`,
        detail: 'Half of its context window, leaving room for the conversation',
        budget: { tokens },
      });
    }
  }
  items.push({ label: 'presets', kind: vscode.QuickPickItemKind.Separator });
  for (const t of TOKEN_PRESETS) {
    if (originalHint !== undefined && t >= originalHint) continue;
    add({ label: `${fmt(t)} tokens`, budget: { tokens: t } });
  }
  for (const r of [0.1, 0.2, 0.3, 0.5]) add({ label: `${r * 100}% of the tokens`, budget: { ratio: r } });
  return items;
}

/**
 * Asks for the budget. `onShow` receives the live quick pick (the integration tests drive it
 * through the workbench's own accept command).
 */
export async function askBudget(options: {
  title: string;
  step?: number;
  totalSteps?: number;
  def: Budget;
  recent: Budget[];
  onShow?: (pick: vscode.QuickPick<BudgetItem>) => void;
}): Promise<Budget | undefined> {
  const pick = vscode.window.createQuickPick<BudgetItem>();
  pick.title = options.title;
  pick.step = options.step;
  pick.totalSteps = options.totalSteps;
  pick.placeholder = 'Budget: pick one, or type tokens (6000, 6k) or a share (25%)';
  pick.ignoreFocusOut = true;
  pick.busy = true;
  const base = await budgetItems(options.def, options.recent);
  pick.items = base;
  pick.busy = false;
  return new Promise<Budget | undefined>((resolve) => {
    let done = false;
    const finish = (b: Budget | undefined) => {
      if (done) return;
      done = true;
      resolve(b);
      pick.dispose();
    };
    pick.onDidChangeValue((value) => {
      const typed = parseBudget(value);
      pick.items = typed
        ? [{ label: `$(edit) ${budgetLabel(typed)}`, description: 'typed', alwaysShow: true, budget: typed }, ...base]
        : base;
    });
    pick.onDidAccept(() => {
      const chosen = pick.selectedItems[0] ?? pick.activeItems[0];
      if (chosen?.budget) finish(chosen.budget);
    });
    pick.onDidHide(() => finish(undefined));
    pick.show();
    options.onShow?.(pick);
  });
}
