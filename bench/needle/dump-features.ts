// Dumps, per needle task, every rankable chunk as the coarse stage sees it with its model AMI
// (the embedded model, surprisal-weighted), so ranking methods (fusion with lexical signals)
// can be compared and fitted offline without re-running the model:
//   {id, language, query, needle, chunks: [{file, name, kind, startLine, endLine, tokens, ami, text}]}
// `needle` is the index of the chunk with the largest line overlap with the needle (-1: none).
//
//   npx tsx bench/needle/dump-features.ts TASKS.jsonl OUT.jsonl [--model embedded] [--dtype q8] [--limit N] [--no-model]
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { createChunker } from '../../src/core/chunk/index.js';
import { capQuery, rankChunks } from '../../src/core/code/rank.js';
import { ScoringSession } from '../../src/core/code/scoring-session.js';
import { createScorer, ScoreCache } from '../../src/core/model/index.js';
import { createTokenCounter } from '../../src/core/tokens/index.js';
import { loadNeedleTasks, needleChunkIndex } from './tasks.js';

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    model: { type: 'string', default: 'embedded' },
    dtype: { type: 'string', default: 'q8' },
    limit: { type: 'string' },
    filter: { type: 'string' },
    'no-model': { type: 'boolean', default: false },
  },
});

async function main(): Promise<void> {
  const [tasksFile, outFile] = positionals;
  const tasks = loadNeedleTasks(tasksFile, { filter: args.filter, limit: args.limit });
  const countTokens = createTokenCounter('o200k_base');
  const chunker = await createChunker({ countTokens });
  // --no-model: chunks and lexical material only (ami null), for fast studies of the other signals.
  const scorer = args['no-model']
    ? null
    : await createScorer({ model: args.model, dtype: args.dtype, cache: new ScoreCache() });
  const out = fs.createWriteStream(outFile);
  let n = 0;
  for (const t of tasks) {
    const chunks = t.files
      .flatMap((f) => chunker.chunkFile(f.path, f.content, { countTokens }).chunks)
      .filter((c) => c.text.trim() !== '');
    const ami = new Map<number, number>();
    if (scorer) {
      const ranked = await rankChunks(
        chunks.map((c, i) => ({ c, i })),
        new ScoringSession(scorer),
        { query: capQuery(t.query, scorer), ranking: 'ami' },
      );
      for (const r of ranked) ami.set(r.index, r.score);
    }
    const needle = needleChunkIndex(t, chunks);
    out.write(
      JSON.stringify({
        id: t.id,
        language: t.language,
        query: t.query,
        needle,
        totalTokens: t.files.reduce((s, f) => s + countTokens(f.content), 0),
        chunks: chunks.map((c, i) => ({
          file: c.file,
          name: c.name,
          kind: c.kind,
          parent: c.parent,
          startLine: c.startLine,
          endLine: c.endLine,
          tokens: countTokens(c.text),
          ami: ami.get(i) ?? null,
          text: c.text,
        })),
      }) + '\n',
    );
    process.stderr.write(`\r${++n}/${tasks.length} ${t.id}        `);
  }
  out.end();
  process.stderr.write('\n');
}

void main();
