// Train a small GPT-2-style byte-level BPE tokenizer in pure Node and write
// tokenizer.json + tokenizer_config.json in the Hugging Face format that
// transformers.js (@huggingface/tokenizers) loads.
// Usage: node tools/model/train_bpe.mjs CORPUS.txt OUTDIR [vocabSize=6144] [trainMB=16]
// (adapted from the ContextZip reference trainer; deterministic: ties broken by pair id)
import fs from 'node:fs';
import path from 'node:path';

const [corpusPath, outDir, vocabArg, mbArg] = process.argv.slice(2);
const VOCAB = Number(vocabArg ?? 6144);
const TRAIN_BYTES = Number(mbArg ?? 16) * 1e6;
const EOS = '<|endoftext|>';

// GPT-2 bytes_to_unicode
const bs = [];
for (let i = 33; i <= 126; i++) bs.push(i);
for (let i = 161; i <= 172; i++) bs.push(i);
for (let i = 174; i <= 255; i++) bs.push(i);
const cs = bs.slice();
let n = 0;
for (let b = 0; b < 256; b++)
  if (!bs.includes(b)) {
    bs.push(b);
    cs.push(256 + n);
    n++;
  }
const B2U = new Array(256);
bs.forEach((b, i) => (B2U[b] = String.fromCharCode(cs[i])));

// Same regex as the ByteLevel pre-tokenizer (use_regex: true)
const PAT = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;
const enc = new TextEncoder();

const t0 = Date.now();
const fd = fs.openSync(corpusPath, 'r');
const buf = Buffer.alloc(Math.min(TRAIN_BYTES, fs.fstatSync(fd).size));
fs.readSync(fd, buf, 0, buf.length, 0);
fs.closeSync(fd);
const text = buf.toString('utf8');
const wordFreq = new Map();
for (const doc of text.split(EOS)) {
  for (const m of doc.matchAll(PAT)) {
    const w = m[0];
    wordFreq.set(w, (wordFreq.get(w) ?? 0) + 1);
  }
}
// symbols: id -> string (byte-level unicode)
const sym = B2U.slice(); // ids 0..255 are bytes (in byte order)
const symId = new Map(sym.map((s, i) => [s, i]));
const words = [];
const freqs = [];
for (const [w, f] of wordFreq) {
  const ids = Array.from(enc.encode(w), (b) => b);
  if (ids.length < 2) continue;
  words.push(ids);
  freqs.push(f);
}
console.error(`unique words ${words.length} (from ${(buf.length / 1e6).toFixed(1)} MB) in ${Date.now() - t0} ms`);

const K = (a, b) => a * 65536 + b;
const pairCount = new Map();
const pairWhere = new Map();
function addWord(wi, sign) {
  const w = words[wi],
    f = freqs[wi] * sign;
  for (let i = 0; i < w.length - 1; i++) {
    const k = K(w[i], w[i + 1]);
    pairCount.set(k, (pairCount.get(k) ?? 0) + f);
    if (sign > 0) {
      let s = pairWhere.get(k);
      if (!s) pairWhere.set(k, (s = new Set()));
      s.add(wi);
    }
  }
}
for (let i = 0; i < words.length; i++) addWord(i, 1);

const merges = [];
const target = VOCAB - 1; // last id reserved for EOS
while (sym.length < target) {
  let best = -1,
    bestC = 1;
  for (const [k, c] of pairCount) {
    if (c > bestC || (c === bestC && best !== -1 && k < best)) {
      best = k;
      bestC = c;
    }
  }
  if (best === -1) break; // nothing with count >= 2
  const a = Math.floor(best / 65536),
    b = best % 65536;
  const s = sym[a] + sym[b];
  let nid = symId.get(s);
  if (nid === undefined) {
    nid = sym.length;
    sym.push(s);
    symId.set(s, nid);
  }
  merges.push([sym[a], sym[b]]);
  const where = pairWhere.get(best) ?? new Set();
  for (const wi of where) {
    const w = words[wi];
    addWord(wi, -1);
    const nw = [];
    for (let i = 0; i < w.length; i++) {
      if (i < w.length - 1 && w[i] === a && w[i + 1] === b) {
        nw.push(nid);
        i++;
      } else nw.push(w[i]);
    }
    words[wi] = nw;
    addWord(wi, 1);
  }
  pairCount.delete(best);
  pairWhere.delete(best);
  if (merges.length % 500 === 0)
    console.error(`merges ${merges.length} vocab ${sym.length} last="${s}" count=${bestC} t=${Date.now() - t0}ms`);
}
const vocab = {};
sym.forEach((s, i) => (vocab[s] = i));
const eosId = sym.length;
vocab[EOS] = eosId;

const tokenizer = {
  version: '1.0',
  truncation: null,
  padding: null,
  added_tokens: [
    { id: eosId, content: EOS, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true },
  ],
  normalizer: null,
  pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
  // Prepend <|endoftext|> as BOS so the first real token gets a conditional probability.
  post_processor: {
    type: 'TemplateProcessing',
    single: [{ SpecialToken: { id: EOS, type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
    pair: [
      { SpecialToken: { id: EOS, type_id: 0 } },
      { Sequence: { id: 'A', type_id: 0 } },
      { Sequence: { id: 'B', type_id: 0 } },
    ],
    special_tokens: { [EOS]: { id: EOS, ids: [eosId], tokens: [EOS] } },
  },
  decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
  model: {
    type: 'BPE',
    dropout: null,
    unk_token: null,
    continuing_subword_prefix: '',
    end_of_word_suffix: '',
    // merges as "a b" strings: accepted by transformers.js v2, v3 and v4 (the [a, b] array form breaks v2.17)
    fuse_unk: false,
    byte_fallback: false,
    ignore_merges: false,
    vocab,
    merges: merges.map(([a, b]) => `${a} ${b}`),
  },
};
const tokenizerConfig = {
  tokenizer_class: 'GPT2Tokenizer',
  bos_token: EOS,
  eos_token: EOS,
  unk_token: EOS,
  pad_token: EOS,
  add_bos_token: false,
  add_prefix_space: false,
  clean_up_tokenization_spaces: false,
  model_max_length: 1024,
  added_tokens_decoder: {
    [eosId]: { content: EOS, lstrip: false, normalized: false, rstrip: false, single_word: false, special: true },
  },
};
fs.mkdirSync(outDir, { recursive: true });
fs.writeFileSync(path.join(outDir, 'tokenizer.json'), JSON.stringify(tokenizer));
fs.writeFileSync(path.join(outDir, 'tokenizer_config.json'), JSON.stringify(tokenizerConfig, null, 2));
console.log(
  JSON.stringify({ vocab_size: eosId + 1, merges: merges.length, eos_id: eosId, seconds: (Date.now() - t0) / 1000 }),
);
