/**
 * Token counting in the *target* assistant's tokenizer. Budgets are promises about what the
 * assistant will see, so they are counted in its tokenizer (o200k_base for GPT-4o/GPT-5-class
 * models, cl100k_base for GPT-4/3.5-class), not in the compressor model's.
 * gpt-tokenizer is a maintained pure-JS port of tiktoken's encodings (no native code, no
 * downloads); an encoding is loaded on its first count, so a run whose counts all come from
 * the token-count cache (count-cache.ts) never loads it. Counts of both encodings go through
 * one process-wide count cache per encoding (`targetCountCache`).
 */
import { UsageError } from '../errors.js';
import { TokenCountCache } from './count-cache.js';
import { estimateTokens, type TokenCounter } from './estimate.js';

export type { TokenCounter } from './estimate.js';
export { estimateTokens } from './estimate.js';
export { DEFAULT_COUNT_CACHE_ENTRIES, TokenCountCache } from './count-cache.js';

export type TokenizerName = 'o200k_base' | 'cl100k_base' | 'estimate' | 'model';

export const TOKENIZER_NAMES: readonly TokenizerName[] = ['o200k_base', 'cl100k_base', 'estimate', 'model'];

interface GptEncodingModule {
  countTokens(text: string, options?: { disallowedSpecial?: Set<string> }): number;
}

/** Count special-token text (e.g. "<|endoftext|>" inside user code) as ordinary text. */
const PLAIN_TEXT = { disallowedSpecial: new Set<string>() };

const loaded = new Map<string, TokenCounter>();
const countCaches = new Map<string, TokenCountCache>();
const encodingsLoaded = new Set<string>();

/** The process-wide count cache of a target encoding (o200k_base, cl100k_base). */
export function targetCountCache(name: 'o200k_base' | 'cl100k_base'): TokenCountCache {
  let cache = countCaches.get(name);
  if (!cache) {
    cache = new TokenCountCache();
    countCaches.set(name, cache);
  }
  return cache;
}

/** The target encodings this process has loaded so far (for start-up tests and logs). */
export function loadedEncodings(): string[] {
  return [...encodingsLoaded];
}

/**
 * Returns a counter for a named tokenizer. 'model' needs the compressor model's own counter
 * (pass it as `modelCounter`); without it, it falls back to the estimate.
 */
export function createTokenCounter(name: string, modelCounter?: TokenCounter): TokenCounter {
  switch (name) {
    case 'estimate':
      return estimateTokens;
    case 'model':
      return modelCounter ?? estimateTokens;
    case 'o200k_base':
    case 'cl100k_base': {
      let counter = loaded.get(name);
      if (!counter) {
        let mod: GptEncodingModule | undefined;
        const count = (text: string) => {
          if (text.length === 0) return 0;
          mod ??= loadEncoding(name);
          return mod.countTokens(text, PLAIN_TEXT);
        };
        counter = targetCountCache(name).wrap(count);
        loaded.set(name, counter);
      }
      return counter;
    }
    default:
      throw new UsageError(`Unknown tokenizer "${name}". Use one of: ${TOKENIZER_NAMES.join(', ')}.`);
  }
}

function loadEncoding(name: 'o200k_base' | 'cl100k_base'): GptEncodingModule {
  // Static requires so the bundler includes both encodings.
  encodingsLoaded.add(name);
  /* eslint-disable @typescript-eslint/no-require-imports */
  if (name === 'o200k_base') return require('gpt-tokenizer/encoding/o200k_base') as GptEncodingModule;
  return require('gpt-tokenizer/encoding/cl100k_base') as GptEncodingModule;
  /* eslint-enable @typescript-eslint/no-require-imports */
}
