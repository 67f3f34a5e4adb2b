// Caches that last (issue #13 item 3): token counts served from a bounded LRU and from a file
// after a restart (the underlying tokenizer is not called again), the cache folder's size cap
// (other models' files deleted oldest first, the current model's kept), score-file compaction,
// and the adaptive thread count.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import {
  CacheFolder,
  chooseThreads,
  createScorer,
  embeddedModelDir,
  parseThreadsSetting,
  PersistentScoreCache,
  pruneCacheFolder,
  type ScoreResult,
} from '../../src/core/model/index.js';
import { TransformersScorer } from '../../src/core/model/transformers-scorer.js';
import { WordAssociation } from '../../src/core/model/word-association.js';
import { TokenCountCache } from '../../src/core/tokens/count-cache.js';
import { createTokenCounter, targetCountCache } from '../../src/core/tokens/index.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cz-caches-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A counter that counts words and records every text it was asked about. */
function spyCounter(): { counter: (t: string) => number; calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    counter: (t: string) => {
      calls.push(t);
      return t.split(/\s+/).filter(Boolean).length;
    },
  };
}

describe('token-count cache', () => {
  it('asks the tokenizer once per distinct text and evicts the least recently used', () => {
    const spy = spyCounter();
    const cache = new TokenCountCache(2);
    const count = cache.wrap(spy.counter);
    assert.equal(count('a b'), 2);
    assert.equal(count('a b'), 2);
    assert.equal(count('c d e'), 3);
    assert.deepEqual(spy.calls, ['a b', 'c d e']);
    assert.equal(count('a b'), 2); // hit: 'a b' becomes the most recently used
    assert.equal(count('f'), 1); // evicts 'c d e', the least recently used
    assert.equal(cache.size, 2);
    assert.equal(count('a b'), 2);
    assert.equal(count('c d e'), 3);
    assert.deepEqual(spy.calls, ['a b', 'c d e', 'f', 'c d e']);
    assert.equal(cache.hits, 3);
    assert.equal(cache.misses, 4);
    // Empty text and lone surrogates are passed through, never cached.
    assert.equal(count(''), 0);
    count('x \uD800');
    count('x \uD800');
    assert.deepEqual(spy.calls.slice(4), ['', 'x \uD800', 'x \uD800']);
  });

  it('serves counts from its file after a restart, ignores foreign and corrupt files, merges runs', () => {
    const file = path.join(tmp, 'counts', 'tokens-test.bin');
    const first = spyCounter();
    const a = new TokenCountCache();
    const countA = a.wrap(first.counter);
    for (const t of ['one two', 'three', 'four five six']) countA(t);
    assert.equal(a.save(file, 'tok-1'), true);

    const again = spyCounter();
    const b = new TokenCountCache();
    assert.equal(b.load(file, 'tok-1'), 3);
    const countB = b.wrap(again.counter);
    assert.deepEqual(
      ['one two', 'three', 'four five six'].map((t) => countB(t)),
      [2, 1, 3],
    );
    assert.deepEqual(again.calls, []);

    assert.equal(new TokenCountCache().load(file, 'tok-2'), 0); // another tokenizer's file
    // Another run adds an entry; saving b merges it instead of overwriting.
    const c = new TokenCountCache();
    c.load(file, 'tok-1');
    c.wrap(spyCounter().counter)('seven');
    c.save(file, 'tok-1');
    countB('eight nine');
    b.save(file, 'tok-1');
    assert.equal(new TokenCountCache().load(file, 'tok-1'), 5);
    // A bound on the file keeps the newest entries.
    b.save(file, 'tok-1', 2);
    const d = new TokenCountCache();
    assert.equal(d.load(file, 'tok-1'), 2);

    fs.writeFileSync(file, fs.readFileSync(file).subarray(0, 30)); // truncated
    assert.equal(new TokenCountCache().load(file, 'tok-1'), 0);
  });

  it("serves the model tokenizer's and o200k counts from the cache folder after a restart", async () => {
    const dir = path.join(tmp, 'scores-restart');
    const texts = ['def add(a, b):\n    return a + b\n', 'class Foo:\n    pass\n', 'print("hello")\n'];
    const underlying: string[] = [];
    const original = TransformersScorer.prototype.countTokens;
    TransformersScorer.prototype.countTokens = function (this: TransformersScorer, text: string) {
      underlying.push(text);
      return original.call(this, text);
    };
    try {
      const open = () =>
        CacheFolder.open({
          dir,
          fingerprint: 'fp0123456789abcd',
          model: { id: 'embedded', dtype: 'q8' },
          targetTokenizer: 'o200k_base',
        })!;
      // First run: everything is tokenized once.
      const f1 = open();
      const s1 = await createScorer({ cache: f1.scores, tokenCounts: f1.modelCounts });
      const o200k = createTokenCounter('o200k_base');
      const modelCounts = texts.map((t) => s1.countTokens(t));
      const targetCounts = texts.map((t) => o200k(t));
      assert.deepEqual(
        texts.map((t) => s1.countTokens(t)),
        modelCounts,
      );
      await s1.dispose();
      assert.deepEqual(underlying, texts);
      f1.save();
      assert.ok(fs.existsSync(path.join(dir, 'tokens-fp0123456789abcd.bin')));
      assert.ok(fs.existsSync(path.join(dir, 'tokens-o200k_base.bin')));

      // "Restart": fresh caches, loaded from the folder.
      underlying.length = 0;
      targetCountCache('o200k_base').clear();
      const f2 = open();
      const s2 = await createScorer({ cache: f2.scores, tokenCounts: f2.modelCounts });
      assert.deepEqual(
        texts.map((t) => s2.countTokens(t)),
        modelCounts,
      );
      await s2.dispose();
      assert.deepEqual(underlying, []);
      const target = targetCountCache('o200k_base');
      const misses = target.misses;
      assert.deepEqual(
        texts.map((t) => o200k(t)),
        targetCounts,
      );
      assert.equal(target.misses, misses);
    } finally {
      TransformersScorer.prototype.countTokens = original;
    }
  });
});

describe('cache folder size cap', () => {
  const write = (dir: string, name: string, bytes: number, ageSeconds: number) => {
    const p = path.join(dir, name);
    fs.writeFileSync(p, Buffer.alloc(bytes, 1));
    const t = new Date(Date.now() - ageSeconds * 1000);
    fs.utimesSync(p, t, t);
  };

  it('deletes other cache files oldest first down to the cap, keeps the current ones and foreign files', () => {
    const dir = path.join(tmp, 'prune');
    fs.mkdirSync(dir);
    write(dir, 'scores-current.json', 500, 9000); // the oldest, but in use
    write(dir, 'scores-aaaa.json', 400, 3000);
    write(dir, 'tokens-bbbb.bin', 300, 2000);
    write(dir, 'tokens-o200k_base.bin', 100, 1000);
    write(dir, 'keep-me.txt', 10_000, 99_000); // not a cache file: neither counted nor deleted
    const r = pruneCacheFolder(dir, 700, [path.join(dir, 'scores-current.json')]);
    assert.deepEqual(r.deleted, ['scores-aaaa.json', 'tokens-bbbb.bin']);
    assert.equal(r.bytes, 600);
    assert.deepEqual(fs.readdirSync(dir).sort(), ['keep-me.txt', 'scores-current.json', 'tokens-o200k_base.bin']);
    // Under the cap: nothing to do.
    assert.deepEqual(pruneCacheFolder(dir, 700, []).deleted, []);
    // The current model's files stay even when they alone are over the cap.
    assert.deepEqual(pruneCacheFolder(dir, 10, [path.join(dir, 'scores-current.json')]).deleted, [
      'tokens-o200k_base.bin',
    ]);
  });

  it("a save prunes other models' files and compacts the score file to its share of the cap", () => {
    const dir = path.join(tmp, 'folder-cap');
    fs.mkdirSync(dir);
    write(dir, 'scores-old1.json', 250_000, 5000);
    write(dir, 'scores-old2.json', 100_000, 4000);
    const folder = CacheFolder.open({
      dir,
      fingerprint: 'cur',
      model: { id: 'embedded', dtype: 'q8' },
      maxMB: 1, // 1 MB: the score file gets 70% of it
    })!;
    const text = 'x'.repeat(4000);
    for (let i = 0; i < 300; i++) folder.scores.set(`k${i}`, result(`${i}:${text}`));
    const { pruned } = folder.save();
    const size = fs.statSync(path.join(dir, 'scores-cur.json')).size;
    assert.ok(size <= 0.7 * 1024 * 1024, `score file ${size} bytes`);
    assert.ok(size > 0.6 * 1024 * 1024, `score file ${size} bytes`);
    assert.deepEqual(pruned, ['scores-old1.json']);
    // The newest entries survive compaction, the oldest went.
    const reread = new PersistentScoreCache(path.join(dir, 'scores-cur.json'), { id: 'embedded', dtype: 'q8' });
    const n = reread.load();
    assert.ok(n > 100 && n < 300, `${n} entries`);
    assert.ok(reread.get('k299'));
    assert.equal(reread.get('k0'), undefined);
  });
});

function result(text: string): ScoreResult {
  return {
    tokens: [{ id: 1, text, logprob: -1, start: 0, end: text.length }],
    totalLogprob: -1,
    perplexity: Math.E,
    contextTruncated: false,
    tokensProcessed: 1,
  };
}

describe('word-association normalizers', () => {
  it('are cached by chunk text and give the same relevance to the bit', () => {
    const wa = WordAssociation.load(embeddedModelDir())!;
    const q = wa.wordIds('parse the configuration file and validate its entries');
    const chunks = [
      'function parseConfig(path) {\n  return JSON.parse(fs.readFileSync(path, "utf8"));\n}\n',
      'class Cache {\n  validate(entry) { return entry.ok; }\n}\n',
    ];
    wa.normalizers = undefined;
    const plain = chunks.map((c) => wa.relevance(q, c));
    const cache = new TokenCountCache();
    wa.normalizers = cache;
    const first = chunks.map((c) => wa.relevance(q, c));
    const again = chunks.map((c) => wa.relevance(q, c));
    assert.deepEqual(first, plain);
    assert.deepEqual(again, plain);
    assert.equal(cache.misses, 2);
    assert.equal(cache.hits, 2);
    // Another query reuses the normalizers: they depend on the chunk only.
    wa.relevance(wa.wordIds('read a file'), chunks[0]);
    assert.equal(cache.hits, 3);
  });
});

describe('thread count', () => {
  it('auto: two threads with at least 1.5 idle cores, else one; numbers as given within the cores', () => {
    assert.equal(chooseThreads('auto', { cores: 2, load1: 0.2 }), 2);
    assert.equal(chooseThreads('auto', { cores: 2, load1: 0.5 }), 2);
    assert.equal(chooseThreads('auto', { cores: 2, load1: 0.6 }), 1);
    assert.equal(chooseThreads('auto', { cores: 2, load1: 3.1 }), 1);
    assert.equal(chooseThreads('auto', { cores: 1, load1: 0 }), 1);
    assert.equal(chooseThreads('auto', { cores: 16, load1: 4 }), 2);
    assert.equal(chooseThreads('auto', { cores: 16, load1: 15 }), 1);
    assert.equal(chooseThreads(undefined, { cores: 16, load1: 0 }), 1);
    assert.equal(chooseThreads(3, { cores: 16, load1: 15 }), 3);
    assert.equal(chooseThreads(8, { cores: 4, load1: 0 }), 4);
    assert.equal(chooseThreads(0, { cores: 4, load1: 0 }), 1);
    assert.equal(parseThreadsSetting('auto'), 'auto');
    assert.equal(parseThreadsSetting('2'), 2);
    assert.equal(parseThreadsSetting(3), 3);
    assert.equal(parseThreadsSetting('0'), null);
    assert.equal(parseThreadsSetting('1.5'), null);
    assert.equal(parseThreadsSetting('many'), null);
  });
});
