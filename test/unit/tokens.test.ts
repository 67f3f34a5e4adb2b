// Target-tokenizer counting: exact counts for known strings, special-token text counted as
// plain text, and clear errors for unknown tokenizer names.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createTokenCounter, estimateTokens } from '../../src/core/tokens/index.js';

describe('token counters', () => {
  it('counts with o200k_base and cl100k_base exactly', () => {
    const o200k = createTokenCounter('o200k_base');
    const cl100k = createTokenCounter('cl100k_base');
    assert.equal(o200k(''), 0);
    assert.equal(o200k('hello world'), 2);
    assert.equal(cl100k('hello world'), 2);
    // Different vocabularies split code differently.
    const code =
      'function parseConfig(path: string): Config {\n  return JSON.parse(fs.readFileSync(path, "utf8"));\n}\n';
    assert.ok(o200k(code) > 10 && cl100k(code) > 10);
  });

  it('counts special-token text inside user code as ordinary text', () => {
    const o200k = createTokenCounter('o200k_base');
    assert.ok(o200k('const sep = "<|endoftext|>";') > 5);
  });

  it('estimates as characters / 3.5 and rejects unknown names', () => {
    assert.equal(estimateTokens('abcdefg'), 2);
    assert.equal(createTokenCounter('estimate')('abcdefgh'), 3);
    assert.equal(createTokenCounter('model', (t) => t.length)('abc'), 3);
    assert.throws(() => createTokenCounter('p50k'), /Unknown tokenizer "p50k"/);
  });
});
