/**
 * A stand-in for `vllm serve`: the OpenAI-compatible completions API a remote scorer talks to
 * (POST /v1/completions with echo + logprobs or vLLM's prompt_logprobs, GET /v1/models), with
 * REAL log-probs from a local model (the embedded one by default) run through transformers.js,
 * one sequence per forward pass as the local scorer does. Tests start it on 127.0.0.1 port 0;
 * by hand: `node --import tsx test/support/vllm-standin.ts --port 8000 [--api-key KEY]`.
 *
 * It mimics vLLM where the client could notice: prompts as text (tokenized with BOS, like
 * add_special_tokens) or token ids (used as given); `logprobs.tokens` are per-token decodes
 * and `text_offset` adds up their lengths in code points (BOS text included); the first
 * log-prob is null; `max_tokens: 0` with echo returns only the prompt; prompts longer than
 * the model window are refused with HTTP 400; a wrong model name is HTTP 404; a missing or
 * wrong API key is HTTP 401. Hooks let tests inject failures and delays.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import fs from 'node:fs';
import path from 'node:path';
import type { PreTrainedModel, PreTrainedTokenizer } from '@huggingface/transformers';
import { embeddedModelDir } from '../../src/core/model/model-files.js';

export interface RecordedRequest {
  method: string;
  path: string;
  authorization?: string;
  body?: Record<string, unknown>;
  /** Number of prompts in a completions request. */
  prompts: number;
}

/** What a hook may answer instead of the real response ('hang': never answer). */
export type Intercept = { status: number; body: string; headers?: Record<string, string> } | 'hang' | undefined;

export interface StandInOptions {
  modelDir?: string;
  dtype?: 'q8' | 'fp32' | 'q4';
  /** The served model name (GET /v1/models, the "model" field). */
  servedName?: string;
  /** Require `Authorization: Bearer <apiKey>`. */
  apiKey?: string;
  /** Emulate servers that refuse max_tokens 0. */
  rejectMaxTokensZero?: boolean;
  /** Delay before each completions answer (ms). */
  delayMs?: number;
  /** Called for the n-th completions request (0-based) before it is served. */
  intercept?: (n: number, body: Record<string, unknown>) => Intercept;
  /** Port on 127.0.0.1 (default 0: any free port). */
  port?: number;
}

export interface StandIn {
  url: string;
  servedName: string;
  requests: RecordedRequest[];
  /** Most completions requests being handled at once. */
  maxInFlight: number;
  /** Completions requests whose client went away before the answer. */
  aborted: number;
  close(): Promise<void>;
}

type Transformers = typeof import('@huggingface/transformers');

interface Loaded {
  tf: Transformers;
  tokenizer: PreTrainedTokenizer;
  model: PreTrainedModel;
  bos: number;
  logitsAreLogProbs: boolean;
  window: number;
}

const loadedModels = new Map<string, Promise<Loaded>>();

function loadModel(dir: string, dtype: string): Promise<Loaded> {
  const key = `${dir}\0${dtype}`;
  let p = loadedModels.get(key);
  if (!p) {
    p = (async () => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const tf = require('@huggingface/transformers') as Transformers;
      tf.env.allowRemoteModels = false;
      tf.env.allowLocalModels = true;
      tf.env.localModelPath = '/';
      const config = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
      const tokenizer = await tf.AutoTokenizer.from_pretrained(dir, { local_files_only: true });
      const model = await tf.AutoModelForCausalLM.from_pretrained(dir, {
        dtype: dtype as 'q8',
        local_files_only: true,
        session_options: { intraOpNumThreads: 1 },
      });
      const cz = (config.contextzip ?? {}) as { maxTokens?: number };
      return {
        tf,
        tokenizer,
        model,
        bos: tokenizer.bos_token_id ?? (config.bos_token_id as number) ?? 0,
        logitsAreLogProbs: config.logits_are_log_probs === true,
        window: cz.maxTokens ?? (config.max_position_embeddings as number) ?? 1024,
      };
    })();
    loadedModels.set(key, p);
  }
  return p;
}

/**
 * Log-probs of ids[1..] given what precedes them (entry 0 is null), plus a "generated" next
 * token: the greedy one for graphs that output logits [B, T, V]; for target-only graphs
 * (target_logprobs [B, T], the embedded model since 1.4.0) the distribution is not available,
 * so the stand-in generates the EOS/BOS token with its true log-prob (one pass over ids + [bos]).
 * Clients drop generated tokens, so only their presence matters.
 */
async function forward(
  m: Loaded,
  ids: number[],
): Promise<{ lps: Array<number | null>; next: { id: number; lp: number } }> {
  const targetOnly = (
    m.model as unknown as { sessions?: { model?: { outputNames?: string[] } } }
  ).sessions?.model?.outputNames?.includes('target_logprobs');
  const seq = targetOnly ? [...ids, m.bos] : ids;
  const T = seq.length;
  const input_ids = new m.tf.Tensor('int64', BigInt64Array.from(seq.map(BigInt)), [1, T]);
  const attention_mask = new m.tf.Tensor('int64', new BigInt64Array(T).fill(1n), [1, T]);
  const out = (await m.model({ input_ids, attention_mask })) as Record<
    string,
    { data: Float32Array; dims: number[]; dispose?: () => void }
  >;
  if (targetOnly) {
    const data = out.target_logprobs.data;
    try {
      const lps: Array<number | null> = [null];
      for (let j = 1; j < ids.length; j++) lps.push(data[j - 1]);
      return { lps, next: { id: m.bos, lp: data[ids.length - 1] } };
    } finally {
      out.target_logprobs.dispose?.();
    }
  }
  const logits = out.logits;
  try {
    const V = logits.dims[2];
    const data = logits.data;
    const row = (j: number) => {
      const off = j * V;
      if (m.logitsAreLogProbs) return (id: number) => data[off + id];
      let mx = -Infinity;
      for (let k = 0; k < V; k++) mx = Math.max(mx, data[off + k]);
      let z = 0;
      for (let k = 0; k < V; k++) z += Math.exp(data[off + k] - mx);
      const lse = mx + Math.log(z);
      return (id: number) => data[off + id] - lse;
    };
    const lps: Array<number | null> = [null];
    for (let j = 1; j < T; j++) lps.push(row(j - 1)(ids[j]));
    const last = row(T - 1);
    let best = 0;
    for (let k = 1; k < V; k++) if (last(k) > last(best)) best = k;
    return { lps, next: { id: best, lp: last(best) } };
  } finally {
    logits.dispose?.();
  }
}

function json(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(text);
}

function vllmError(res: http.ServerResponse, status: number, message: string, type: string): void {
  json(res, status, { object: 'error', message, type, param: null, code: status });
}

export async function startStandIn(options: StandInOptions = {}): Promise<StandIn> {
  const dir = options.modelDir ?? embeddedModelDir();
  const m = await loadModel(dir, options.dtype ?? 'q8');
  const servedName = options.servedName ?? 'contextzip-embedded';
  const codePoints = (s: string) => [...s].length;
  let queue: Promise<unknown> = Promise.resolve();
  const serialized = <T>(fn: () => Promise<T>): Promise<T> => {
    const next = queue.then(fn, fn);
    queue = next.catch(() => undefined);
    return next;
  };
  let completions = 0;
  let inFlight = 0;
  const state: StandIn = {
    url: '',
    servedName,
    requests: [],
    maxInFlight: 0,
    aborted: 0,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (d: Buffer) => chunks.push(d));
    req.on('end', () => {
      void (async () => {
        const rec: RecordedRequest = {
          method: req.method ?? '',
          path: req.url ?? '',
          authorization: req.headers.authorization,
          prompts: 0,
        };
        state.requests.push(rec);
        if (options.apiKey !== undefined && req.headers.authorization !== `Bearer ${options.apiKey}`) {
          json(res, 401, { error: 'Unauthorized' });
          return;
        }
        if (req.method === 'GET' && req.url === '/v1/models') {
          json(res, 200, {
            object: 'list',
            data: [{ id: servedName, object: 'model', owned_by: 'vllm', max_model_len: m.window }],
          });
          return;
        }
        if (req.method !== 'POST' || req.url !== '/v1/completions') {
          json(res, 404, { detail: 'Not Found' });
          return;
        }
        let body: Record<string, unknown>;
        try {
          body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
        } catch {
          vllmError(res, 400, 'Invalid JSON body', 'BadRequestError');
          return;
        }
        rec.body = body;
        const n = completions++;
        inFlight++;
        state.maxInFlight = Math.max(state.maxInFlight, inFlight);
        let answered = false;
        res.on('close', () => {
          inFlight--;
          if (!answered) state.aborted++;
        });
        const answer = (status: number, payload: unknown, headers?: Record<string, string>) => {
          answered = true;
          json(res, status, payload, headers);
        };
        const hook = options.intercept?.(n, body);
        if (hook === 'hang') return;
        if (options.delayMs) await new Promise((r) => setTimeout(r, options.delayMs));
        if (res.destroyed) return;
        if (hook) {
          answer(hook.status, hook.body, hook.headers);
          return;
        }
        try {
          const result = await serveCompletions(body, rec);
          if (result.status !== 200) answer(result.status, result.body);
          else answer(200, result.body);
        } catch (err) {
          answer(500, { object: 'error', message: String(err), type: 'InternalServerError', code: 500 });
        }
      })();
    });
  });

  async function serveCompletions(
    body: Record<string, unknown>,
    rec: RecordedRequest,
  ): Promise<{ status: number; body: unknown }> {
    const err = (status: number, message: string, type: string) => ({
      status,
      body: { object: 'error', message, type, param: null, code: status },
    });
    if (body.model !== servedName)
      return err(404, `The model \`${String(body.model)}\` does not exist.`, 'NotFoundError');
    const raw = body.prompt;
    const prompts: Array<string | number[]> =
      typeof raw === 'string'
        ? [raw]
        : Array.isArray(raw) && raw.length > 0 && typeof raw[0] === 'number'
          ? [raw as number[]]
          : Array.isArray(raw)
            ? (raw as Array<string | number[]>)
            : [];
    if (prompts.length === 0) return err(400, 'prompt is required', 'BadRequestError');
    rec.prompts = prompts.length;
    const echo = body.echo === true;
    const maxTokens = typeof body.max_tokens === 'number' ? body.max_tokens : 16;
    if (maxTokens === 0 && (options.rejectMaxTokensZero || !echo))
      return err(400, 'max_tokens must be at least 1, got 0.', 'BadRequestError');
    const logprobs = typeof body.logprobs === 'number' ? body.logprobs : null;
    const promptLogprobs = typeof body.prompt_logprobs === 'number' ? body.prompt_logprobs : null;
    const addSpecial = body.add_special_tokens !== false;
    const generate = Math.min(1, maxTokens);
    const choices = [];
    let promptTokens = 0;
    for (let i = 0; i < prompts.length; i++) {
      const p = prompts[i];
      const ids =
        typeof p === 'string'
          ? (m.tokenizer.encode(p, { add_special_tokens: addSpecial }) as number[])
          : (p as number[]);
      if (ids.length + generate > m.window)
        return err(
          400,
          `This model's maximum context length is ${m.window} tokens. However, you requested ${ids.length + generate} tokens (${ids.length} in the messages, ${generate} in the completion). Please reduce the length of the messages or completion.`,
          'BadRequestError',
        );
      promptTokens += ids.length;
      const { lps, next } = await serialized(() => forward(m, ids));
      const decode = (id: number) => m.tokenizer.decode([id], { skip_special_tokens: false });
      const promptText = typeof p === 'string' ? p : m.tokenizer.decode(ids, { skip_special_tokens: true });
      const gen = generate > 0 ? [next] : [];
      const choice: Record<string, unknown> = {
        index: i,
        text:
          (echo ? promptText : '') + gen.map((g) => m.tokenizer.decode([g.id], { skip_special_tokens: true })).join(''),
        finish_reason: 'length',
        stop_reason: null,
        logprobs: null,
        prompt_logprobs: null,
      };
      if (logprobs !== null) {
        const allIds = [...(echo ? ids : []), ...gen.map((g) => g.id)];
        const allLps: Array<number | null> = [...(echo ? lps : []), ...gen.map((g) => g.lp)];
        const tokens = allIds.map(decode);
        const offsets: number[] = [];
        let off = 0;
        for (const t of tokens) {
          offsets.push(off);
          off += codePoints(t);
        }
        choice.logprobs = {
          tokens,
          token_logprobs: allLps,
          text_offset: offsets,
          top_logprobs: allLps.map((lp, k) => (lp === null ? null : { [tokens[k]]: lp })),
        };
      }
      if (promptLogprobs !== null) {
        choice.prompt_logprobs = lps.map((lp, k) =>
          lp === null ? null : { [String(ids[k])]: { logprob: lp, rank: 1, decoded_token: decode(ids[k]) } },
        );
      }
      choices.push(choice);
    }
    return {
      status: 200,
      body: {
        id: `cmpl-standin-${Date.now()}`,
        object: 'text_completion',
        created: Math.floor(Date.now() / 1000),
        model: servedName,
        choices,
        usage: { prompt_tokens: promptTokens, completion_tokens: generate * prompts.length },
      },
    };
  }

  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', () => resolve()));
  const port = (server.address() as AddressInfo).port;
  state.url = `http://127.0.0.1:${port}/v1`;
  return state;
}

// By hand: node --import tsx test/support/vllm-standin.ts --port 8000 [--api-key KEY] [--model-dir DIR]
if (require.main === module) {
  const arg = (name: string) => {
    const k = process.argv.indexOf(name);
    return k >= 0 ? process.argv[k + 1] : undefined;
  };
  const port = Number(arg('--port') ?? 8000);
  void (async () => {
    const s = await startStandIn({ apiKey: arg('--api-key'), modelDir: arg('--model-dir'), port });
    process.stderr.write(`vllm stand-in: serving ${s.servedName} at ${s.url}\n`);
  })();
}
