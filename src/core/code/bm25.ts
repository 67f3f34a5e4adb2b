/**
 * Lexical relevance over identifier-split, lower-cased, lightly stemmed words: BM25 (the
 * prefilter for huge scopes) and BM25F with the definition's name as a separate field (a
 * signal of the fused ranking, rank.ts). `parseHeaders` and "parse the headers" share
 * `pars` and `header`.
 */
import { lexicalTokens } from '../tokens/words.js';

export { lexicalTokens };

/** BM25 score of each document for the query. */
export function bm25Scores(docs: string[], query: string, k1 = 1.2, b = 0.75): number[] {
  const toks = docs.map(lexicalTokens);
  const avg = toks.reduce((s, t) => s + t.length, 0) / Math.max(1, toks.length);
  const df = new Map<string, number>();
  for (const t of toks) for (const w of new Set(t)) df.set(w, (df.get(w) ?? 0) + 1);
  const q = [...new Set(lexicalTokens(query))];
  const N = docs.length;
  return toks.map((t) => {
    const tf = new Map<string, number>();
    for (const w of t) tf.set(w, (tf.get(w) ?? 0) + 1);
    let s = 0;
    for (const w of q) {
      const f = tf.get(w) ?? 0;
      if (f === 0) continue;
      const n = df.get(w) ?? 0;
      const idf = Math.log(1 + (N - n + 0.5) / (n + 0.5));
      s += (idf * f * (k1 + 1)) / (f + k1 * (1 - b + (b * t.length) / Math.max(1, avg)));
    }
    return s;
  });
}

export interface FieldedDoc {
  /** The definition's name (and its parent's), a short, strong field. */
  name: string;
  /** The chunk's text. */
  body: string;
}

/**
 * BM25F (Robertson et al. 2004, simple form): per-field term frequencies are weighted and
 * length-normalised, summed into one pseudo-frequency, then saturated once with k1.
 */
export function bm25fScores(
  docs: FieldedDoc[],
  query: string,
  options: { nameWeight?: number; k1?: number; bName?: number; bBody?: number } = {},
): number[] {
  const { nameWeight = 3, k1 = 1.2, bName = 0.5, bBody = 0.75 } = options;
  const names = docs.map((d) => lexicalTokens(d.name));
  const bodies = docs.map((d) => lexicalTokens(d.body));
  const avg = (xs: string[][]) => xs.reduce((s, t) => s + t.length, 0) / Math.max(1, xs.length) || 1;
  const avgName = avg(names);
  const avgBody = avg(bodies);
  const df = new Map<string, number>();
  docs.forEach((_, i) => {
    for (const w of new Set([...names[i], ...bodies[i]])) df.set(w, (df.get(w) ?? 0) + 1);
  });
  const q = [...new Set(lexicalTokens(query))];
  const N = docs.length;
  const counts = (t: string[]) => {
    const m = new Map<string, number>();
    for (const w of t) m.set(w, (m.get(w) ?? 0) + 1);
    return m;
  };
  return docs.map((_, i) => {
    const tn = counts(names[i]);
    const tb = counts(bodies[i]);
    const normName = 1 - bName + (bName * names[i].length) / avgName;
    const normBody = 1 - bBody + (bBody * bodies[i].length) / avgBody;
    let s = 0;
    for (const w of q) {
      const f = (nameWeight * (tn.get(w) ?? 0)) / normName + (tb.get(w) ?? 0) / normBody;
      if (f === 0) continue;
      const n = df.get(w) ?? 0;
      const idf = Math.log(1 + (N - n + 0.5) / (n + 0.5));
      s += (idf * f * (k1 + 1)) / (f + k1);
    }
    return s;
  });
}
