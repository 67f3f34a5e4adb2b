// Tokenize the corpus with the transformers.js tokenizer itself (guarantees train/inference consistency).
// Usage: node tools/model/encode_corpus.mjs TOKDIR CORPUS.txt OUT.bin   -> uint16 token ids, <|endoftext|> between documents
import { AutoTokenizer, env } from '@huggingface/transformers';
import fs from 'node:fs';

env.allowRemoteModels = false;
const [dir, corpus, out] = process.argv.slice(2);
const tok = await AutoTokenizer.from_pretrained(dir);
const eos = tok.eos_token_id;
const docs = fs.readFileSync(corpus, 'utf8').split('<|endoftext|>');
const parts = [];
let total = 0,
  bytes = 0;
const t0 = Date.now();
for (const d of docs) {
  if (!d) continue;
  const ids = tok.encode(d, { add_special_tokens: false });
  ids.push(eos);
  parts.push(Uint16Array.from(ids));
  total += ids.length;
  bytes += Buffer.byteLength(d);
}
const all = new Uint16Array(total);
let o = 0;
for (const p of parts) {
  all.set(p, o);
  o += p.length;
}
fs.writeFileSync(out, Buffer.from(all.buffer));
console.log(
  JSON.stringify({
    docs: parts.length,
    tokens: total,
    bytesPerToken: +(bytes / total).toFixed(3),
    seconds: (Date.now() - t0) / 1000,
  }),
);
