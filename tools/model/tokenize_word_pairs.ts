// (code, description) pairs -> word lists for the word-association trainer
// (py/train_word_assoc.py), split into words exactly as the extension does at run time
// (src/core/tokens/words.ts), so training and scoring see the same vocabulary.
//   npx tsx tools/model/tokenize_word_pairs.ts PAIRS.jsonl OUT.jsonl
// Input records: {repo, lang, code, doc, ...} (tools/model/make_repo_pairs.mjs, decontaminated).
// Output records: {repo, lang, c: [code words], d: [description words]}; pairs whose
// description has fewer than 2 words are left out.
import fs from 'node:fs';
import readline from 'node:readline';
import { lexicalTokens } from '../../src/core/tokens/words.js';

async function main(): Promise<void> {
  const [input, output] = process.argv.slice(2);
  const out = fs.createWriteStream(output);
  const rl = readline.createInterface({ input: fs.createReadStream(input), crlfDelay: Infinity });
  let kept = 0;
  let dropped = 0;
  for await (const line of rl) {
    if (!line.trim()) continue;
    const r = JSON.parse(line) as { repo?: string; lang?: string; code: string; doc: string };
    const c = lexicalTokens(r.code);
    const d = lexicalTokens(r.doc);
    if (d.length < 2 || c.length === 0) {
      dropped++;
      continue;
    }
    out.write(JSON.stringify({ repo: r.repo ?? '', lang: r.lang ?? '', c, d }) + '\n');
    kept++;
  }
  out.end();
  process.stderr.write(`tokenize_word_pairs: ${kept} pairs kept, ${dropped} dropped (short description)\n`);
}

void main();
