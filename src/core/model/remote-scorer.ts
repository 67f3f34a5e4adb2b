/**
 * A Scorer backed by a remote OpenAI-compatible completions server that returns prompt
 * log-probs (target: vLLM, `vllm serve <model>`), for teams that run a larger model on a GPU
 * server (docs/REMOTE-SCORING.md). Each (context, text) pair is sent as one prompt, context
 * then text; the scored tokens are the text's. Many prompts go in one request, a few requests
 * run at once, and results are cached like the local scorer's.
 *
 * Two ways to send a prompt:
 * - with a local copy of the served model's tokenizer (`tokenizer`: a model folder, a
 *   downloaded hub id, or "embedded"): as token ids, context and text tokenized separately and
 *   BOS first, exactly as TransformersScorer does, so the server scores the same tokens the
 *   local scorer would; windows and counts are exact.
 * - without: as text; the server tokenizes (and adds BOS if its tokenizer does), the tokens
 *   are aligned with the prompt to find their character spans, the scored tokens are those
 *   that end after the context (a token straddling the boundary counts as text), and token
 *   counts are an o200k_base-based estimate (`estimateServerTokens`).
 */
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import type { PreTrainedTokenizer } from '@huggingface/transformers';
import type { FusionWeights } from '../code/fusion.js';
import { CancelledError, ModelError, throwIfCancelled, type CancellationSignal } from '../errors.js';
import { createTokenCounter } from '../tokens/index.js';
import type { ModelInfo } from '../types.js';
import { resolveModelLocation, type ModelConfig } from './model-files.js';
import { RemoteClient, RemoteHttpError, REMOTE_DEFAULTS, displayUrl } from './remote-client.js';
import { alignTokens, parseCompletionResponse, type PromptToken } from './remote-response.js';
import type { ScoreCache } from './score-cache.js';
import type { ScoredToken, ScoreOptions, Scorer, ScoreRequest, ScoreResult } from './scorer.js';
import { planTokenWindows } from './windows.js';
import { byteLevelSpans, spansByCumulativeDecode } from './token-offsets.js';
import { WordAssociation } from './word-association.js';

export type RemoteProtocol = 'echo' | 'prompt_logprobs';
export const REMOTE_PROTOCOLS: readonly RemoteProtocol[] = ['echo', 'prompt_logprobs'];

/** The remote scorer's settings as plain data (they cross the worker boundary). */
export interface RemoteScorerSpec {
  /** The server: http(s)://host:port, …/v1 or …/v1/completions. */
  url: string;
  /** The served model name; when absent, the server's only model (GET /v1/models). */
  model?: string;
  /** Sent as `Authorization: Bearer <key>`; never logged or put in a message. */
  apiKey?: string;
  /** The served model's tokenizer, locally: "embedded", a model folder or a downloaded hub id. */
  tokenizer?: string;
  /** 'echo' (echo + logprobs, default) or 'prompt_logprobs' (vLLM's extension). */
  protocol?: RemoteProtocol;
  /** Prompts per HTTP request (default 16). */
  maxPromptsPerRequest?: number;
  /** HTTP requests in flight at once (default 4). */
  concurrency?: number;
  /** Per-request timeout in ms (default 120 000). */
  timeoutMs?: number;
  /** Retries on 429, 5xx and network errors (default 4). */
  retries?: number;
  /** Tokens per prompt (BOS + context + text); longer contexts are cut from the left (default 4096). */
  maxTokens?: number;
}

export interface RemoteScorerOptions extends RemoteScorerSpec {
  cache?: ScoreCache;
  /** Root of downloaded hub models (to find a hub id's tokenizer). */
  cacheDir?: string;
  signal?: CancellationSignal;
  /** For tests: the fetch to use and the first backoff delay. */
  fetch?: typeof fetch;
  retryBaseMs?: number;
}

export const REMOTE_SCORER_DEFAULTS = {
  maxPromptsPerRequest: 16,
  maxTokens: 4096,
  protocol: 'echo' as RemoteProtocol,
  ...REMOTE_DEFAULTS,
};

/** ModelInfo.dtype of remote scorers. */
export const REMOTE_DTYPE = 'remote';

/**
 * Token count of `text` in an unknown server tokenizer: the o200k_base count plus 25%, rounded
 * up. Small code models' vocabularies split code into more tokens than o200k_base, so this errs
 * on the high side (windows a little shorter than they could be, rather than over the limit).
 */
export function estimateServerTokens(text: string): number {
  if (text.length === 0) return 0;
  return Math.ceil(createTokenCounter('o200k_base')(text) * 1.25);
}

/** A short, stable id for the persisted score cache of one server + model + tokenizer. */
export function remoteFingerprint(spec: Pick<RemoteScorerSpec, 'url' | 'model' | 'tokenizer' | 'protocol'>): string {
  const h = crypto.createHash('sha256');
  h.update('remote\0')
    .update(displayUrl(spec.url.trim()))
    .update('\0')
    .update(spec.model ?? '');
  h.update('\0')
    .update(spec.tokenizer ?? '')
    .update('\0')
    .update(spec.protocol ?? 'echo');
  return h.digest('hex').slice(0, 16);
}

/** Identifies a remote spec for "is this the scorer already loaded?" checks (the API key only as a hash). */
export function remoteSpecKey(spec: RemoteScorerSpec): string {
  const key = spec.apiKey ? crypto.createHash('sha256').update(spec.apiKey).digest('hex').slice(0, 12) : '';
  return JSON.stringify({ ...spec, apiKey: key });
}

/** The ModelInfo score-cache keys are made with (server, model and tokenizer, not just the model name). */
export function remoteCacheInfo(spec: Pick<RemoteScorerSpec, 'url' | 'model' | 'tokenizer' | 'protocol'>): ModelInfo {
  return { id: `remote:${remoteFingerprint(spec)}:${spec.model ?? ''}`, dtype: REMOTE_DTYPE };
}

type Transformers = typeof import('@huggingface/transformers');
let transformersModule: Transformers | undefined;
function transformers(): Transformers {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  transformersModule ??= require('@huggingface/transformers') as Transformers;
  return transformersModule;
}

/** The served model's tokenizer, loaded from a local folder. */
interface LocalTokenizer {
  tokenizer: PreTrainedTokenizer;
  bos: number;
  byteLevel: boolean;
  /** The model window from the folder's config.json, when it has one. */
  window?: number;
  association: WordAssociation | null;
  fusionWeights?: FusionWeights;
}

async function loadLocalTokenizer(ref: string, cacheDir?: string): Promise<LocalTokenizer> {
  const location = resolveModelLocation(ref, cacheDir);
  const missing = ['tokenizer.json', 'tokenizer_config.json'].filter((f) => !fs.existsSync(path.join(location.dir, f)));
  if (missing.length > 0)
    throw new ModelError(
      `The scorer tokenizer folder ${location.dir} is missing ${missing.join(', ')} (--scorer-tokenizer, setting contextzip.scorer.tokenizer).`,
      'model-missing',
    );
  let config: ModelConfig = {};
  const configFile = path.join(location.dir, 'config.json');
  if (fs.existsSync(configFile)) {
    try {
      config = JSON.parse(fs.readFileSync(configFile, 'utf8')) as ModelConfig;
    } catch (err) {
      throw new ModelError(`Model file ${configFile} is not valid JSON (${(err as Error).message}).`, 'model-corrupt');
    }
  }
  const tf = transformers();
  tf.env.allowRemoteModels = false;
  tf.env.allowLocalModels = true;
  tf.env.localModelPath = '/';
  let tokenizer: PreTrainedTokenizer;
  try {
    tokenizer = await tf.AutoTokenizer.from_pretrained(location.dir, { local_files_only: true });
  } catch (err) {
    throw new ModelError(
      `Could not load the tokenizer in ${location.dir}: ${(err instanceof Error ? err.message : String(err)).split('\n')[0]}`,
      'model-corrupt',
    );
  }
  const eos = Array.isArray(config.eos_token_id) ? config.eos_token_id[0] : config.eos_token_id;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const json = (tokenizer as any)._tokenizerJSON as
    { pre_tokenizer?: unknown; decoder?: { type?: string } } | undefined;
  let association: WordAssociation | null = null;
  try {
    association = WordAssociation.load(location.dir);
  } catch (err) {
    throw new ModelError(
      `The word-association files in ${location.dir} are corrupt: ${(err as Error).message.split('\n')[0]}`,
      'model-corrupt',
    );
  }
  return {
    tokenizer,
    // The same BOS choice as TransformersScorer, so id prompts match local scoring.
    bos: tokenizer.bos_token_id ?? config.bos_token_id ?? eos ?? 0,
    byteLevel: JSON.stringify(json?.pre_tokenizer ?? {}).includes('ByteLevel') || json?.decoder?.type === 'ByteLevel',
    window: config.contextzip?.maxTokens ?? config.max_position_embeddings ?? config.n_positions,
    association,
    fusionWeights: config.contextzip?.ranking?.weights,
  };
}

/** One prompt sent to the server: a window of one request. */
interface Job {
  request: number;
  /** Token ids (BOS first) or text. */
  prompt: number[] | string;
  truncated: boolean;
  /** Id prompts: index in `prompt` of the first scored token, and its index among the request's text tokens. */
  firstScored: number;
  targetOffset: number;
  /** Text prompts: where the window starts in context + text, and where scoring starts in the window. */
  windowStart: number;
  scoredFrom: number;
}

interface Encoded {
  tgt: number[];
  spans: Array<[number, number]>;
  strings: string[];
}

export async function createRemoteScorer(options: RemoteScorerOptions): Promise<RemoteScorer> {
  const client = new RemoteClient({
    endpoint: options.url,
    apiKey: options.apiKey,
    concurrency: options.concurrency,
    timeoutMs: options.timeoutMs,
    retries: options.retries,
    retryBaseMs: options.retryBaseMs,
    fetch: options.fetch,
  });
  const local = options.tokenizer ? await loadLocalTokenizer(options.tokenizer, options.cacheDir) : undefined;
  throwIfCancelled(options.signal);
  const served = await checkServedModel(client, options.model?.trim() || undefined, options.signal);
  return new RemoteScorer(client, { ...options, model: served.model }, local, served.maxModelLen);
}

/**
 * Asks the server which models it serves (GET …/v1/models): picks the only one when none was
 * named, and turns a wrong name into a clear error before any code is sent. A server without the
 * listing is taken at its word.
 */
async function checkServedModel(
  client: RemoteClient,
  model: string | undefined,
  signal?: CancellationSignal,
): Promise<{ model: string; maxModelLen?: number }> {
  let served: Array<{ id: string; maxModelLen?: number }> | undefined;
  try {
    const json = (await client.get(client.modelsUrl, signal, 1)) as {
      data?: Array<{ id?: unknown; max_model_len?: unknown }>;
    };
    if (Array.isArray(json?.data))
      served = json.data
        .filter((m) => typeof m?.id === 'string')
        .map((m) => ({
          id: m.id as string,
          maxModelLen: typeof m.max_model_len === 'number' ? m.max_model_len : undefined,
        }));
  } catch (err) {
    const listingMissing = err instanceof RemoteHttpError && err.code === 'remote-not-found';
    const malformed = err instanceof ModelError && err.code === 'remote-malformed';
    if (!listingMissing && !malformed) throw err;
  }
  const names = served?.map((m) => m.id) ?? [];
  if (model === undefined) {
    if (served?.length === 1) return { model: served[0].id, maxModelLen: served[0].maxModelLen };
    throw new ModelError(
      names.length > 1
        ? `The remote scorer at ${client.where} serves several models (${names.join(', ')}); name one with --model or the setting contextzip.scorer.model.`
        : `Name the served model with --model or the setting contextzip.scorer.model (the server at ${client.where} does not list its models).`,
      'remote-model',
    );
  }
  if (served && served.length > 0 && !names.includes(model))
    throw new ModelError(
      `The remote scorer at ${client.where} does not serve model "${model}" (it serves ${names.join(', ')}). Check --model / contextzip.scorer.model.`,
      'remote-not-found',
    );
  return { model, maxModelLen: served?.find((m) => m.id === model)?.maxModelLen };
}

export class RemoteScorer implements Scorer {
  readonly info: ModelInfo;
  readonly maxTokens: number;
  readonly wordAssociation: WordAssociation | null;
  readonly fusionWeights?: FusionWeights;
  /** Where scoring happens, for messages and the UI (no credentials, no query string). */
  readonly endpoint: string;
  private readonly model: string;
  private readonly protocol: RemoteProtocol;
  private readonly maxPrompts: number;
  private readonly concurrency: number;
  private readonly cacheInfo: ModelInfo;
  private readonly cache: ScoreCache | undefined;
  /** Generated tokens asked for with echo: 0, or 1 for servers that refuse max_tokens 0. */
  private generate = 0;
  private disposed = false;

  constructor(
    private readonly client: RemoteClient,
    options: RemoteScorerOptions & { model: string },
    private readonly local: LocalTokenizer | undefined,
    /** The server's window (vLLM lists max_model_len with its models). */
    serverWindow?: number,
  ) {
    this.model = options.model;
    this.info = { id: options.model, dtype: REMOTE_DTYPE };
    this.endpoint = client.where;
    this.protocol = options.protocol ?? REMOTE_SCORER_DEFAULTS.protocol;
    if (!REMOTE_PROTOCOLS.includes(this.protocol))
      throw new ModelError(
        `Unknown remote scorer protocol "${String(this.protocol)}" (echo or prompt_logprobs).`,
        'usage',
      );
    this.maxPrompts = Math.max(
      1,
      Math.floor(options.maxPromptsPerRequest ?? REMOTE_SCORER_DEFAULTS.maxPromptsPerRequest),
    );
    this.concurrency = Math.max(1, Math.floor(options.concurrency ?? REMOTE_SCORER_DEFAULTS.concurrency));
    const wanted = options.maxTokens ?? REMOTE_SCORER_DEFAULTS.maxTokens;
    const windows = [wanted, local?.window, serverWindow].filter((w): w is number => typeof w === 'number' && w > 0);
    this.maxTokens = Math.max(16, Math.min(...windows));
    this.wordAssociation = local?.association ?? null;
    this.fusionWeights = local?.fusionWeights;
    this.cache = options.cache;
    this.cacheInfo = remoteCacheInfo({ ...options, model: options.model });
  }

  countTokens(text: string): number {
    if (text.length === 0) return 0;
    return this.local
      ? this.local.tokenizer.encode(text, { add_special_tokens: false }).length
      : estimateServerTokens(text);
  }

  async score(requests: ScoreRequest[], options: ScoreOptions = {}): Promise<ScoreResult[]> {
    if (this.disposed) throw new ModelError('The remote scorer was disposed.', 'model-disposed');
    const results: Array<ScoreResult | undefined> = new Array(requests.length);
    const keys = requests.map((r) => this.cache?.key(this.cacheInfo, r.context, r.text));
    const todo: number[] = [];
    requests.forEach((r, i) => {
      const hit = keys[i] !== undefined ? this.cache!.get(keys[i]!) : undefined;
      if (hit) results[i] = { ...hit, cached: true };
      else todo.push(i);
    });
    if (todo.length === 0) return results as ScoreResult[];

    const encoded = new Map<number, Encoded>();
    const jobs: Job[] = [];
    for (const i of todo) {
      const r = requests[i];
      if (this.local) {
        const ctx = r.context.length > 0 ? this.local.tokenizer.encode(r.context, { add_special_tokens: false }) : [];
        const enc = this.encodeTarget(r.text);
        encoded.set(i, enc);
        jobs.push(...this.idWindows(i, ctx, enc.tgt));
      } else {
        jobs.push(...this.textWindows(i, r.context, r.text));
      }
    }
    const acc = new Map<
      number,
      { logprobs: Float64Array; tokens: ScoredToken[]; truncated: boolean; processed: number }
    >();
    for (const i of todo)
      acc.set(i, {
        logprobs: new Float64Array(encoded.get(i)?.tgt.length ?? 0),
        tokens: [],
        truncated: false,
        processed: 0,
      });

    const batches: Job[][] = [];
    for (let k = 0; k < jobs.length; k += this.maxPrompts) batches.push(jobs.slice(k, k + this.maxPrompts));
    // Per-batch answers, applied in order afterwards (text windows of one request append tokens).
    const answers: PromptToken[][][] = new Array(batches.length);
    let failure: Error | undefined;
    const signal: CancellationSignal = {
      get cancelled() {
        return failure !== undefined || options.signal?.cancelled === true;
      },
    };
    let next = 0;
    let done = 0;
    const worker = async () => {
      while (next < batches.length && failure === undefined) {
        const b = next++;
        try {
          answers[b] = await this.send(batches[b], signal);
          done += batches[b].length;
          options.onProgress?.(done, jobs.length);
        } catch (e) {
          const err = e instanceof Error ? e : new Error(String(e));
          const first = failure as Error | undefined; // set by other workers meanwhile
          if (first === undefined || (first instanceof CancelledError && !(err instanceof CancelledError)))
            failure = err;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, batches.length) }, worker));
    if (failure !== undefined) throw options.signal?.cancelled ? new CancelledError() : failure;

    batches.forEach((batch, b) =>
      batch.forEach((job, k) => this.apply(job, answers[b][k], requests[job.request], acc.get(job.request)!)),
    );
    for (const i of todo) {
      const a = acc.get(i)!;
      let tokens = a.tokens;
      const enc = encoded.get(i);
      if (enc) {
        tokens = enc.tgt.map((id, k) => ({
          id,
          text: enc.strings[k],
          logprob: a.logprobs[k],
          start: enc.spans[k][0],
          end: enc.spans[k][1],
        }));
      }
      const total = tokens.reduce((s, t) => s + t.logprob, 0);
      const result: ScoreResult = {
        tokens,
        totalLogprob: total,
        perplexity: tokens.length > 0 ? Math.exp(-total / tokens.length) : 1,
        contextTruncated: a.truncated,
        tokensProcessed: a.processed,
      };
      results[i] = result;
      if (keys[i] !== undefined) this.cache!.set(keys[i]!, result);
    }
    return results as ScoreResult[];
  }

  /** One HTTP request for a batch of prompts; the prompt tokens of each. */
  private async send(batch: Job[], signal: CancellationSignal): Promise<PromptToken[][]> {
    for (;;) {
      // echo + max_tokens 0: the prompt's log-probs and nothing generated (vLLM, OpenAI's legacy API).
      const echo = this.protocol === 'echo';
      const generate = this.generate;
      const body: Record<string, unknown> = {
        model: this.model,
        prompt: batch.map((j) => j.prompt),
        max_tokens: generate,
        temperature: 0,
        echo: true,
      };
      if (echo) body.logprobs = 1;
      else body.prompt_logprobs = 0;
      try {
        const json = await this.client.post(body, signal);
        const parsed = parseCompletionResponse(json, batch.length, generate, this.client.where);
        batch.forEach((job, k) => this.checkIds(job, parsed[k]));
        return parsed;
      } catch (err) {
        // Older servers refuse max_tokens 0 with echo: ask for one token and drop it.
        if (
          this.generate === 0 &&
          err instanceof RemoteHttpError &&
          err.status === 400 &&
          /max_tokens/i.test(err.detail)
        ) {
          this.generate = 1;
          continue;
        }
        throw err;
      }
    }
  }

  /** Id prompts come back with exactly the ids sent; anything else means the tokenizers differ. */
  private checkIds(job: Job, got: PromptToken[]): void {
    if (typeof job.prompt === 'string') return;
    const ids = job.prompt;
    const same = got.length === ids.length && got.every((t, k) => t.id === undefined || t.id === ids[k]);
    if (!same)
      throw new ModelError(
        `The remote scorer at ${this.client.where} scored ${got.length} prompt tokens for ${ids.length} token ids sent (or other ids): is the local tokenizer (--scorer-tokenizer, setting contextzip.scorer.tokenizer) the served model's?`,
        'remote-malformed',
      );
  }

  private apply(
    job: Job,
    got: PromptToken[],
    request: ScoreRequest,
    acc: { logprobs: Float64Array; tokens: ScoredToken[]; truncated: boolean; processed: number },
  ): void {
    if (job.truncated) acc.truncated = true;
    acc.processed += got.length;
    if (typeof job.prompt !== 'string') {
      // got[0] is BOS (no log-prob); got[k] scores prompt[k].
      for (let k = job.firstScored; k < job.prompt.length; k++)
        acc.logprobs[job.targetOffset + k - job.firstScored] = got[k].logprob ?? 0;
      return;
    }
    const window = job.prompt;
    const texts = got.map((t, k) => {
      if (!t.alternatives) return t.text;
      return pickAlternative(t, window, got, k);
    });
    const spans = alignTokens(window, texts);
    const textStart = request.context.length - job.windowStart; // where the text begins in the window
    const scored: ScoredToken[] = [];
    for (let k = 0; k < got.length; k++) {
      const [s, e] = spans[k];
      if (k === 0 && got[k].logprob === null && s === e) continue; // BOS the server added
      const isText = e > job.scoredFrom || (s === e && s >= job.scoredFrom);
      if (!isText) continue;
      const start = Math.max(0, s - textStart);
      const end = Math.max(start, Math.min(request.text.length, e - textStart));
      scored.push({
        id: got[k].id ?? -1,
        text: request.text.slice(start, end),
        logprob: got[k].logprob ?? Number.NaN,
        start,
        end,
      });
    }
    // No BOS from the server and an empty context: its first token has no log-prob; it gets the
    // mean of the text's other tokens (docs/REMOTE-SCORING.md).
    const known = scored.filter((t) => !Number.isNaN(t.logprob));
    const mean = known.length > 0 ? known.reduce((s, t) => s + t.logprob, 0) / known.length : 0;
    for (const t of scored) if (Number.isNaN(t.logprob)) t.logprob = mean;
    acc.tokens.push(...scored);
  }

  /** Tokenizes a text and maps each token to its span, as TransformersScorer does. */
  private encodeTarget(text: string): Encoded {
    if (text.length === 0) return { tgt: [], spans: [], strings: [] };
    const tok = this.local!.tokenizer;
    const strings = tok.tokenize(text, { add_special_tokens: false });
    const tgt = tok.convert_tokens_to_ids(strings) as number[];
    let spans = this.local!.byteLevel ? byteLevelSpans(text, strings) : null;
    spans ??= spansByCumulativeDecode(text, tgt, (ids) => tok.decode(ids, { skip_special_tokens: false }));
    return { tgt, spans, strings: spans.map(([s, e]) => text.slice(s, e)) };
  }

  /** Id windows of at most maxTokens (BOS included), planned as the local scorer plans them (windows.ts). */
  private idWindows(request: number, ctx: number[], tgt: number[]): Job[] {
    const bos = this.local!.bos;
    const all = ctx.length === 0 ? tgt : ctx.concat(tgt);
    return planTokenWindows(ctx.length, tgt.length, this.maxTokens - 1).map((w) => ({
      request,
      prompt: [bos, ...all.slice(w.start, w.end)],
      truncated: w.truncated,
      firstScored: w.firstScored - w.start + 1,
      targetOffset: w.targetOffset,
      windowStart: 0,
      scoredFrom: 0,
    }));
  }

  /**
   * Text windows when token counts are estimates: the same plan over characters (context cut
   * from the left; a text longer than a window split at line ends, later pieces keeping half a
   * window of what precedes them).
   */
  private textWindows(request: number, context: string, text: string): Job[] {
    if (text.length === 0) return [];
    const all = context + text;
    const c = context.length;
    const cap = this.maxTokens - 1;
    const est = (a: number, b: number) => estimateServerTokens(all.slice(a, b));
    const job = (start: number, end: number, p: number): Job => ({
      request,
      prompt: all.slice(start, end),
      truncated: start > 0,
      firstScored: 0,
      targetOffset: 0,
      windowStart: start,
      scoredFrom: p - start,
    });
    if (est(0, all.length) <= cap) return [job(0, all.length, c)];
    const overlap = Math.floor(cap / 2);
    // Largest end with est(start, end) <= budget / smallest start with est(start, end) <= budget.
    const fitRight = (start: number, budget: number) => {
      let lo = start;
      let hi = all.length;
      while (lo < hi) {
        const mid = Math.ceil((lo + hi) / 2);
        if (est(start, mid) <= budget) lo = mid;
        else hi = mid - 1;
      }
      return lo;
    };
    const fitLeft = (end: number, budget: number) => {
      let lo = 0;
      let hi = end;
      while (lo < hi) {
        const mid = Math.floor((lo + hi) / 2);
        if (est(mid, end) <= budget) hi = mid;
        else lo = mid + 1;
      }
      return lo;
    };
    const jobs: Job[] = [];
    let p = c;
    let first = true;
    while (p < all.length) {
      let start = first ? 0 : fitLeft(p, overlap);
      let end = first ? fitRight(p, cap - Math.min(est(0, c), overlap)) : fitRight(start, cap);
      if (end < all.length) {
        const nl = all.lastIndexOf('\n', end - 1);
        if (nl >= p + 1 && nl + 1 > p + (end - p) / 2) end = nl + 1; // end at a line end when one is near
      }
      end = Math.max(end, p + 1);
      if (isLowSurrogate(all, end)) end++;
      // The first window gets as much context as fits before its end.
      if (first) start = Math.min(p, fitLeft(end, cap));
      if (isLowSurrogate(all, start)) start--;
      jobs.push(job(start, end, p));
      p = end;
      first = false;
    }
    return jobs;
  }

  async dispose(): Promise<void> {
    this.disposed = true;
  }
}

function isLowSurrogate(s: string, i: number): boolean {
  const code = s.charCodeAt(i);
  return i > 0 && i < s.length && code >= 0xdc00 && code <= 0xdfff;
}

/** With several candidates per position and no ids, the prompt token is the one that spells the prompt there. */
function pickAlternative(t: PromptToken, window: string, got: PromptToken[], k: number): string | undefined {
  const before = got
    .slice(0, k)
    .map((x) => x.text ?? '')
    .join('');
  const at = window.indexOf(before) === 0 ? before.length : -1;
  const match = t.alternatives!.find((a) => a.text !== undefined && at >= 0 && window.startsWith(a.text, at));
  if (match) {
    t.id = match.id;
    t.logprob = match.logprob;
    return match.text;
  }
  return t.text;
}
