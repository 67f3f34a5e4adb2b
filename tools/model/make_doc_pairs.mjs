// (function code without its doc, plain description) pairs from the TRAINING documents of corpus.txt, tokenized
// with the embedded model's tokenizer, for training the model's code-to-description association component
// (py/train_assoc.py). Held-out files never enter corpus.txt, so the tuning tasks and benchmarks stay unseen.
// Usage: node tools/model/make_doc_pairs.mjs WORKDIR OUT.jsonl
import fs from 'node:fs';
import path from 'node:path';
import { AutoTokenizer, env } from '@huggingface/transformers';
import { cleanDoc, documented } from './lib/docs.mjs';
import { SEP } from './lib/extract.mjs';

const [workArg, outArg] = process.argv.slice(2);
env.allowRemoteModels = false;
env.localModelPath = path.resolve(workArg);
const tokenizer = await AutoTokenizer.from_pretrained('tok');
const encode = (s) => Array.from(tokenizer.encode(s, { add_special_tokens: false }));
const corpus = fs.readFileSync(path.join(workArg, 'corpus.txt'), 'utf8');
const out = fs.createWriteStream(outArg);
let n = 0;
const perLang = {};
for (const doc of corpus.split(SEP)) {
  const lines = doc.split('\n');
  // the language whose rules find the most documented functions (documents carry no file name)
  let best = [];
  let lang = null;
  for (const l of ['py', 'js', 'ts', 'go', 'rs']) {
    const f = documented(lines, l);
    if (f.length > best.length) [best, lang] = [f, l];
  }
  for (const f of best) {
    const query = cleanDoc(f.doc, f.name);
    if (!query) continue;
    const codeLines =
      f.start > f.docEnd
        ? lines.slice(f.start, f.end + 1)
        : [...lines.slice(f.start, f.docStart), ...lines.slice(f.docEnd + 1, f.end + 1)];
    const code = codeLines.join('\n');
    if (code.length < 80 || code.length > 6000) continue;
    out.write(JSON.stringify({ lang, code: encode(code.trimEnd() + '\n\n'), doc: encode(query) }) + '\n');
    perLang[lang] = (perLang[lang] ?? 0) + 1;
    n++;
  }
}
out.end();
console.log(n, 'pairs', perLang);
