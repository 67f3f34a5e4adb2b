/**
 * The embedded model's word-association component: which description words go with which code
 * words, learned from (code, description) pairs of many public repositories
 * (tools/model/py/train_word_assoc.py). It works on identifier sub-words, not BPE pieces, so
 * `parseHeaders`, `header_parser` and "parses the headers" meet on `pars` and `header`:
 *
 *   p(q | chunk) = softmax_v(E_out[v] . mean_{w in words(chunk)} E_in[w] + b_v)[q]
 *
 * a low-rank translation model (bag of code words -> description word). Its relevance signal is
 * the mean pointwise gain over the query's known words, `log p(q | chunk) - log p(q | nothing)`.
 *
 * Files, next to the ONNX model: `word-association.json` (format, vocabulary, dimensions,
 * training facts) and `word-association.bin` (int8 E_in and E_out with one float32 scale per
 * row, then the float32 bias). Missing files mean "no such component" (other models).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { TokenCountCache } from '../tokens/count-cache.js';
import { lexicalTokens } from '../tokens/words.js';

export const WORD_ASSOCIATION_FORMAT = 'contextzip-word-association';

export interface WordAssociationMeta {
  format: string;
  version: number;
  /** Must match lexicalTokens' behaviour; bumped when the word splitting changes. */
  words: 'identifier-split-porter-v1';
  dim: number;
  vocab: string[];
  training?: Record<string, unknown>;
}

export class WordAssociation {
  private readonly index: Map<string, number>;
  private readonly eIn: Float32Array;
  private readonly eOut: Float32Array;
  private readonly bias: Float32Array;
  private readonly baseLogZ: number;
  /**
   * Normalizers log Z(chunk) by chunk text (createScorer sets it; cache-folder.ts persists it).
   * Z sums over the whole vocabulary, the costly part of `relevance`, and does not depend on
   * the query: with it, a warm run costs a dot product per query word.
   */
  normalizers: TokenCountCache | undefined;

  constructor(
    readonly meta: WordAssociationMeta,
    eIn: Float32Array,
    eOut: Float32Array,
    bias: Float32Array,
  ) {
    const V = meta.vocab.length;
    if (eIn.length !== V * meta.dim || eOut.length !== V * meta.dim || bias.length !== V)
      throw new Error(`word association: sizes do not match a vocabulary of ${V} and ${meta.dim} dimensions`);
    this.index = new Map(meta.vocab.map((w, i) => [w, i]));
    this.eIn = eIn;
    this.eOut = eOut;
    this.bias = bias;
    this.baseLogZ = logSumExp(bias);
  }

  /** Loads the component of a model folder; null when the folder has none. Throws on a corrupt file. */
  static load(modelDir: string): WordAssociation | null {
    const metaPath = path.join(modelDir, 'word-association.json');
    const binPath = path.join(modelDir, 'word-association.bin');
    if (!fs.existsSync(metaPath) || !fs.existsSync(binPath)) return null;
    const meta = JSON.parse(fs.readFileSync(metaPath, 'utf8')) as WordAssociationMeta;
    if (meta.format !== WORD_ASSOCIATION_FORMAT || meta.words !== 'identifier-split-porter-v1')
      throw new Error(`${metaPath}: not a ${WORD_ASSOCIATION_FORMAT} file of a known version`);
    const buf = fs.readFileSync(binPath);
    const V = meta.vocab.length;
    const D = meta.dim;
    const expected = 2 * (V * D + 4 * V) + 4 * V;
    if (buf.length !== expected)
      throw new Error(`${binPath}: ${buf.length} bytes, expected ${expected} for ${V} words of ${D} dimensions`);
    let off = 0;
    const matrix = () => {
      const q = new Int8Array(buf.buffer, buf.byteOffset + off, V * D);
      off += V * D;
      const scales = new Float32Array(buf.buffer.slice(buf.byteOffset + off, buf.byteOffset + off + 4 * V));
      off += 4 * V;
      const out = new Float32Array(V * D);
      for (let v = 0; v < V; v++) for (let d = 0; d < D; d++) out[v * D + d] = q[v * D + d] * scales[v];
      return out;
    };
    const eIn = matrix();
    const eOut = matrix();
    const bias = new Float32Array(buf.buffer.slice(buf.byteOffset + off, buf.byteOffset + off + 4 * V));
    return new WordAssociation(meta, eIn, eOut, bias);
  }

  /** Vocabulary indices of a text's words (identifier-split, stemmed), unknown words left out. */
  wordIds(text: string): number[] {
    const ids: number[] = [];
    for (const w of lexicalTokens(text)) {
      const i = this.index.get(w);
      if (i !== undefined) ids.push(i);
    }
    return ids;
  }

  /**
   * Mean gain `log p(q | chunk) - log p(q)` over the query's distinct known words; 0 when the
   * query has no known word or the chunk none.
   */
  relevance(queryIds: number[], chunkText: string): number {
    const q = [...new Set(queryIds)];
    const words = [...new Set(this.wordIds(chunkText))];
    if (q.length === 0 || words.length === 0) return 0;
    const D = this.meta.dim;
    const h = new Float32Array(D);
    for (const w of words) for (let d = 0; d < D; d++) h[d] += this.eIn[w * D + d];
    for (let d = 0; d < D; d++) h[d] /= words.length;
    const logZ = this.normalizers ? this.normalizers.lookup(chunkText, () => this.logZ(h)) : this.logZ(h);
    let gain = 0;
    // Math.fround: the logit as the float32 it is in the full logits vector, so cached and
    // uncached runs agree to the bit.
    for (const v of q) gain += Math.fround(this.logit(v, h)) - logZ - (this.bias[v] - this.baseLogZ);
    return gain / q.length;
  }

  private logit(v: number, h: Float32Array): number {
    const D = this.meta.dim;
    let s = this.bias[v];
    const o = v * D;
    for (let d = 0; d < D; d++) s += this.eOut[o + d] * h[d];
    return s;
  }

  /** log of the softmax normalizer over the vocabulary for a chunk's mean embedding `h`. */
  private logZ(h: Float32Array): number {
    const V = this.meta.vocab.length;
    const logits = new Float32Array(V);
    for (let v = 0; v < V; v++) logits[v] = this.logit(v, h);
    return logSumExp(logits);
  }
}

function logSumExp(x: Float32Array): number {
  let m = -Infinity;
  for (const v of x) if (v > m) m = v;
  let s = 0;
  for (const v of x) s += Math.exp(v - m);
  return m + Math.log(s);
}
