/**
 * Token counting in the *target* assistant's tokenizer. Budgets are promises about what the
 * assistant will see, so they are counted in its tokenizer (o200k_base for GPT-4o/GPT-5-class
 * models, cl100k_base for GPT-4/3.5-class), not in the compressor model's.
 * gpt-tokenizer is a maintained pure-JS port of tiktoken's encodings (no native code, no
 * downloads); encodings are loaded lazily so the CLI only pays for the one it uses.
 */
import { UsageError } from '../errors.js';
import { estimateTokens, type TokenCounter } from './estimate.js';

export type { TokenCounter } from './estimate.js';
export { estimateTokens } from './estimate.js';

export type TokenizerName = 'o200k_base' | 'cl100k_base' | 'estimate' | 'model';

export const TOKENIZER_NAMES: readonly TokenizerName[] = ['o200k_base', 'cl100k_base', 'estimate', 'model'];

interface GptEncodingModule {
  countTokens(text: string, options?: { disallowedSpecial?: Set<string> }): number;
}

/** Count special-token text (e.g. "<|endoftext|>" inside user code) as ordinary text. */
const PLAIN_TEXT = { disallowedSpecial: new Set<string>() };

const loaded = new Map<string, TokenCounter>();

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
        const mod = loadEncoding(name);
        counter = (text: string) => (text.length === 0 ? 0 : mod.countTokens(text, PLAIN_TEXT));
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
  /* eslint-disable @typescript-eslint/no-require-imports */
  if (name === 'o200k_base') return require('gpt-tokenizer/encoding/o200k_base') as GptEncodingModule;
  return require('gpt-tokenizer/encoding/cl100k_base') as GptEncodingModule;
  /* eslint-enable @typescript-eslint/no-require-imports */
}
