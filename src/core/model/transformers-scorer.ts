/**
 * Scorer backed by transformers.js (@huggingface/transformers) running an ONNX causal LM
 * with onnxruntime-node. One forward pass per (context, text) window; windows of many
 * requests are batched with right padding (a causal model's earlier positions never see
 * the padding, so padded and unpadded results agree).
 */
import type { FusionWeights } from '../code/fusion.js';
import { WordAssociation } from './word-association.js';
import type { PreTrainedModel, PreTrainedTokenizer } from '@huggingface/transformers';
import { CancelledError, ModelError, throwIfCancelled } from '../errors.js';
import type { ModelInfo } from '../types.js';
import {
  checkModelFolder,
  defaultGraphCacheRoot,
  ONNX_FILE_FOR_DTYPE,
  type ModelConfig,
  type ModelDtype,
  type ModelLocation,
} from './model-files.js';
import type { ScoredToken, ScoreOptions, Scorer, ScoreRequest, ScoreResult } from './scorer.js';
import { ScoreCache } from './score-cache.js';
import { targetLogprobsModel } from './graph-surgery.js';
import { byteLevelSpans, spansByCumulativeDecode } from './token-offsets.js';
import { planTokenWindows } from './windows.js';

type Transformers = typeof import('@huggingface/transformers');

export interface TransformersScorerOptions {
  location: ModelLocation;
  dtype: ModelDtype;
  /** Upper bound on tokens per forward pass (BOS + context + text); defaults from config. */
  maxTokens?: number;
  /** Max sequences per batch and max padded tokens per batch (memory bound: logits are B*T*V floats). */
  maxBatchSize?: number;
  maxBatchTokens?: number;
  /** onnxruntime intra-op threads (default 1). */
  threads?: number;
  cache?: ScoreCache;
  /**
   * Hub and folder models whose graph outputs logits [B, T, V] are loaded from a patched copy
   * that outputs target_logprobs [B, T] (graph-surgery.ts). Default true; also off with
   * CONTEXTZIP_GRAPH_SURGERY=0.
   */
  graphSurgery?: boolean;
  /** Where patched graphs are kept (default: defaultGraphCacheRoot()). */
  graphCacheDir?: string;
}

/** A slice of one request scored in one forward pass. */
interface Window {
  request: number;
  /** Token ids fed after BOS. */
  ids: number[];
  /** Index in `ids` of the first scored token. */
  firstScored: number;
  /** Index of that token in the request's target tokens. */
  targetOffset: number;
  truncated: boolean;
}

interface Encoded {
  ctx: number[];
  tgt: number[];
  spans: Array<[number, number]>;
  strings: string[];
}

let transformersModule: Transformers | undefined;
function transformers(): Transformers {
  // Loaded on first use: importing it pulls in onnxruntime-node (a native addon).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  transformersModule ??= require('@huggingface/transformers') as Transformers;
  return transformersModule;
}

export class TransformersScorer implements Scorer {
  readonly info: ModelInfo;
  readonly maxTokens: number;
  private readonly maxBatchSize: number;
  private readonly maxBatchTokens: number;
  private readonly logitsAreLogProbs: boolean;
  /**
   * The graph outputs target_logprobs [B, T] (column t = log p(ids[t+1] | ids[..t])): the
   * embedded model since 1.4.0, and hub models after graph surgery (graph-surgery.ts). The
   * session then returns only that output; [B, T, V] logits never reach JavaScript.
   */
  readonly targetOnly: boolean;
  private readonly bos: number;
  private readonly pad: number;
  private readonly byteLevel: boolean;
  readonly wordAssociation: WordAssociation | null;
  readonly fusionWeights?: FusionWeights;
  private disposed = false;
  /** Serializes forward passes: onnxruntime sessions are not re-entrant-safe for our buffers. */
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly tokenizer: PreTrainedTokenizer,
    private readonly model: PreTrainedModel,
    config: ModelConfig,
    options: TransformersScorerOptions,
    private readonly cache: ScoreCache | undefined,
    wordAssociation: WordAssociation | null,
  ) {
    this.info = { id: options.location.id, dtype: options.dtype };
    this.wordAssociation = wordAssociation;
    this.fusionWeights = config.contextzip?.ranking?.weights;
    const configured = config.contextzip?.maxTokens ?? config.max_position_embeddings ?? config.n_positions ?? 1024;
    this.maxTokens = Math.max(16, Math.min(options.maxTokens ?? configured, configured));
    // Batch size 1 by default: on CPU, batching buys almost nothing (bench/model), and q8
    // graphs quantize activations per tensor (DynamicQuantizeLinear), so a batch's padding and
    // neighbours shift results slightly. One sequence per pass keeps scores exact and cacheable.
    this.maxBatchSize = options.maxBatchSize ?? 1;
    this.maxBatchTokens = options.maxBatchTokens ?? 4096;
    this.logitsAreLogProbs = config.logits_are_log_probs === true;
    this.targetOnly = fetchOnlyTargetLogprobs(model);
    const eos = Array.isArray(config.eos_token_id) ? config.eos_token_id[0] : config.eos_token_id;
    this.bos = tokenizer.bos_token_id ?? config.bos_token_id ?? eos ?? 0;
    this.pad = tokenizer.pad_token_id ?? config.pad_token_id ?? this.bos;
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const json = (tokenizer as any)._tokenizerJSON as
      { pre_tokenizer?: unknown; decoder?: { type?: string } } | undefined;
    this.byteLevel =
      JSON.stringify(json?.pre_tokenizer ?? {}).includes('ByteLevel') || json?.decoder?.type === 'ByteLevel';
  }

  static async load(options: TransformersScorerOptions): Promise<TransformersScorer> {
    const { location, dtype } = options;
    const config = checkModelFolder(location.dir, dtype);
    const tf = transformers();
    // Never fetch anything while loading: a missing optional file (generation_config.json)
    // would otherwise trigger a request to the hub (docs/MODELS.md). Downloads are explicit.
    tf.env.allowRemoteModels = false;
    tf.env.allowLocalModels = true;
    let loadRef: string;
    if (location.kind === 'hub') {
      // Hub ids go through transformers.js' own local-path mechanism: <localModelPath>/<owner>/<name>.
      tf.env.localModelPath = location.cacheRoot + '/';
      loadRef = location.id;
    } else {
      tf.env.localModelPath = '/';
      loadRef = location.dir;
    }
    let tokenizer: PreTrainedTokenizer;
    let model: PreTrainedModel;
    try {
      tokenizer = await tf.AutoTokenizer.from_pretrained(loadRef, { local_files_only: true });
    } catch (err) {
      throw new ModelError(`Could not load the tokenizer of ${location.id}: ${firstLine(err)}`, 'model-corrupt');
    }
    // One intra-op thread by default: our models are small, and with other work on the
    // machine (the editor, the extension host) onnxruntime's spinning thread pool measured
    // 2x slower than a single thread (bench/scorer-speed.ts).
    const session_options = { intraOpNumThreads: options.threads ?? 1 };
    const load = (ref: string) =>
      tf.AutoModelForCausalLM.from_pretrained(ref, { dtype, local_files_only: true, session_options });
    let patched: PreTrainedModel | undefined;
    if (
      location.kind !== 'embedded' &&
      options.graphSurgery !== false &&
      process.env.CONTEXTZIP_GRAPH_SURGERY !== '0'
    ) {
      // A copy of the graph that outputs target_logprobs: on any failure the original is loaded.
      try {
        const copy = targetLogprobsModel(
          location.dir,
          ONNX_FILE_FOR_DTYPE[dtype],
          options.graphCacheDir ?? defaultGraphCacheRoot(),
        );
        if (copy) {
          tf.env.localModelPath = '/';
          patched = await load(copy.dir);
        }
      } catch {
        patched = undefined;
      } finally {
        if (location.kind === 'hub') tf.env.localModelPath = location.cacheRoot + '/';
      }
    }
    try {
      model = patched ?? (await load(loadRef));
    } catch (err) {
      throw new ModelError(
        `Model file onnx/${ONNX_FILE_FOR_DTYPE[dtype]} of ${location.id} could not be loaded (corrupt or not a causal LM ONNX graph): ${firstLine(err)}`,
        'model-corrupt',
      );
    }
    let association: WordAssociation | null;
    try {
      association = WordAssociation.load(location.dir);
    } catch (err) {
      throw new ModelError(
        `The word-association files of ${location.id} are corrupt: ${firstLine(err)}`,
        'model-corrupt',
      );
    }
    return new TransformersScorer(tokenizer, model, config, options, options.cache, association);
  }

  countTokens(text: string): number {
    return text.length === 0 ? 0 : this.tokenizer.encode(text, { add_special_tokens: false }).length;
  }

  /** Tokenizes a continuation and maps each token to its character span. */
  private encodeTarget(text: string): Omit<Encoded, 'ctx'> {
    if (text.length === 0) return { tgt: [], spans: [], strings: [] };
    const strings = this.tokenizer.tokenize(text, { add_special_tokens: false });
    const tgt = this.tokenizer.convert_tokens_to_ids(strings) as number[];
    let spans = this.byteLevel ? byteLevelSpans(text, strings) : null;
    spans ??= spansByCumulativeDecode(text, tgt, (ids) => this.tokenizer.decode(ids, { skip_special_tokens: false }));
    const display = spans.map(([s, e]) => text.slice(s, e));
    return { tgt, spans, strings: display };
  }

  async score(requests: ScoreRequest[], options: ScoreOptions = {}): Promise<ScoreResult[]> {
    if (this.disposed) throw new ModelError('The model was disposed.', 'model-disposed');
    const results: Array<ScoreResult | undefined> = new Array(requests.length);
    const keys = requests.map((r) => this.cache?.key(this.info, r.context, r.text));
    // A context scored in the same pass is cached as what it is: the context scored alone.
    const contextKeys = requests.map((r) =>
      r.scoreContext && r.context.length > 0 ? this.cache?.key(this.info, '', r.context) : undefined,
    );
    const todo: number[] = [];
    requests.forEach((r, i) => {
      const hit = keys[i] !== undefined ? this.cache!.get(keys[i]!) : undefined;
      const contextHit = contextKeys[i] !== undefined ? this.cache!.get(contextKeys[i]!) : undefined;
      if (hit && (contextKeys[i] === undefined || contextHit)) {
        results[i] = { ...hit, cached: true, ...(contextHit ? { contextTokens: contextHit.tokens } : {}) };
      } else todo.push(i);
    });
    if (todo.length > 0) {
      const encoded = new Map<number, Encoded & { scoredPrefix: number }>();
      const windows: Window[] = [];
      for (const i of todo) {
        const r = requests[i];
        const target = this.encodeTarget(r.text);
        let enc: Encoded & { scoredPrefix: number };
        if (r.scoreContext && r.context.length > 0) {
          const c = this.encodeTarget(r.context);
          // Scored from its first token only when context and text fit one window together.
          const fits = c.tgt.length + target.tgt.length <= this.maxTokens - 1;
          enc = fits
            ? {
                ctx: [],
                tgt: c.tgt.concat(target.tgt),
                spans: c.spans.concat(target.spans),
                strings: c.strings.concat(target.strings),
                scoredPrefix: c.tgt.length,
              }
            : { ctx: c.tgt, ...target, scoredPrefix: 0 };
        } else {
          const ctx = r.context.length > 0 ? this.tokenizer.encode(r.context, { add_special_tokens: false }) : [];
          enc = { ctx, ...target, scoredPrefix: 0 };
        }
        encoded.set(i, enc);
        windows.push(...this.planWindows(i, enc.ctx, enc.tgt));
      }
      const logprobs = new Map<number, Float64Array>();
      const truncated = new Map<number, boolean>();
      const processed = new Map<number, number>();
      for (const i of todo) {
        logprobs.set(i, new Float64Array(encoded.get(i)!.tgt.length));
        truncated.set(i, false);
        processed.set(i, 0);
      }
      const batches = this.packBatches(windows);
      let done = 0;
      for (const batch of batches) {
        throwIfCancelled(options.signal);
        await this.runBatch(batch, logprobs);
        for (const w of batch) {
          if (w.truncated) truncated.set(w.request, true);
          processed.set(w.request, processed.get(w.request)! + w.ids.length + 1);
        }
        done += batch.length;
        options.onProgress?.(done, windows.length);
      }
      for (const i of todo) {
        const enc = encoded.get(i)!;
        const lp = logprobs.get(i)!;
        const all: ScoredToken[] = enc.tgt.map((id, k) => ({
          id,
          text: enc.strings[k],
          logprob: lp[k],
          start: enc.spans[k][0],
          end: enc.spans[k][1],
        }));
        const tokens = all.slice(enc.scoredPrefix);
        const result = scoreResult(tokens, truncated.get(i)!, processed.get(i)!);
        results[i] = result;
        if (keys[i] !== undefined) this.cache!.set(keys[i]!, result);
        if (enc.scoredPrefix > 0) {
          const contextTokens = all.slice(0, enc.scoredPrefix);
          results[i] = { ...result, contextTokens };
          if (contextKeys[i] !== undefined)
            this.cache!.set(contextKeys[i]!, scoreResult(contextTokens, false, enc.scoredPrefix + 1));
        }
      }
    }
    return results as ScoreResult[];
  }

  /** One request's forward-pass windows (windows.ts), as id slices. */
  private planWindows(request: number, ctx: number[], tgt: number[]): Window[] {
    const all = ctx.length === 0 ? tgt : ctx.concat(tgt);
    return planTokenWindows(ctx.length, tgt.length, this.maxTokens - 1).map((w) => ({
      request,
      ids: all.slice(w.start, w.end),
      firstScored: w.firstScored - w.start,
      targetOffset: w.targetOffset,
      truncated: w.truncated,
    }));
  }

  /** Groups windows of similar length so padding stays small and memory stays bounded. */
  private packBatches(windows: Window[]): Window[][] {
    const sorted = [...windows].sort((a, b) => b.ids.length - a.ids.length);
    const batches: Window[][] = [];
    let cur: Window[] = [];
    for (const w of sorted) {
      const len = w.ids.length + 1;
      const maxLen = cur.length > 0 ? cur[0].ids.length + 1 : len;
      if (cur.length > 0 && (cur.length >= this.maxBatchSize || (cur.length + 1) * maxLen > this.maxBatchTokens)) {
        batches.push(cur);
        cur = [];
      }
      cur.push(w);
    }
    if (cur.length > 0) batches.push(cur);
    return batches;
  }

  private async runBatch(batch: Window[], out: Map<number, Float64Array>): Promise<void> {
    const run = async () => {
      const tf = transformers();
      const T = Math.max(...batch.map((w) => w.ids.length)) + 1;
      const B = batch.length;
      const ids = new BigInt64Array(B * T).fill(BigInt(this.pad));
      const mask = new BigInt64Array(B * T);
      batch.forEach((w, b) => {
        ids[b * T] = BigInt(this.bos);
        mask[b * T] = 1n;
        for (let j = 0; j < w.ids.length; j++) {
          ids[b * T + j + 1] = BigInt(w.ids[j]);
          mask[b * T + j + 1] = 1n;
        }
      });
      const input_ids = new tf.Tensor('int64', ids, [B, T]);
      const attention_mask = new tf.Tensor('int64', mask, [B, T]);
      let logits: OutputTensor;
      try {
        // transformers.js prepares every other input the graph needs (position ids, empty past
        // key/values, ...); on the fast path its session fetches only target_logprobs.
        const outputs = (await this.model({ input_ids, attention_mask })) as Record<string, OutputTensor>;
        logits = this.targetOnly ? outputs.target_logprobs : outputs.logits;
      } catch (err) {
        throw new ModelError(`The model failed to run: ${firstLine(err)}`, 'model-run');
      }
      if (this.targetOnly) {
        try {
          if (logits.dims.length !== 2 || logits.dims[0] !== B || logits.dims[1] !== T)
            throw new ModelError(
              `The model returned target_logprobs of shape [${logits.dims.join(', ')}], expected [${B}, ${T}].`,
              'model-run',
            );
          const data = logits.data;
          batch.forEach((w, b) => {
            const dest = out.get(w.request)!;
            // Token ids[j] sits at input position j+1; its log-prob is column j.
            for (let j = w.firstScored; j < w.ids.length; j++)
              dest[w.targetOffset + j - w.firstScored] = data[b * T + j];
          });
        } finally {
          logits.dispose?.();
        }
        return;
      }
      try {
        const V = logits.dims[2];
        const data = logits.data;
        batch.forEach((w, b) => {
          const dest = out.get(w.request)!;
          for (let j = w.firstScored; j < w.ids.length; j++) {
            // Token ids[j] sits at input position j+1; its distribution is row j.
            const row = (b * T + j) * V;
            dest[w.targetOffset + j - w.firstScored] = this.logitsAreLogProbs
              ? data[row + w.ids[j]]
              : data[row + w.ids[j]] - logSumExp(data, row, V);
          }
        });
      } finally {
        logits.dispose?.();
      }
    };
    const next = this.queue.then(run, run);
    this.queue = next.catch(() => undefined);
    return next;
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await this.queue.catch(() => undefined);
    await this.model.dispose();
  }
}

type OutputTensor = { data: Float32Array; dims: number[]; dispose?: () => void };

interface OrtSession {
  outputNames: readonly string[];
  run(feeds: unknown, fetches?: unknown, options?: unknown): Promise<unknown>;
}

/**
 * When the model's session has a target_logprobs output, makes every run of it fetch only
 * that output (onnxruntime then copies [B, T] floats instead of the [B, T, V] logits and any
 * present key/values). The session is wrapped, not changed: the wrapper inherits everything
 * else (input names and metadata for transformers.js' feeds, release on dispose).
 */
function fetchOnlyTargetLogprobs(model: PreTrainedModel): boolean {
  const sessions = (model as unknown as { sessions?: Record<string, OrtSession> }).sessions;
  const session = sessions?.model;
  if (!sessions || !session?.outputNames?.includes('target_logprobs')) return false;
  const run = session.run.bind(session);
  sessions.model = Object.create(session, {
    run: {
      value: (feeds: unknown, fetches?: unknown, options?: unknown) =>
        run(feeds, fetches ?? ['target_logprobs'], options),
    },
  }) as OrtSession;
  return true;
}

function scoreResult(tokens: ScoredToken[], contextTruncated: boolean, tokensProcessed: number): ScoreResult {
  const total = tokens.reduce((s, t) => s + t.logprob, 0);
  return {
    tokens,
    totalLogprob: total,
    perplexity: tokens.length > 0 ? Math.exp(-total / tokens.length) : 1,
    contextTruncated,
    tokensProcessed,
  };
}

function logSumExp(data: Float32Array, off: number, n: number): number {
  let m = -Infinity;
  for (let j = 0; j < n; j++) if (data[off + j] > m) m = data[off + j];
  let z = 0;
  for (let j = 0; j < n; j++) z += Math.exp(data[off + j] - m);
  return m + Math.log(z);
}

function firstLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.split('\n')[0].slice(0, 300);
}

export { CancelledError };
