/**
 * The HTTP side of remote scoring (remote-scorer.ts): POSTs to an OpenAI-compatible
 * completions endpoint with Node's built-in fetch (undici), a concurrency limit, a timeout per
 * request (AbortController), retries with exponential backoff and jitter on 429, 5xx and
 * network errors (Retry-After honoured), and cancellation through the shared
 * CancellationSignal (polled; in-flight requests are aborted). Every error is a one-line
 * ModelError that names the endpoint and never contains the API key.
 */
import { CancelledError, ModelError, type CancellationSignal } from '../errors.js';

export interface RemoteClientOptions {
  /** The completions endpoint (…/v1/completions). */
  endpoint: string;
  apiKey?: string;
  /** Requests in flight at once (default 4). */
  concurrency?: number;
  /** Per-request timeout in ms (default 120 000). */
  timeoutMs?: number;
  /** Retries after the first attempt on 429, 5xx and network errors (default 4). */
  retries?: number;
  /** First backoff delay in ms; doubles per retry, with jitter (default 500). */
  retryBaseMs?: number;
  /** Longest wait between attempts, also for Retry-After (default 30 000). */
  retryMaxMs?: number;
  /** For tests: a fetch implementation (default the global fetch). */
  fetch?: typeof fetch;
}

export const REMOTE_DEFAULTS = {
  concurrency: 4,
  timeoutMs: 120_000,
  retries: 4,
  retryBaseMs: 500,
  retryMaxMs: 30_000,
} as const;

/** An HTTP error answer of the remote scorer (status kept for callers that adapt, e.g. max_tokens). */
export class RemoteHttpError extends ModelError {
  constructor(
    message: string,
    code: string,
    readonly status: number,
    /** The server's own message, shortened (API key removed). */
    readonly detail: string,
  ) {
    super(message, code);
  }
}

/** How often a pending request or backoff checks the cancellation signal. */
const CANCEL_POLL_MS = 50;

/** Normalizes a user-given URL to the completions endpoint: base, base/v1 or …/v1/completions. */
export function completionsEndpoint(url: string): string {
  let u: URL;
  try {
    u = new URL(url.trim());
  } catch {
    throw new ModelError(`The remote scorer URL "${displayUrl(url)}" is not a valid URL.`, 'remote-url');
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:')
    throw new ModelError(
      `The remote scorer URL must start with http:// or https:// (got ${u.protocol}).`,
      'remote-url',
    );
  u.hash = '';
  let p = u.pathname.replace(/\/+$/, '');
  if (!/\/completions$/.test(p)) p = /\/v1$/.test(p) ? `${p}/completions` : `${p}/v1/completions`;
  u.pathname = p;
  return u.toString();
}

/** A URL for messages and logs: no user:password part, no query string (either may hold secrets). */
export function displayUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    u.search = '';
    u.hash = '';
    return u.toString();
  } catch {
    return url.replace(/\/\/[^/@]*@/, '//').replace(/\?.*$/, '');
  }
}

/** A slot-handing semaphore: at most `max` holders at once, served in arrival order. */
class Limiter {
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  constructor(private readonly max: number) {}

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.max) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active++;
    try {
      return await fn();
    } finally {
      const next = this.waiting.shift();
      if (next)
        next(); // the slot passes to the next waiter without being released
      else this.active--;
    }
  }
}

export class RemoteClient {
  readonly endpoint: string;
  private readonly limiter: Limiter;
  private readonly timeoutMs: number;
  private readonly retries: number;
  private readonly retryBaseMs: number;
  private readonly retryMaxMs: number;
  private readonly fetchImpl: typeof fetch;
  private readonly apiKey: string | undefined;

  constructor(options: RemoteClientOptions) {
    this.endpoint = completionsEndpoint(options.endpoint);
    this.apiKey = options.apiKey?.trim() || undefined;
    this.limiter = new Limiter(Math.max(1, Math.floor(options.concurrency ?? REMOTE_DEFAULTS.concurrency)));
    this.timeoutMs = Math.max(1, options.timeoutMs ?? REMOTE_DEFAULTS.timeoutMs);
    this.retries = Math.max(0, Math.floor(options.retries ?? REMOTE_DEFAULTS.retries));
    this.retryBaseMs = Math.max(0, options.retryBaseMs ?? REMOTE_DEFAULTS.retryBaseMs);
    this.retryMaxMs = Math.max(0, options.retryMaxMs ?? REMOTE_DEFAULTS.retryMaxMs);
    this.fetchImpl = options.fetch ?? fetch;
  }

  /** The endpoint as shown in messages. */
  get where(): string {
    return displayUrl(this.endpoint);
  }

  /** The models listing next to the completions endpoint (…/v1/models). */
  get modelsUrl(): string {
    return this.endpoint.replace(/\/completions(\?|$)/, '/models$1');
  }

  /** POSTs a JSON body to the completions endpoint; the parsed JSON answer. */
  post(body: unknown, signal?: CancellationSignal): Promise<unknown> {
    return this.limiter.run(() => this.request('POST', this.endpoint, JSON.stringify(body), signal));
  }

  /** GETs a URL on the same server (the models listing); the parsed JSON answer. */
  get(url: string, signal?: CancellationSignal, retries?: number): Promise<unknown> {
    return this.limiter.run(() => this.request('GET', url, undefined, signal, retries));
  }

  private headers(body: boolean): Record<string, string> {
    const h: Record<string, string> = { accept: 'application/json', 'user-agent': 'contextzip' };
    if (body) h['content-type'] = 'application/json';
    if (this.apiKey) h.authorization = `Bearer ${this.apiKey}`;
    return h;
  }

  private async request(
    method: 'GET' | 'POST',
    url: string,
    body: string | undefined,
    signal?: CancellationSignal,
    retries = this.retries,
  ): Promise<unknown> {
    for (let attempt = 0; ; attempt++) {
      if (signal?.cancelled) throw new CancelledError();
      const ac = new AbortController();
      let why: 'timeout' | 'cancelled' | undefined;
      const timer = setTimeout(() => {
        why = 'timeout';
        ac.abort();
      }, this.timeoutMs);
      const poll = signal
        ? setInterval(() => {
            if (signal.cancelled) {
              why = 'cancelled';
              ac.abort();
            }
          }, CANCEL_POLL_MS)
        : undefined;
      let status: number;
      let text: string;
      let retryAfter: string | null;
      try {
        const res = await this.fetchImpl(url, {
          method,
          headers: this.headers(body !== undefined),
          body,
          signal: ac.signal,
        });
        status = res.status;
        retryAfter = res.headers.get('retry-after');
        text = await res.text();
      } catch (err) {
        if (why === 'cancelled') throw new CancelledError();
        if (why === 'timeout')
          throw new ModelError(
            `The remote scorer at ${this.where} did not answer within ${formatSeconds(this.timeoutMs)} (raise the timeout: --scorer-timeout, setting contextzip.scorer.timeoutSeconds).`,
            'remote-timeout',
          );
        if (attempt < retries) {
          await this.sleep(this.backoff(attempt), signal);
          continue;
        }
        throw this.scrub(
          new ModelError(
            `Cannot reach the remote scorer at ${this.where} (${networkReason(err)}). Check the URL (--scorer-url, setting contextzip.scorer.url) and that the server is running.`,
            'remote-unreachable',
          ),
        );
      } finally {
        clearTimeout(timer);
        if (poll) clearInterval(poll);
      }
      if (status >= 200 && status < 300) {
        try {
          return JSON.parse(text);
        } catch {
          throw this.scrub(
            new ModelError(
              `The remote scorer at ${this.where} returned a malformed response: not JSON (${excerpt(text) || 'empty body'}).`,
              'remote-malformed',
            ),
          );
        }
      }
      if ((status === 429 || status >= 500) && attempt < retries) {
        await this.sleep(this.retryDelay(attempt, retryAfter), signal);
        continue;
      }
      throw this.scrub(this.httpError(status, text, url));
    }
  }

  private httpError(status: number, text: string, url: string): RemoteHttpError {
    let detail = serverMessage(text);
    if (this.apiKey) detail = detail.split(this.apiKey).join('***');
    const said = detail ? `: ${detail.replace(/[.\s]+$/, '')}` : '';
    if (status === 401 || status === 403)
      return new RemoteHttpError(
        this.apiKey
          ? `The remote scorer at ${this.where} rejected the API key (HTTP ${status}${said}). Set the right key: environment variable CONTEXTZIP_SCORER_API_KEY (CLI), or "ContextZip: Set Remote Scorer API Key" (VS Code).`
          : `The remote scorer at ${this.where} needs an API key (HTTP ${status}${said}). Set CONTEXTZIP_SCORER_API_KEY (CLI), or run "ContextZip: Set Remote Scorer API Key" (VS Code).`,
        'remote-auth',
        status,
        detail,
      );
    if (status === 404)
      return new RemoteHttpError(
        `The remote scorer at ${displayUrl(url)} answered HTTP 404${said}: the model is not served there, or the URL is not an OpenAI-compatible server (expected …/v1/completions). Check --model / contextzip.scorer.model and --scorer-url / contextzip.scorer.url.`,
        'remote-not-found',
        status,
        detail,
      );
    return new RemoteHttpError(
      `The remote scorer at ${this.where} answered HTTP ${status}${said}.`,
      'remote-http',
      status,
      detail,
    );
  }

  /** Exponential backoff with jitter: base * 2^attempt, times a random factor in [0.5, 1]. */
  private backoff(attempt: number): number {
    const exp = Math.min(this.retryMaxMs, this.retryBaseMs * 2 ** attempt);
    return Math.round(exp * (0.5 + Math.random() * 0.5));
  }

  private retryDelay(attempt: number, retryAfter: string | null): number {
    const ra = parseRetryAfter(retryAfter);
    return ra !== undefined ? Math.min(this.retryMaxMs, ra) : this.backoff(attempt);
  }

  private async sleep(ms: number, signal?: CancellationSignal): Promise<void> {
    const end = Date.now() + ms;
    while (Date.now() < end) {
      if (signal?.cancelled) throw new CancelledError();
      await new Promise((r) => setTimeout(r, Math.min(CANCEL_POLL_MS, end - Date.now())));
    }
    if (signal?.cancelled) throw new CancelledError();
  }

  /** Removes the API key from a message, whatever the server echoed back. */
  scrub<E extends Error>(err: E): E {
    if (this.apiKey && err.message.includes(this.apiKey)) err.message = err.message.split(this.apiKey).join('***');
    return err;
  }
}

/** Retry-After in ms: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null): number | undefined {
  if (!value) return undefined;
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : Math.max(0, t - Date.now());
}

function networkReason(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } })?.cause;
  const code = cause?.code ?? (err as { code?: string })?.code;
  if (code) return code;
  const msg = cause?.message ?? (err instanceof Error ? err.message : String(err));
  return msg.split('\n')[0].slice(0, 200);
}

/** The server's own error message from an OpenAI-style error body, or a short excerpt. */
function serverMessage(text: string): string {
  try {
    const j = JSON.parse(text) as { error?: { message?: unknown } | string; message?: unknown; detail?: unknown };
    const m = (typeof j.error === 'object' && j.error !== null ? j.error.message : j.error) ?? j.message ?? j.detail;
    if (typeof m === 'string') return excerpt(m);
  } catch {
    // not JSON: fall through
  }
  return excerpt(text);
}

function excerpt(text: string): string {
  const one = text.replace(/\s+/g, ' ').trim();
  return one.length > 200 ? `${one.slice(0, 200)}…` : one;
}

function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}
