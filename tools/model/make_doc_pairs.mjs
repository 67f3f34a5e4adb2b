// (function code without its doc, plain description) pairs for training the model's code-to-description
// association component (py/train_assoc.py), tokenized with the embedded model's tokenizer, from
//  - the TRAINING documents of corpus.txt, and
//  - every TRAIN-split file (lib/extract.mjs splitOf) of the corpus sources that are permissive as a whole
//    (Python stdlib, Go stdlib, Rust sources; see corpus-manifest.json), at most PER_LANG pairs per language,
//    so the component sees more pairs than the byte-capped corpus holds. Held-out ('dev'/'test') files are
//    never read, so the tuning tasks and the docstring benchmark stay unseen.
// Usage: node tools/model/make_doc_pairs.mjs WORKDIR OUT.jsonl [PER_LANG=15000]
import fs from 'node:fs';
import path from 'node:path';
import { AutoTokenizer, env } from '@huggingface/transformers';
import { cleanDoc, documented } from './lib/docs.mjs';
import { SEP, langOf, splitOf } from './lib/extract.mjs';

const [workArg, outArg, perArg = '15000'] = process.argv.slice(2);
const PER_LANG = Number(perArg);
const WHOLE_ROOTS = ['python-stdlib', 'go-stdlib-1.19', 'rust-1.63-src'];
env.allowRemoteModels = false;
env.localModelPath = path.resolve(workArg);
const tokenizer = await AutoTokenizer.from_pretrained('tok');
const encode = (s) => Array.from(tokenizer.encode(s, { add_special_tokens: false }));
const corpus = fs.readFileSync(path.join(workArg, 'corpus.txt'), 'utf8');
const out = fs.createWriteStream(outArg);
let n = 0;
const perLang = {};
const seen = new Set();
function addPairs(text, langs) {
  const lines = text.split('\n');
  // the language whose rules find the most documented functions (corpus documents carry no file name)
  let best = [];
  let lang = null;
  for (const l of langs) {
    const f = documented(lines, l);
    if (f.length > best.length) [best, lang] = [f, l];
  }
  for (const f of best) {
    if ((perLang[lang] ?? 0) >= PER_LANG) return;
    const query = cleanDoc(f.doc, f.name);
    if (!query) continue;
    const codeLines =
      f.start > f.docEnd
        ? lines.slice(f.start, f.end + 1)
        : [...lines.slice(f.start, f.docStart), ...lines.slice(f.docEnd + 1, f.end + 1)];
    const code = codeLines.join('\n');
    if (code.length < 80 || code.length > 6000 || seen.has(code)) continue;
    seen.add(code);
    out.write(JSON.stringify({ lang, code: encode(code.trimEnd() + '\n\n'), doc: encode(query) }) + '\n');
    perLang[lang] = (perLang[lang] ?? 0) + 1;
    n++;
  }
}
for (const doc of corpus.split(SEP)) addPairs(doc, ['py', 'js', 'ts', 'go', 'rs']);
const manifest = JSON.parse(fs.readFileSync(new URL('./corpus-manifest.json', import.meta.url), 'utf8'));
const walk = (dir, acc) => {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) walk(p, acc);
    else if (langOf(p)) acc.push(p);
  }
  return acc;
};
for (const src of manifest.sources.filter((x) => WHOLE_ROOTS.includes(x.id))) {
  if (!fs.existsSync(src.root)) continue;
  for (const file of walk(src.root, []).sort()) {
    let text;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    if (text.length > 400_000 || splitOf(text) !== 'train') continue;
    addPairs(text, [langOf(file)]);
  }
}
out.end();
console.log(n, 'pairs', perLang);
