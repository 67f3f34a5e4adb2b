/**
 * Reading OpenAI-compatible completions responses for prompt log-probs (remote-scorer.ts).
 * Two shapes are understood, per choice:
 *
 * - `logprobs: {tokens, token_logprobs, text_offset}` (echo: true): one entry per prompt
 *   token (then the generated ones, if max_tokens > 0); the first log-prob is null.
 * - vLLM's `prompt_logprobs`: a list of `{token_id: {logprob, decoded_token, rank}}` dicts, one
 *   per prompt token, the first null.
 *
 * Servers differ in how they spell tokens and offsets (vLLM's `text_offset` counts the text of
 * special tokens such as BOS and is in code points, not UTF-16 units; a token holding part of a
 * multi-byte character decodes to U+FFFD), so character spans are re-derived here by aligning
 * the token texts with the prompt (`alignTokens`), never taken from `text_offset`.
 */
import { ModelError } from '../errors.js';
import { byteLevelDecoder } from './token-offsets.js';

/** One prompt token as the server reported it. */
export interface PromptToken {
  /** Decoded text, when the server gave one. */
  text?: string;
  /** Token id, when the server gave one (prompt_logprobs keys, prompt_token_ids). */
  id?: number;
  /** Natural-log probability; null for the first token (nothing precedes it). */
  logprob: number | null;
  /** Other candidates the server listed at this position (prompt_logprobs > 0), if any. */
  alternatives?: Array<{ id: number; text?: string; logprob: number }>;
}

interface ChoiceJson {
  index?: unknown;
  logprobs?: { tokens?: unknown; token_logprobs?: unknown } | null;
  prompt_logprobs?: unknown;
  prompt_token_ids?: unknown;
}

/**
 * The prompt tokens of each prompt of one request, in prompt order. `generated` is how many
 * generated tokens follow the prompt in an echoed `logprobs` list (the max_tokens sent).
 * Throws a ModelError ('remote-malformed') naming what is wrong.
 */
export function parseCompletionResponse(
  json: unknown,
  prompts: number,
  generated: number,
  where: string,
): PromptToken[][] {
  const bad = (what: string) =>
    new ModelError(
      `The remote scorer at ${where} returned a malformed response: ${what}. It must be an OpenAI-compatible completions endpoint that returns prompt log-probs (echo with logprobs, or vLLM's prompt_logprobs).`,
      'remote-malformed',
    );
  const choices = (json as { choices?: unknown })?.choices;
  if (!Array.isArray(choices)) throw bad('no "choices" list');
  if (choices.length !== prompts) throw bad(`${choices.length} choices for ${prompts} prompts`);
  const ordered = [...(choices as ChoiceJson[])];
  if (ordered.every((c) => typeof c?.index === 'number'))
    ordered.sort((a, b) => (a.index as number) - (b.index as number));
  return ordered.map((c, k) => parseChoice(c, generated, (what) => bad(`choice ${k}: ${what}`)));
}

function parseChoice(c: ChoiceJson, generated: number, bad: (what: string) => ModelError): PromptToken[] {
  if (typeof c !== 'object' || c === null) throw bad('not an object');
  const ids = Array.isArray(c.prompt_token_ids) ? (c.prompt_token_ids as unknown[]) : undefined;
  if (ids && !ids.every((x) => Number.isInteger(x))) throw bad('prompt_token_ids are not integers');
  if (Array.isArray(c.prompt_logprobs)) {
    const entries = c.prompt_logprobs as unknown[];
    if (ids && ids.length !== entries.length) throw bad('prompt_logprobs and prompt_token_ids differ in length');
    return entries.map((e, i) => {
      const id = ids?.[i] as number | undefined;
      if (e === null || e === undefined) return { id, logprob: null };
      if (typeof e !== 'object') throw bad(`prompt_logprobs[${i}] is not an object`);
      const cands = Object.entries(e as Record<string, unknown>).map(([key, v]) => {
        const tokenId = Number(key);
        const lp = (v as { logprob?: unknown })?.logprob ?? v;
        const text = (v as { decoded_token?: unknown })?.decoded_token;
        if (!Number.isInteger(tokenId)) throw bad(`prompt_logprobs[${i}] has a key that is not a token id`);
        return { id: tokenId, text: typeof text === 'string' ? text : undefined, logprob: checkLogprob(lp, i, bad) };
      });
      if (cands.length === 0) throw bad(`prompt_logprobs[${i}] is empty`);
      const pick = id !== undefined ? cands.find((x) => x.id === id) : cands.length === 1 ? cands[0] : undefined;
      if (pick) return { id: pick.id, text: pick.text, logprob: pick.logprob };
      if (id !== undefined) throw bad(`prompt_logprobs[${i}] lacks the prompt token ${id}`);
      // Several candidates and no ids: the caller picks the one that spells the prompt.
      return { logprob: cands[0].logprob, id: cands[0].id, text: cands[0].text, alternatives: cands };
    });
  }
  const lp = c.logprobs;
  if (lp && typeof lp === 'object' && Array.isArray(lp.token_logprobs)) {
    const values = lp.token_logprobs as unknown[];
    const tokens = Array.isArray(lp.tokens) ? (lp.tokens as unknown[]) : undefined;
    if (tokens && tokens.length !== values.length) throw bad('logprobs.tokens and token_logprobs differ in length');
    const n = ids ? ids.length : values.length - generated;
    if (n < 0 || n > values.length) throw bad(`${values.length} echoed tokens, fewer than the prompt`);
    const out: PromptToken[] = [];
    for (let i = 0; i < n; i++) {
      const v = values[i];
      const t = tokens?.[i];
      out.push({
        id: ids?.[i] as number | undefined,
        text: typeof t === 'string' ? t : undefined,
        logprob: v === null ? null : checkLogprob(v, i, bad),
      });
    }
    return out;
  }
  throw bad('neither "prompt_logprobs" nor "logprobs.token_logprobs" (was the request echoed? is echo supported?)');
}

function checkLogprob(v: unknown, i: number, bad: (what: string) => ModelError): number {
  if (typeof v !== 'number' || Number.isNaN(v) || v > 1e-4) throw bad(`log-prob ${i} is not a number <= 0`);
  return Math.min(0, v);
}

/**
 * Character spans [start, end) of `tokens` (decoded token texts) in `prompt`. A token that
 * spells the prompt at the current position takes those characters; a token that does not
 * (a special token such as BOS, part of a multi-byte character, a token id placeholder) joins a
 * run that ends where a later token matches again, and the run's characters are shared out in
 * order (zero characters for a BOS before the first match).
 */
export function alignTokens(prompt: string, tokens: Array<string | undefined>): Array<[number, number]> {
  const spans: Array<[number, number]> = new Array(tokens.length);
  let pos = 0;
  let pending: number[] = [];
  /** Characters the pending run covers at least (literal text of its partial tokens, one partial character). */
  let runMin = 0;
  const flush = (end: number) => {
    const n = pending.length;
    const len = Math.max(0, end - pos);
    pending.forEach((t, k) => {
      const s = pos + Math.floor((k * len) / n);
      let e = pos + Math.floor(((k + 1) * len) / n);
      if (e === s && len > 0) e = Math.min(end, s + 1);
      spans[t] = [s, e];
    });
    pending = [];
    runMin = 0;
    pos = Math.max(pos, end);
  };
  for (let i = 0; i < tokens.length; i++) {
    const forms = spellings(tokens[i]);
    const partial = tokens[i]?.includes('\ufffd') === true;
    if (partial) {
      // Part of a multi-byte character: its literal prefix (e.g. the space of " \ufffd") anchors it.
      const lit = tokens[i]!.slice(0, tokens[i]!.indexOf('\ufffd'));
      if (lit.length > 0) {
        const from = pos + runMin;
        const found = searchFrom(prompt, from, Math.min(prompt.length, from + 8 * pending.length + 32), [lit]);
        if (found && (pending.length > 0 || found.at === pos)) flush(found.at);
      }
      if (!pending.some((t) => tokens[t]?.includes('\ufffd'))) runMin += 1;
      runMin += lit.length;
      pending.push(i);
      continue;
    }
    if (pending.length === 0) {
      const m = matchAt(prompt, pos, forms);
      if (m) {
        spans[i] = [pos + m.skip, pos + m.skip + m.len];
        pos += m.skip + m.len;
        continue;
      }
      pending.push(i);
      continue;
    }
    // Inside a run of unmatched tokens: look ahead (a bounded distance) for this token's text.
    const from = pos + runMin;
    const found = searchFrom(prompt, from, Math.min(prompt.length, from + 8 * pending.length + 32), forms);
    if (found) {
      flush(found.at);
      spans[i] = [found.at + found.skip, found.at + found.skip + found.len];
      pos = found.at + found.skip + found.len;
    } else {
      pending.push(i);
    }
  }
  if (pending.length > 0) flush(prompt.length);
  return spans;
}

/** The ways a server may spell one token: as decoded, or as raw byte-level BPE symbols. */
function spellings(token: string | undefined): string[] {
  if (token === undefined || token === '' || token.includes('\ufffd') || /^token_id:\d+$/.test(token)) return [];
  const forms = [token];
  const dec = byteLevelDecoder();
  if ([...token].every((ch) => dec.has(ch))) {
    const bytes = Buffer.from([...token].map((ch) => dec.get(ch)!));
    const s = bytes.toString('utf8');
    if (!s.includes('\ufffd') && s !== token) forms.push(s);
  }
  return forms;
}

/** A match of one of `forms` at `pos`; `skip` = 1 when a SentencePiece decode dropped a leading space. */
function matchAt(prompt: string, pos: number, forms: string[]): { len: number; skip: number } | undefined {
  for (const f of forms) if (prompt.startsWith(f, pos)) return { len: f.length, skip: 0 };
  if (prompt[pos] === ' ') for (const f of forms) if (prompt.startsWith(f, pos + 1)) return { len: f.length, skip: 1 };
  return undefined;
}

function searchFrom(
  prompt: string,
  from: number,
  limit: number,
  forms: string[],
): { at: number; len: number; skip: number } | undefined {
  if (forms.length === 0) return undefined;
  for (let at = from; at <= limit; at++) {
    for (const f of forms) if (prompt.startsWith(f, at)) return { at, len: f.length, skip: 0 };
  }
  return undefined;
}
