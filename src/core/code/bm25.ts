/**
 * Optional lexical prefilter for huge scopes: BM25 (k1 = 1.2, b = 0.75) over identifier-split,
 * lower-cased, lightly stemmed tokens, so the LM ranks only the best N candidates. Off by
 * default: the default ranking is the AMI of every chunk.
 */

const STOP = new Set(
  'a an and are as at be by for from has have if in into is it its of on or that the this to was were will with which when where who how what not no but can does do given returns return this function method value'.split(
    ' ',
  ),
);

export function lexicalTokens(text: string): string[] {
  const out: string[] = [];
  for (const word of text.split(/[^A-Za-z0-9]+/)) {
    if (!word) continue;
    // camelCase / PascalCase / digits boundaries
    for (const part of word.split(/(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])|(?<=[A-Za-z])(?=[0-9])/)) {
      const w = part.toLowerCase();
      if (w.length < 2 || STOP.has(w)) continue;
      out.push(stem(w));
    }
  }
  return out;
}

function stem(w: string): string {
  for (const suf of ['ings', 'ing', 'ies', 'ed', 'es', 's']) {
    if (w.length > suf.length + 2 && w.endsWith(suf))
      return suf === 'ies' ? `${w.slice(0, -3)}y` : w.slice(0, -suf.length);
  }
  return w;
}

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
