// Development check of needle ranking, in-process (no CLI start-up per call): the needle
// chunk's AMI rank, MRR, and retention at one ratio (trimmed-line multiset, 80 %). The
// official numbers come from bench/needle/run.mjs with the data set's own scorer.
//
//   npx tsx bench/needle/quick-eval.ts DATA_DIR/tasks.jsonl [--ratio 0.2] [--model embedded] [--dtype q8] [--limit N]
//     [--ranking ami,hybrid] [--framing plain|comment] [--weighting surprisal|uniform]
import { parseArgs } from 'node:util';
import { createChunker } from '../../src/core/chunk/index.js';
import { compressCode } from '../../src/core/code/compress.js';
import { createScorer, ScoreCache } from '../../src/core/model/index.js';
import { createTokenCounter } from '../../src/core/tokens/index.js';
import { loadNeedleTasks } from './tasks.js';

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    ratio: { type: 'string', default: '0.2' },
    model: { type: 'string', default: 'embedded' },
    dtype: { type: 'string', default: 'q8' },
    limit: { type: 'string' },
    filter: { type: 'string' },
    ranking: { type: 'string', default: 'ami' },
    weighting: { type: 'string', default: 'surprisal' },
    framing: { type: 'string', default: 'plain' },
  },
});

async function main(): Promise<void> {
  const tasks = loadNeedleTasks(positionals[0], { filter: args.filter, limit: args.limit });
  const countTokens = createTokenCounter('o200k_base');
  const chunker = await createChunker({ countTokens });
  const scorer = await createScorer({ model: args.model, dtype: args.dtype, cache: new ScoreCache() });
  const rankings = args.ranking.split(',') as Array<'ami' | 'hybrid'>;
  const totals = new Map<string, { n: number; mrr: number; kept: number }>();
  for (const t of tasks) {
    const files = t.files.map((f) => chunker.chunkFile(f.path, f.content, { countTokens }));
    for (const ranking of rankings) {
      const t0 = performance.now();
      const r = await compressCode({
        files,
        query: t.query,
        budget: { ratio: Number(args.ratio) },
        scorer,
        countTokens,
        ranking,
        queryFraming: args.framing as 'plain' | 'comment',
        amiWeighting: args.weighting as 'uniform' | 'surprisal',
      });
      const overlap = (c: { startLine: number; endLine: number }) =>
        Math.max(0, Math.min(c.endLine, t.needle.endLine) - Math.max(c.startLine, t.needle.startLine) + 1);
      const best = r.chunks
        .filter((c) => c.file === t.needle.path && overlap(c) > 0)
        .sort((a, b) => overlap(b) - overlap(a))[0];
      const rank = best?.rank ?? 0;
      const lines = t.needle.code
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean);
      const out = new Map<string, number>();
      for (const l of r.text.split('\n')) out.set(l.trim(), (out.get(l.trim()) ?? 0) + 1);
      let hit = 0;
      for (const l of lines) {
        const n = out.get(l) ?? 0;
        if (n > 0) {
          hit++;
          out.set(l, n - 1);
        }
      }
      const retained = hit / lines.length >= 0.8;
      const rr = rank > 0 ? 1 / rank : 0;
      for (const key of [`${ranking} ${t.language}`, `${ranking} overall`]) {
        const L = totals.get(key) ?? { n: 0, mrr: 0, kept: 0 };
        L.n++;
        L.mrr += rr;
        L.kept += retained ? 1 : 0;
        totals.set(key, L);
      }
      console.log(
        `${ranking.padEnd(6)} ${t.id.padEnd(28)} rank ${String(rank).padStart(3)}/${r.chunks.filter((c) => c.rank > 0).length}  ${retained ? 'kept' : '----'}  ${best?.status ?? '-'}  ${((performance.now() - t0) / 1000).toFixed(1)}s  ${t.needle.name}`,
      );
    }
  }
  for (const [key, L] of totals) {
    console.log(
      `${key.padEnd(20)} n=${L.n} ret@${args.ratio}=${(L.kept / L.n).toFixed(3)} MRR=${(L.mrr / L.n).toFixed(3)}`,
    );
  }
  await scorer.dispose();
}

void main();
