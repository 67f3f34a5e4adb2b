// Lazy start-up (issue #13 item 5): a lazy chunker loads no grammar until files need one, then
// only the grammars of the languages present; compressSources' shared chunker does the same;
// the o200k encoding loads on the first count, not when its counter is created. Each test file
// runs in its own process, so the lists start empty.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createChunker, loadedGrammars } from '../../src/core/chunk/index.js';
import { getSharedChunker } from '../../src/core/code/compress-sources.js';
import { createTokenCounter, loadedEncodings } from '../../src/core/tokens/index.js';

describe('lazy start-up', () => {
  it('loads only the grammars of the languages present', async () => {
    assert.deepEqual(loadedGrammars(), []);
    const chunker = await createChunker({ lazy: true });
    assert.deepEqual(chunker.languages, []);
    assert.deepEqual(loadedGrammars(), []);
    const loaded = await chunker.loadFor([
      { file: 'a.py', text: 'def f():\n    return 1\n' },
      { file: 'README.md', text: '# Title\n' },
      { file: 'notes.txt', text: 'plain' },
      { file: 'b.py', text: 'x = 1\n' },
    ]);
    assert.deepEqual(loaded, ['python']);
    assert.deepEqual(loadedGrammars(), ['python']);
    assert.deepEqual(chunker.languages, ['python']);
    assert.equal(chunker.chunkFile('a.py', 'def f():\n    return 1\n').method, 'tree-sitter');
    // A language not loaded yet falls back to line chunks until loadFor is called for it.
    assert.equal(chunker.chunkFile('c.go', 'package main\n').method, 'fallback');
    assert.deepEqual(await chunker.loadFor([{ file: 'c.go' }, { file: 'a.py' }]), ['go']);
    assert.deepEqual([...loadedGrammars()].sort(), ['go', 'python']);
    chunker.dispose();

    const shared = await getSharedChunker();
    assert.deepEqual(shared.languages, []);
    await shared.loadFor([{ file: 'src/x.ts' }, { file: 'src/y.ts' }]);
    assert.deepEqual(shared.languages, ['typescript']);
    assert.deepEqual([...loadedGrammars()].sort(), ['go', 'python', 'typescript']);
  });

  it('loads the o200k encoding on the first count', () => {
    assert.deepEqual(loadedEncodings(), []);
    const count = createTokenCounter('o200k_base');
    assert.deepEqual(loadedEncodings(), []);
    assert.equal(count(''), 0);
    assert.deepEqual(loadedEncodings(), []);
    assert.equal(count('hello world'), 2);
    assert.deepEqual(loadedEncodings(), ['o200k_base']);
  });
});
