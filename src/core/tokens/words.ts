/**
 * Words for lexical matching and the word-association component: identifier-split
 * (camelCase, PascalCase, snake_case, digits), lower-cased, ~70 English stop words and 1-letter
 * words dropped, Porter-stemmed (the `stemmer` package: `parse`, `parses` and `parsing` all become
 * `pars`). The word-association files name this behaviour ('identifier-split-porter-v1'): change it
 * only with a new version there.
 */
import { stemmer } from 'stemmer';
const STOP = new Set(
  'a an and are as at be by for from has have if in into is it its of on or that the this to was were will with which when where who how what not no but can does do given returns return this function method value'.split(
    ' ',
  ),
);

/**
 * The words of one identifier-or-word run, memoized: code repeats its identifiers, and the
 * split + stem of each occurrence was most of the cheap signals' time on big scopes.
 */
const partsOf = new Map<string, readonly string[]>();
const MAX_MEMO = 200_000;

function wordParts(word: string): readonly string[] {
  let parts = partsOf.get(word);
  if (parts) return parts;
  const out: string[] = [];
  // camelCase / PascalCase / digits boundaries
  for (const part of word.split(/(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])|(?<=[A-Za-z])(?=[0-9])/)) {
    const w = part.toLowerCase();
    if (w.length < 2 || STOP.has(w)) continue;
    out.push(stemmer(w));
  }
  parts = out;
  if (partsOf.size >= MAX_MEMO) partsOf.clear();
  partsOf.set(word, parts);
  return parts;
}

export function lexicalTokens(text: string): string[] {
  const out: string[] = [];
  for (const word of text.split(/[^A-Za-z0-9]+/)) {
    if (!word) continue;
    for (const w of wordParts(word)) out.push(w);
  }
  return out;
}
