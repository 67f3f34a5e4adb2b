/** Counts tokens of a text in some tokenizer. Budgets are always expressed in one of these. */
export type TokenCounter = (text: string) => number;

/**
 * Cheap estimate (characters / 3.5, the needle benchmark's convention), used where no
 * tokenizer is configured yet (e.g. `contextzip chunks`).
 */
export const estimateTokens: TokenCounter = (text) => Math.ceil(text.length / 3.5);
