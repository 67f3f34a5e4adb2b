// Dumps needle tasks as the ranking stage sees them, for offline studies of the model's ranking
// (tools/model/py/rank_study.py): per task the query's model token ids and, per rankable chunk,
// the ids of `chunk + "\n\n"` (the coarse pass's context), its target-tokenizer size and whether
// it is the needle's chunk (largest line overlap).
//
//   npx tsx bench/needle/dump-chunks.ts DATA/tasks.jsonl OUT.jsonl [--model-dir models/embedded]
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { AutoTokenizer, env } from '@huggingface/transformers';
import { createChunker } from '../../src/core/chunk/index.js';
import { createTokenCounter } from '../../src/core/tokens/index.js';
import { loadNeedleTasks, needleChunkIndex } from './tasks.js';

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: { 'model-dir': { type: 'string', default: 'models/embedded' } },
});

async function main(): Promise<void> {
  const [tasksFile, outFile] = positionals;
  env.allowRemoteModels = false;
  env.localModelPath = path.dirname(path.resolve(args['model-dir']));
  const tokenizer = await AutoTokenizer.from_pretrained(path.basename(path.resolve(args['model-dir'])));
  const encode = (s: string) => (s ? Array.from(tokenizer.encode(s, { add_special_tokens: false })) : []);
  const countTokens = createTokenCounter('o200k_base');
  const chunker = await createChunker({ countTokens });
  const out = fs.createWriteStream(outFile);
  for (const t of loadNeedleTasks(tasksFile)) {
    const chunks = t.files
      .flatMap((f) => chunker.chunkFile(f.path, f.content, { countTokens }).chunks)
      .filter((c) => c.text.trim() !== '');
    const needle = needleChunkIndex(t, chunks);
    const totalTokens = t.files.reduce((s, f) => s + countTokens(f.content), 0);
    out.write(
      JSON.stringify({
        id: t.id,
        language: t.language,
        query: encode(t.query),
        queryText: t.query,
        needle,
        totalTokens,
        chunks: chunks.map((c) => ({
          ids: encode(c.text.trimEnd() + '\n\n'),
          text: c.text,
          tokens: countTokens(c.text),
          language: c.language,
          name: c.name,
          kind: c.kind,
        })),
      }) + '\n',
    );
  }
  out.end();
}

void main();
