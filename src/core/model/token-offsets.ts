/**
 * Maps tokens back to character spans of the text they came from, so callers can average
 * log-probs per line or pick the first token of a step. Byte-level BPE tokens (GPT-2 style,
 * used by our embedded model and by Qwen/SmolLM) spell their UTF-8 bytes with a fixed
 * 256-character alphabet, which gives exact byte lengths without decoding.
 */

let byteLevelAlphabet: Map<string, number> | undefined;

/** GPT-2's bytes_to_unicode table, inverted: alphabet char -> byte value. */
export function byteLevelDecoder(): Map<string, number> {
  if (byteLevelAlphabet) return byteLevelAlphabet;
  const bs: number[] = [];
  for (let b = 33; b <= 126; b++) bs.push(b);
  for (let b = 161; b <= 172; b++) bs.push(b);
  for (let b = 174; b <= 255; b++) bs.push(b);
  const cs = [...bs];
  let n = 0;
  for (let b = 0; b < 256; b++) {
    if (!bs.includes(b)) {
      bs.push(b);
      cs.push(256 + n);
      n++;
    }
  }
  byteLevelAlphabet = new Map(bs.map((b, i) => [String.fromCharCode(cs[i]), b]));
  return byteLevelAlphabet;
}

/** UTF-16 offset of the character that contains each UTF-8 byte offset (plus the end). */
function byteToCharOffsets(text: string): Int32Array {
  const bytes = Buffer.byteLength(text, 'utf8');
  const map = new Int32Array(bytes + 1);
  let b = 0;
  for (let i = 0; i < text.length; i++) {
    const cp = text.codePointAt(i)!;
    const len = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    for (let k = 0; k < len; k++) map[b + k] = i;
    b += len;
    if (cp >= 0x10000) i++; // surrogate pair: skip the low surrogate
  }
  map[bytes] = text.length;
  return map;
}

/**
 * Spans [start, end) in UTF-16 units of each byte-level token string, or null when the
 * token strings do not spell exactly the text's bytes (not a byte-level tokenizer, or a
 * normalizer changed the text).
 */
export function byteLevelSpans(text: string, tokenStrings: string[]): Array<[number, number]> | null {
  const dec = byteLevelDecoder();
  const charAt = byteToCharOffsets(text);
  const totalBytes = charAt.length - 1;
  const spans: Array<[number, number]> = [];
  let pos = 0;
  for (const tok of tokenStrings) {
    let len = 0;
    for (const ch of tok) {
      if (!dec.has(ch)) return null;
      len++;
    }
    const startByte = pos;
    pos += len;
    if (pos > totalBytes) return null;
    const start = charAt[startByte];
    // The end is the end of the character holding the token's last byte.
    const lastChar = charAt[pos - 1];
    const end = pos === totalBytes ? text.length : Math.max(charAt[pos], lastChar + 1);
    spans.push([start, Math.min(end, text.length)]);
  }
  return pos === totalBytes ? spans : null;
}

/**
 * Fallback for other tokenizers: spans from cumulative decoding (quadratic, used only for
 * tokenizers that are not byte-level).
 */
export function spansByCumulativeDecode(
  text: string,
  ids: number[],
  decode: (ids: number[]) => string,
): Array<[number, number]> {
  const spans: Array<[number, number]> = [];
  let prev = 0;
  for (let i = 0; i < ids.length; i++) {
    const len = Math.min(text.length, decode(ids.slice(0, i + 1)).length);
    spans.push([prev, Math.max(prev, len)]);
    prev = Math.max(prev, len);
  }
  if (spans.length > 0) spans[spans.length - 1][1] = text.length;
  return spans;
}
