// Code compression end to end with the real embedded model and real tree-sitter chunks:
// budgets, verbatim kept text, markers per language, the completion scenario, untouched
// output when everything fits, clear errors, and cache reuse after a one-function edit.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createChunker, type Chunker } from '../../src/core/chunk/index.js';
import { bm25Scores } from '../../src/core/code/bm25.js';
import { compressCode } from '../../src/core/code/compress.js';
import { ChunkedFileCache } from '../../src/core/chunk/chunked-file-cache.js';
import { compressSources, type SourceText } from '../../src/core/code/compress-sources.js';
import { cheapRelevance } from '../../src/core/code/rank.js';
import { UsageError } from '../../src/core/errors.js';
import { createScorer, ScoreCache, type Scorer } from '../../src/core/model/index.js';
import { createTokenCounter } from '../../src/core/tokens/index.js';
import type { CompressionResult } from '../../src/core/types.js';

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'chunk');
const read = (f: string): SourceText => ({ file: f, text: fs.readFileSync(path.join(FIXTURES, f), 'utf8') });
const countTokens = createTokenCounter('o200k_base');

/** Every output line is a file header, an omission marker, or a verbatim line of a kept range. */
/** Ranks 1..n over the ranked chunks, each once. */
function assertRanksArePermutation(result: CompressionResult): void {
  const ranks = result.chunks
    .filter((c) => c.rank > 0)
    .map((c) => c.rank)
    .sort((a, b) => a - b);
  assert.deepEqual(
    ranks,
    ranks.map((_, i) => i + 1),
  );
}

function assertVerbatim(result: CompressionResult, sources: SourceText[]): void {
  const expected: string[] = [];
  for (const src of sources) {
    const lines = src.text.split(/(?<=\n)/);
    const kept = result.chunks.filter((c) => c.file === src.file).flatMap((c) => c.keptLines);
    const keptSet = new Set<number>();
    for (const [a, b] of kept) for (let l = a; l <= b; l++) keptSet.add(l);
    lines.forEach((l, i) => {
      if (keptSet.has(i + 1)) expected.push(l.endsWith('\n') ? l : `${l}\n`);
    });
  }
  const isHeader = (l: string) => /^(#|\/\/) ===== .+ =====$/.test(l);
  const isMarker = (l: string) => /^\s*(#|\/\/)? ?… .* omitted \(L\d+(–L\d+)?\)$/.test(l);
  const body = result.text.split(/(?<=\n)/).filter((l) => !isHeader(l.trimEnd()) && !isMarker(l.trimEnd()));
  // Blank lines between kept lines are kept too; compare non-blank content in order.
  const nonBlank = (xs: string[]) => xs.filter((l) => l.trim() !== '');
  assert.deepEqual(nonBlank(body), nonBlank(expected));
}

describe('compressCode with the embedded model', () => {
  let scorer: Scorer;
  let chunker: Chunker;
  const sources = ['inventory.py', 'router.ts', 'server.go', 'config.rs'].map(read);

  before(async () => {
    scorer = await createScorer({ model: 'embedded', dtype: 'q8' });
    chunker = await createChunker({ countTokens });
  });
  after(async () => {
    await scorer.dispose();
    chunker.dispose();
  });
  /** The four fixture files compressed to 30% for `query`, with extra options. */
  const compressAt30 = (query: string, extra: Partial<Parameters<typeof compressSources>[0]> = {}) =>
    compressSources({ sources, chunker, query, budget: { ratio: 0.3 }, scorer, countTokens, ...extra });

  it('never exceeds the budget and keeps text verbatim across many random budgets', async () => {
    const first = await compressSources({
      sources,
      chunker,
      query: 'parse the configuration file and validate the port',
      budget: { ratio: 0.3 },
      scorer,
      countTokens,
    });
    const original = first.originalTokens;
    let seed = 7;
    const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    for (let trial = 0; trial < 12; trial++) {
      const budget = 40 + Math.floor(rnd() * (original - 40));
      const r = await compressSources({
        sources,
        chunker,
        query: 'parse the configuration file and validate the port',
        budget: { tokens: budget },
        scorer,
        countTokens,
      });
      assert.ok(r.compressedTokens <= budget, `budget ${budget}: got ${r.compressedTokens}`);
      assert.equal(r.compressedTokens, countTokens(r.text));
      assert.equal(r.budget, budget);
      assertVerbatim(r, sources);
      assertRanksArePermutation(r);
    }
  });

  it('hybrid ranking (opt-in) reorders by AMI fused with BM25, keeps AMI scores and the budget', async () => {
    const query = 'parse the configuration file and validate the port';
    const ami = await compressAt30(query, { ranking: 'ami' });
    const hybrid = await compressAt30(query, { ranking: 'hybrid' });
    assert.ok(hybrid.compressedTokens <= hybrid.budget);
    assertRanksArePermutation(hybrid);
    // Same AMI per chunk (from the same passes); only the order may differ.
    hybrid.chunks.forEach((c, i) => assert.equal(c.score, ami.chunks[i].score));

    // The expected order, computed here: reciprocal-rank fusion (k = 60) of the AMI order and
    // the BM25 order of `${name} ${text}` over the same chunks (the chunker's, same sources).
    const flat = sources.flatMap((s) => chunker.chunkFile(s.file, s.text, { countTokens }).chunks);
    assert.equal(flat.length, ami.chunks.length);
    const amiOrder = ami.chunks
      .map((c, index) => ({ index, rank: c.rank }))
      .filter((x) => x.rank > 0)
      .sort((a, b) => a.rank - b.rank)
      .map((x) => x.index);
    const lex = bm25Scores(
      amiOrder.map((i) => `${flat[i].name} ${flat[i].text}`),
      query,
    );
    const lexRank = new Map(
      lex
        .map((score, pos) => ({ score, pos }))
        .sort((a, b) => b.score - a.score || a.pos - b.pos)
        .map((x, k) => [x.pos, k + 1]),
    );
    const expected = amiOrder
      .map((index, pos) => ({ index, fused: 1 / (60 + pos + 1) + 1 / (60 + lexRank.get(pos)!) }))
      .sort((a, b) => b.fused - a.fused || a.index - b.index)
      .map((x) => x.index);
    const hybridOrder = hybrid.chunks
      .map((c, index) => ({ index, rank: c.rank }))
      .filter((x) => x.rank > 0)
      .sort((a, b) => a.rank - b.rank)
      .map((x) => x.index);
    assert.notDeepEqual(hybridOrder, amiOrder, 'hybrid ranking changes the AMI order');
    assert.deepEqual(hybridOrder, expected);
  });

  it('fused ranking (default) puts the configuration parser first, holds the budget, ranks every chunk once', async () => {
    const query = 'parse the configuration file and validate the port';
    const fused = await compressAt30(query);
    assert.ok(fused.compressedTokens <= fused.budget);
    assertRanksArePermutation(fused);
    const top = fused.chunks.filter((c) => c.rank > 0).sort((a, b) => a.rank - b.rank);
    // config.rs line 29 is `pub fn parse(text: &str)`: its chunk ranks in the top 3 and is kept.
    const parser = top.findIndex((c) => c.file === 'config.rs' && c.startLine <= 29 && 29 <= c.endLine);
    assert.ok(parser >= 0 && parser < 3, `rank of the parser: ${parser + 1}`);
    assert.equal(top[parser].status, 'kept');
    assert.ok(top.slice(0, 6).every((c) => c.file === 'config.rs'));
  });

  it('prefilter: only the N chunks the cheap signals rank best go through the model; the rest rank after them', async () => {
    const query = 'parse the configuration file and validate the port';
    const full = await compressAt30(query);
    const pre = await compressAt30(query, { prefilter: 3 });
    assert.ok(pre.compressedTokens <= pre.budget);
    assertRanksArePermutation(pre);
    const chunks = sources.flatMap((src) => chunker.chunkFile(src.file, src.text, { countTokens }).chunks);
    const rankable = chunks.map((c, i) => ({ c, i })).filter(({ c }) => c.text.trim() !== '');
    const cheap = cheapRelevance(rankable, query, scorer);
    const top3 = rankable
      .map((x, k) => ({ i: x.i, s: cheap[k] }))
      .sort((a, b) => b.s - a.s)
      .slice(0, 3)
      .map((x) => x.i)
      .sort((a, b) => a - b);
    const firstThree = pre.chunks
      .map((c, i) => ({ c, i }))
      .filter(({ c }) => c.rank >= 1 && c.rank <= 3)
      .map(({ i }) => i)
      .sort((a, b) => a - b);
    assert.deepEqual(firstThree, top3);
    assert.ok(pre.modelTokensProcessed < full.modelTokensProcessed);
  });

  it('scores each chunk once: the fine stage reuses the ranking pass for line surprisal', async () => {
    const seen: Array<{ context: string; text: string; scoreContext?: boolean }> = [];
    const recording: Scorer = Object.create(scorer) as Scorer;
    recording.score = (requests, options) => {
      seen.push(...requests);
      return scorer.score(requests, options);
    };
    // The same model without the context's tokens: the fine stage must score chunks itself.
    const twoPass: Scorer = Object.create(scorer) as Scorer;
    twoPass.score = async (requests, options) =>
      (await scorer.score(requests, options)).map(({ contextTokens: _omit, ...r }) => r);
    const query = 'parse the configuration file and validate the port';
    const at15 = (s: Scorer) =>
      compressSources({ sources, chunker, query, budget: { ratio: 0.15 }, scorer: s, countTokens });
    const one = await at15(recording);
    const two = await at15(twoPass);
    assert.ok(seen.some((q) => q.scoreContext));
    // No chunk text is scored from BOS on its own: that pass happened while ranking.
    const chunkTexts = new Set(
      sources.flatMap((src) => chunker.chunkFile(src.file, src.text, { countTokens }).chunks.map((c) => c.text)),
    );
    assert.deepEqual(
      seen.filter((q) => q.context === '' && chunkTexts.has(q.text)),
      [],
    );
    assert.ok(
      one.modelTokensProcessed < two.modelTokensProcessed,
      `${one.modelTokensProcessed} model tokens with one pass, ${two.modelTokensProcessed} with two`,
    );
    assert.deepEqual(
      one.chunks.map((c) => [c.rank, c.status, c.keptLines]),
      two.chunks.map((c) => [c.rank, c.status, c.keptLines]),
    );
    assert.ok(one.compressedTokens <= one.budget);
    assertVerbatim(one, sources);
  });

  it('parses only what changed since the last run with the same chunker', async () => {
    const query = 'parse the configuration file and validate the port';
    const cache = new ChunkedFileCache();
    const at30 = (srcs: SourceText[], chunkedFiles: ChunkedFileCache | null) =>
      compressSources({ sources: srcs, chunker, query, budget: { ratio: 0.3 }, scorer, countTokens, chunkedFiles });
    const first = await at30(sources, cache);
    assert.equal(cache.hits, 0);
    assert.equal(cache.size, 4);
    const again = await at30(sources, cache);
    assert.equal(cache.hits, 4);
    assert.equal(again.text, first.text);
    // One file edited: it alone is parsed again, and the result is what a fresh parse gives.
    const edited = sources.map((s) =>
      s.file === 'server.go' ? { ...s, text: s.text.replace('\n', '\n// edited\n') } : s,
    );
    const warm = await at30(edited, cache);
    assert.equal(cache.hits, 7);
    assert.equal(cache.size, 5);
    const fresh = await at30(edited, null);
    assert.equal(warm.text, fresh.text);
    assert.deepEqual(
      warm.chunks.map((c) => [c.file, c.startLine, c.endLine, c.tokens, c.rank]),
      fresh.chunks.map((c) => [c.file, c.startLine, c.endLine, c.tokens, c.rank]),
    );
  });

  it('a new process reuses the saved chunk layouts: same chunks, no parse; a changed file is parsed', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cz-layouts-'));
    const file = path.join(dir, 'chunks-test.json');
    try {
      const first = new ChunkedFileCache();
      const opts = { countTokens };
      const fresh = sources.map((s) => first.get(s.file, s.text, opts, () => chunker.chunkFile(s.file, s.text, opts)));
      assert.equal(first.save(file), true);
      assert.equal(first.save(file), false); // nothing new to write
      const second = new ChunkedFileCache();
      assert.equal(second.load(file), 4);
      let parsed = 0;
      const edited = sources.map((s) => (s.file === 'router.ts' ? { ...s, text: `// edited\n${s.text}` } : s));
      const again = edited.map((s) =>
        second.get(s.file, s.text, opts, () => {
          parsed++;
          return chunker.chunkFile(s.file, s.text, opts);
        }),
      );
      assert.equal(parsed, 1);
      assert.equal(second.hits, 3);
      again.forEach((f, k) => {
        if (sources[k].file === 'router.ts') return;
        assert.deepEqual(f, fresh[k]); // text sliced back from the source, tokens recounted
      });
      // A corrupt file is an empty cache.
      fs.writeFileSync(file, '{"format":"contextzip-chunk-layouts-v1","layouts":{"k":{"chunks":[1]}}}');
      assert.equal(new ChunkedFileCache().load(file), 0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('uniform AMI weighting (LongCodeZip) ranks the same chunks, differs in score, holds the budget', async () => {
    const query = 'parse the configuration file and validate the port';
    const weighted = await compressAt30(query);
    const uniform = await compressAt30(query, { amiWeighting: 'uniform' });
    assert.ok(uniform.compressedTokens <= uniform.budget);
    assertRanksArePermutation(uniform);
    assertVerbatim(uniform, sources);
    assert.deepEqual(
      uniform.chunks.map((c) => c.rank > 0),
      weighted.chunks.map((c) => c.rank > 0),
    );
    assert.ok(
      uniform.chunks.some((c, i) => c.rank > 0 && c.score !== weighted.chunks[i].score),
      'the weighting changes the AMI values',
    );
  });

  it('writes omission markers in each language comment syntax', async () => {
    const r = await compressSources({
      sources,
      chunker,
      query: 'route a request to its handler',
      budget: { ratio: 0.25 },
      scorer,
      countTokens,
    });
    const sections = r.text.split(/^(?=(?:#|\/\/) ===== )/m);
    for (const s of sections) {
      const header = s.split('\n')[0];
      const markers = s.split('\n').filter((l) => /… .* omitted \(L/.test(l));
      if (header.includes('inventory.py')) {
        assert.match(header, /^# ===== inventory\.py =====$/);
        markers.forEach((m) => assert.match(m, /^\s*# … /));
      } else if (header.trim() !== '') {
        assert.match(header, /^\/\/ ===== /);
        markers.forEach((m) => assert.match(m, /^\s*\/\/ … /));
      }
    }
    assert.ok(r.text.includes('omitted (L'), 'some code was omitted');
  });

  it('returns everything untouched, without model work, when it fits', async () => {
    const r = await compressSources({
      sources: [read('inventory.py')],
      chunker,
      query: 'anything',
      budget: { ratio: 1 },
      scorer,
      countTokens,
    });
    assert.equal(r.modelTokensProcessed, 0);
    assert.equal(r.text, `# ===== inventory.py =====\n${read('inventory.py').text}`);
    assert.ok(r.chunks.every((c) => c.status === 'kept'));
  });

  it('says so when the query alone exceeds the budget, or is empty', async () => {
    await assert.rejects(
      compressSources({ sources, chunker, query: 'word '.repeat(200), budget: { tokens: 100 }, scorer, countTokens }),
      (e: Error) =>
        e instanceof UsageError && /query alone takes \d+ tokens, more than the budget of 100/.test(e.message),
    );
    await assert.rejects(
      compressSources({ sources, chunker, query: '   ', budget: { tokens: 100 }, scorer, countTokens }),
      /query is empty/,
    );
  });

  it('completion scenario: the code before the cursor is the query and its chunk is always kept', async () => {
    const file = sources[1];
    const marker = file.text.indexOf('\n', file.text.length / 2);
    const r = await compressSources({
      sources,
      chunker,
      query: '',
      cursor: { file: file.file, offset: marker },
      budget: { ratio: 0.2 },
      scorer,
      countTokens,
    });
    const at = r.chunks.find((c) => c.file === file.file && c.rank === 0 && c.status === 'kept');
    assert.ok(at, 'the chunk under the cursor is kept and unranked');
    const lineOfCursor = file.text.slice(0, marker).split('\n').length;
    assert.ok(at!.startLine <= lineOfCursor && lineOfCursor <= at!.endLine);
    assert.ok(r.compressedTokens <= r.budget);
  });

  it('re-scores only the edited function after a one-function edit', async () => {
    const cache = new ScoreCache();
    const cached = await createScorer({ model: 'embedded', dtype: 'q8', cache });
    try {
      const src = read('inventory.py');
      const files1 = [chunker.chunkFile(src.file, src.text, { countTokens })];
      const query = 'reserve stock for an order';
      const r1 = await compressCode({ files: files1, query, budget: { ratio: 0.4 }, scorer: cached, countTokens });
      // The same input again: every pass is a cache hit.
      const missesAfterFirst = cache.misses;
      const again = await compressCode({ files: files1, query, budget: { ratio: 0.4 }, scorer: cached, countTokens });
      assert.equal(cache.misses, missesAfterFirst);
      assert.equal(again.modelTokensFromCache, again.modelTokensProcessed);
      assert.equal(again.text, r1.text);
      // Edit the body of one function (same line count, different text).
      const target = files1[0].chunks.find((c) => c.kind === 'function' || c.kind === 'method')!;
      const edited =
        src.text.slice(0, target.startOffset) +
        target.text.replace(/\breturn\b/, 'return  ') +
        src.text.slice(target.endOffset);
      assert.notEqual(edited, src.text);
      const files2 = [chunker.chunkFile(src.file, edited, { countTokens })];
      const missesBefore = cache.misses;
      const r2 = await compressCode({ files: files2, query, budget: { ratio: 0.4 }, scorer: cached, countTokens });
      // New passes: the edited chunk's coarse pair and, if it is pruned in the fine stage, its
      // line pass and the one changed block. Everything else comes from the cache.
      const misses = cache.misses - missesBefore;
      assert.ok(misses >= 1 && misses <= 3, `${misses} new passes`);
      assert.ok((r2.modelTokensFromCache as number) > (r2.modelTokensProcessed as number) / 2);
    } finally {
      await cached.dispose();
    }
  });
});
