/**
 * The `@contextzip` chat participant. For a question it compresses what the user attached
 * (#file, selections, folders) or the workspace, under a budget derived from the chat model's
 * input window, streams progress and a reference for every kept range, then sends the
 * compressed context and the question to the request's model and streams its answer.
 * /compress answers with the compressed context only; /explain asks for an explanation; /cot
 * compresses a reasoning trace; /dropped and /retry follow up on the last answer. Every failure
 * (no model, a window too small, an empty workspace, cancellation, model errors) is told in
 * the chat as text; the handler never throws.
 */
import * as vscode from 'vscode';
import type { Budget } from '../../core/budget.js';
import { dropReasonSummary } from '../../core/code/drop-reasons.js';
import { CancelledError, ContextZipError } from '../../core/errors.js';
import { cotSummaryLine, omittedSummaryLine } from '../../core/feed/result-text.js';
import { createTokenCounter } from '../../core/tokens/index.js';
import type { JobProgress } from '../../worker/protocol.js';
import type { CompressionRun } from '../compress/runStore.js';
import { compressInWorker, settingsBudget, type FeedDeps } from '../feed/engine.js';
import { collectFeedSources, type FeedSources, type ScopeItem } from '../feed/sources.js';
import { runCotJob } from '../tools/lmTools.js';

export const PARTICIPANT_ID = 'contextzip.chat';
export const COPY_COMMAND = 'contextzip.copyCompressedContext';

/** The smallest room for compressed code worth sending (tokens). */
export const MIN_CONTEXT_TOKENS = 128;

/** Tokens kept free for the model's answer: a quarter of the window, at least 256, at most 4096. */
export function answerReserve(maxInputTokens: number): number {
  return Math.min(4096, Math.max(256, Math.floor(maxInputTokens / 4)));
}

/** How the budget of one request was derived (in result metadata, for tests and /retry). */
export interface ChatBudget {
  maxInputTokens: number;
  answerReserve: number;
  /** Instructions + question + context frame, counted by the model's countTokens. */
  promptTokens: number;
  /** maxInputTokens - answerReserve - promptTokens: the most compressed code may take. */
  room: number;
  /** The engine's budget for the run (settings budget × scale, capped by room). */
  budget: number;
  compressedTokens: number;
  /** The whole prompt as sent, counted by the model's countTokens. */
  sentTokens?: number;
}

export interface ChatResultMetadata {
  command: string;
  runId?: number;
  query?: string;
  /** Multiplier of the settings budget (1, then ×2 per /retry). */
  scale?: number;
  budget?: ChatBudget;
  dropped?: number;
  /** A larger budget would keep more (something was dropped and the room is not used up). */
  canGrow?: boolean;
  error?: string;
  cancelled?: boolean;
}

const INSTRUCTIONS: Record<'ask' | 'explain', string> = {
  ask:
    "You answer a developer's question about their code. The context below was prepared by ContextZip: the parts " +
    'of the code most relevant to the question, verbatim, each file introduced by a header line; comment lines ' +
    'starting with "…" mark code that was left out. Answer from this context. When the answer depends on code ' +
    'that was left out, say so instead of guessing. Refer to code by file and name.',
  explain:
    'Explain to a developer how the code relevant to their request works: the flow, the key functions and how they ' +
    'connect, with short quotes of the code. The context below was prepared by ContextZip: the most relevant parts of ' +
    'the code, verbatim, each file introduced by a header line; comment lines starting with "…" mark code that was ' +
    'left out. Say when an explanation depends on code that was left out.',
};

function frame(instructions: string, context: string): string {
  return `${instructions}\n\n<context>\n${context}</context>`;
}

type Turn = vscode.ChatRequestTurn | vscode.ChatResponseTurn;

export class ContextZipChatParticipant {
  constructor(private readonly deps: FeedDeps) {}

  /** The ChatRequestHandler: never throws, every outcome is told in the stream. */
  async handle(
    request: vscode.ChatRequest,
    context: vscode.ChatContext,
    stream: vscode.ChatResponseStream,
    token: vscode.CancellationToken,
  ): Promise<vscode.ChatResult & { metadata: ChatResultMetadata }> {
    const command = request.command ?? 'ask';
    try {
      switch (command) {
        case 'cot':
          return await this.cot(request, stream, token);
        case 'dropped':
          return this.dropped(context, stream);
        case 'retry':
          return await this.retry(request, context, stream, token);
        case 'compress':
        case 'explain':
        case 'ask':
          return await this.answer(command, request.prompt, request.references, request.model, stream, token, 1);
        default:
          stream.markdown(`Unknown command /${command}. Use /compress, /explain, /cot, /dropped or /retry.`);
          return { metadata: { command, error: 'unknown command' } };
      }
    } catch (err) {
      return { metadata: { command, ...this.explainError(err, stream, token) } };
    }
  }

  /** Follow-ups after an answer: what was dropped, and a retry with a larger budget. */
  provideFollowups(result: vscode.ChatResult): vscode.ChatFollowup[] {
    const m = result.metadata as ChatResultMetadata | undefined;
    if (!m?.runId || m.cancelled || m.error) return [];
    const out: vscode.ChatFollowup[] = [];
    if ((m.dropped ?? 0) > 0)
      out.push({ prompt: 'Show what was dropped', label: 'Show what was dropped', command: 'dropped' });
    if (m.canGrow)
      out.push({ prompt: 'Retry with a larger budget', label: 'Retry with a larger budget', command: 'retry' });
    return out;
  }

  private async answer(
    command: 'ask' | 'explain' | 'compress',
    prompt: string,
    references: readonly vscode.ChatPromptReference[],
    model: vscode.LanguageModelChat | undefined,
    stream: vscode.ChatResponseStream,
    token: vscode.CancellationToken,
    scale: number,
  ): Promise<vscode.ChatResult & { metadata: ChatResultMetadata }> {
    const query = prompt.trim();
    if (!query) {
      stream.markdown(
        'Ask a question after **@contextzip**, for example: *@contextzip how are requests matched to a route handler?* ' +
          'Attach files, folders or a selection with `#` to compress only those; otherwise the whole workspace is compressed.',
      );
      return { metadata: { command, error: 'empty question' } };
    }
    if (!model && command !== 'compress') {
      stream.markdown(
        'No chat model is available for this request, so ContextZip cannot answer. Pick a model in the chat view ' +
          '(or install a chat model provider), or use **/compress** to get the compressed context without an answer.',
      );
      return { metadata: { command, error: 'no chat model' } };
    }

    // The room compressed code may take in the model's window.
    const instructions = command === 'compress' ? '' : INSTRUCTIONS[command];
    let window: Omit<ChatBudget, 'budget' | 'compressedTokens'> | undefined;
    if (model) {
      const maxInputTokens = model.maxInputTokens;
      const reserve = answerReserve(maxInputTokens);
      const promptTokens =
        command === 'compress'
          ? 0
          : (await countTokens(model, frame(instructions, ''), token)) + (await countTokens(model, query, token));
      const room = maxInputTokens - reserve - promptTokens;
      window = { maxInputTokens, answerReserve: reserve, promptTokens, room };
      if (room < MIN_CONTEXT_TOKENS) {
        stream.markdown(
          `The chat model **${model.name}** accepts ${fmt(maxInputTokens)} input tokens; after the question ` +
            `(${fmt(promptTokens)} tokens) and room for the answer (${fmt(reserve)}), only ${fmt(Math.max(0, room))} tokens ` +
            `would be left for code, less than the ${MIN_CONTEXT_TOKENS} needed. Pick a model with a larger context window, ` +
            'or shorten the question.',
        );
        return {
          metadata: {
            command,
            error: 'context window too small',
            budget: { ...window, budget: 0, compressedTokens: 0 },
          },
        };
      }
    }

    stream.progress('Collecting files…');
    const sources = await collectFeedSources(referenceItems(references), { token, log: this.deps.log });
    if (token.isCancellationRequested) throw new CancelledError();
    const base = settingsBudget();
    let budget: Budget =
      base.tokens !== undefined
        ? { tokens: Math.round(base.tokens * scale) }
        : { ratio: Math.min(1, (base.ratio ?? 0.3) * scale) };
    if (window && budget.tokens !== undefined) budget = { tokens: Math.min(budget.tokens, window.room) };
    let run = await this.compress(sources, query, budget, stream, token);
    if (window && run.result.budget > window.room) {
      stream.progress(`Fitting the context into ${model!.name}'s window (${fmt(window.room)} tokens)…`);
      run = await this.compress(sources, query, { tokens: window.room }, stream, token);
    }

    let messages: vscode.LanguageModelChatMessage[] = [];
    let sentTokens: number | undefined;
    if (model && command !== 'compress') {
      // The engine counts in the target tokenizer; the model's own count decides what fits.
      for (let attempt = 0; ; attempt++) {
        messages = [
          vscode.LanguageModelChatMessage.User(frame(instructions, run.result.text)),
          vscode.LanguageModelChatMessage.User(query),
        ];
        sentTokens =
          (await countTokens(model, frame(instructions, run.result.text), token)) +
          (await countTokens(model, query, token));
        const over = sentTokens - (window!.maxInputTokens - window!.answerReserve);
        if (over <= 0 || attempt === 2) break;
        const tokens = Math.max(1, run.result.budget - over - 16);
        stream.progress(
          `The model counts ${fmt(over)} tokens more than planned; compressing to ${fmt(tokens)} tokens…`,
        );
        run = await this.compress(sources, query, { tokens }, stream, token, true);
      }
    }

    const r = run.result;
    const dropped = r.chunks.filter((c) => c.status === 'dropped').length;
    const metadata: ChatResultMetadata = {
      command,
      runId: run.id,
      query,
      scale,
      dropped,
      canGrow: dropped > 0 && (!window || r.budget < window.room) && !(budget.ratio !== undefined && budget.ratio >= 1),
      budget: window ? { ...window, budget: r.budget, compressedTokens: r.compressedTokens, sentTokens } : undefined,
    };
    this.streamReferences(run, sources, stream);
    // e.g. the secrets masked before compression (file:line and kind, never the value)
    for (const w of r.warnings ?? []) stream.markdown(`> ${w}\n\n`);

    if (command === 'compress') {
      stream.markdown(`${omittedSummaryLine(r)}\n\n`);
      stream.markdown(fenced(r.text, 'text'));
      stream.button({ command: COPY_COMMAND, arguments: [run.id], title: 'Copy with Header' });
      stream.button({ command: 'contextzip.openRunPreview', arguments: [run.id], title: 'Open in Preview' });
      return { metadata };
    }

    stream.markdown(`*${omittedSummaryLine(r)}*\n\n`);
    const response = await model!.sendRequest(
      messages,
      { justification: 'ContextZip sends the compressed context and your question to the chat model you picked.' },
      token,
    );
    for await (const fragment of response.text) {
      if (token.isCancellationRequested) break;
      stream.markdown(fragment);
    }
    if (token.isCancellationRequested) return { metadata: { ...metadata, cancelled: true } };
    return { metadata };
  }

  private async compress(
    sources: FeedSources,
    query: string,
    budget: Budget,
    stream: vscode.ChatResponseStream,
    token: vscode.CancellationToken,
    quiet = false,
  ): Promise<CompressionRun> {
    const files = sources.sources.length;
    const seen = new Set<string>();
    const onProgress = (p: JobProgress) => {
      if (quiet || seen.has(p.stage)) return;
      seen.add(p.stage);
      if (p.stage === 'load') stream.progress('Loading the compressor model…');
      else if (p.stage === 'coarse' && p.total > 0)
        stream.progress(`Ranking ${fmt(p.total)} chunks in ${fmt(files)} file${files === 1 ? '' : 's'}…`);
      else if (p.stage === 'fine' && p.total > 0)
        stream.progress(`Pruning ${fmt(p.total)} function${p.total === 1 ? '' : 's'}…`);
    };
    return compressInWorker(
      this.deps,
      sources,
      { query, budget, scopeLabel: sources.scopeLabel || 'Workspace', via: '@contextzip' },
      { token, onProgress },
    );
  }

  /** One reference per kept line range (in document lines: selections are offset). */
  private streamReferences(run: CompressionRun, sources: FeedSources, stream: vscode.ChatResponseStream): void {
    const byFile = new Map<string, Array<[number, number]>>();
    for (const c of run.result.chunks) {
      if (c.status === 'dropped') continue;
      const ranges = byFile.get(c.file) ?? [];
      ranges.push(...c.keptLines);
      byFile.set(c.file, ranges);
    }
    for (const [file, ranges] of byFile) {
      const uri = sources.files[file];
      if (!uri) continue;
      const off = sources.lineOffsets[file] ?? 0;
      for (const [a, b] of mergeRanges(ranges))
        stream.reference(new vscode.Location(uri, new vscode.Range(a - 1 + off, 0, b + off, 0)));
    }
  }

  private async cot(
    request: vscode.ChatRequest,
    stream: vscode.ChatResponseStream,
    token: vscode.CancellationToken,
  ): Promise<vscode.ChatResult & { metadata: ChatResultMetadata }> {
    const attached = await referencedText(request.references);
    const trace = attached || request.prompt.trim();
    if (!trace) {
      stream.markdown('Paste a reasoning trace after **/cot**, or attach a file or selection holding one with `#`.');
      return { metadata: { command: 'cot', error: 'empty trace' } };
    }
    stream.progress('Compressing the reasoning trace…');
    const result = await runCotJob(this.deps, { trace }, token);
    stream.markdown(`${cotSummaryLine(result)}\n\n`);
    for (const w of result.warnings) stream.markdown(`> ${w}\n\n`);
    stream.markdown(fenced(result.text, 'text'));
    return { metadata: { command: 'cot' } };
  }

  private dropped(
    context: vscode.ChatContext,
    stream: vscode.ChatResponseStream,
  ): vscode.ChatResult & { metadata: ChatResultMetadata } {
    const last = lastAnswer(context.history);
    const run = last?.metadata.runId !== undefined ? this.deps.runs.get(last.metadata.runId) : undefined;
    if (!run) {
      stream.markdown(
        'There is no earlier @contextzip answer in this conversation (or its run left the history of 10 runs).',
      );
      return { metadata: { command: 'dropped', error: 'no earlier run' } };
    }
    const dropped = run.result.chunks.filter((c) => c.status === 'dropped');
    const partial = run.result.chunks.filter((c) => c.status === 'partial');
    if (dropped.length === 0 && partial.length === 0) {
      stream.markdown('Nothing was dropped: the whole scope fit in the budget.');
      return { metadata: { command: 'dropped', runId: run.id } };
    }
    const lines = [`${omittedSummaryLine(run.result)}\n`];
    if (dropped.length) lines.push(`**Dropped (${dropped.length})**`);
    for (const c of dropped)
      lines.push(
        `- \`${c.name}\` (${c.kind}) — ${c.file} lines ${c.startLine}-${c.endLine}, ${fmt(c.tokens)} tokens: ${dropReasonSummary(c)}`,
      );
    if (partial.length) lines.push('', `**Kept in part (${partial.length})**`);
    for (const c of partial)
      lines.push(
        `- \`${c.name}\` — ${c.file}: kept ${c.keptLines.map(([a, b]) => (a === b ? `${a}` : `${a}-${b}`)).join(', ')} of ${c.startLine}-${c.endLine}`,
      );
    stream.markdown(`${lines.join('\n')}\n`);
    return { metadata: { command: 'dropped', runId: run.id } };
  }

  private async retry(
    request: vscode.ChatRequest,
    context: vscode.ChatContext,
    stream: vscode.ChatResponseStream,
    token: vscode.CancellationToken,
  ): Promise<vscode.ChatResult & { metadata: ChatResultMetadata }> {
    const last = lastAnswer(context.history);
    if (!last?.request || !last.metadata.query) {
      stream.markdown('There is no earlier @contextzip question in this conversation to retry.');
      return { metadata: { command: 'retry', error: 'nothing to retry' } };
    }
    if (last.metadata.canGrow === false) {
      stream.markdown('The last answer already used the largest budget the model allows (or nothing was dropped).');
      return { metadata: { command: 'retry', error: 'budget at maximum' } };
    }
    const command =
      last.metadata.command === 'compress' || last.metadata.command === 'explain' ? last.metadata.command : 'ask';
    const scale = (last.metadata.scale ?? 1) * 2;
    stream.progress(`Retrying with ${scale}× the budget…`);
    return this.answer(command, last.metadata.query, last.request.references, request.model, stream, token, scale);
  }

  private explainError(
    err: unknown,
    stream: vscode.ChatResponseStream,
    token: vscode.CancellationToken,
  ): Partial<ChatResultMetadata> {
    if (err instanceof CancelledError || token.isCancellationRequested) {
      stream.markdown('Cancelled.');
      return { cancelled: true };
    }
    const message = err instanceof Error ? err.message : String(err);
    this.deps.log.error('@contextzip failed', err);
    if (err instanceof vscode.LanguageModelError) {
      stream.markdown(`The chat model could not answer (${err.code || 'error'}): ${message}`);
    } else if (err instanceof ContextZipError) {
      stream.markdown(`ContextZip could not compress the context: ${message}`);
    } else {
      stream.markdown(`Something went wrong: ${message} (details in the ContextZip output channel).`);
    }
    return { error: message };
  }
}

/** Counts with the model's own tokenizer; o200k_base when it has none or fails. */
async function countTokens(
  model: vscode.LanguageModelChat,
  text: string,
  token: vscode.CancellationToken,
): Promise<number> {
  if (typeof model.countTokens === 'function') {
    try {
      return await model.countTokens(text, token);
    } catch {
      // fall through: a count is still needed
    }
  }
  fallbackCounter ??= createTokenCounter('o200k_base');
  return fallbackCounter(text);
}
let fallbackCounter: ((t: string) => number) | undefined;

function referenceItems(references: readonly vscode.ChatPromptReference[]): ScopeItem[] {
  const items: ScopeItem[] = [];
  for (const ref of references) {
    const v = ref.value;
    if (v instanceof vscode.Uri) items.push({ kind: 'uri', uri: v });
    else if (v instanceof vscode.Location) items.push({ kind: 'range', uri: v.uri, range: v.range });
  }
  return items;
}

/** Text of attached files and selections (for /cot). */
async function referencedText(references: readonly vscode.ChatPromptReference[]): Promise<string> {
  const parts: string[] = [];
  for (const ref of references) {
    const v = ref.value;
    if (v instanceof vscode.Uri || v instanceof vscode.Location) {
      const doc = await vscode.workspace.openTextDocument(v instanceof vscode.Uri ? v : v.uri);
      parts.push(v instanceof vscode.Uri ? doc.getText() : doc.getText(v.range));
    } else if (typeof v === 'string') parts.push(v);
  }
  return parts.join('\n\n').trim();
}

/** The last @contextzip answer with a run, and the request it answered. */
function lastAnswer(
  history: readonly Turn[],
): { metadata: ChatResultMetadata; request?: vscode.ChatRequestTurn } | undefined {
  for (let i = history.length - 1; i >= 0; i--) {
    const turn = history[i];
    if (!('response' in turn) || turn.participant !== PARTICIPANT_ID) continue;
    const metadata = turn.result.metadata as ChatResultMetadata | undefined;
    if (!metadata?.query) continue;
    const prev = history[i - 1];
    return { metadata, request: prev && 'prompt' in prev ? prev : undefined };
  }
  return undefined;
}

export function mergeRanges(ranges: Array<[number, number]>): Array<[number, number]> {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
  const out: Array<[number, number]> = [];
  for (const [a, b] of sorted) {
    const last = out[out.length - 1];
    if (last && a <= last[1] + 1) last[1] = Math.max(last[1], b);
    else out.push([a, b]);
  }
  return out;
}

/** A fenced block whose fence is longer than any backtick run inside. */
function fenced(text: string, lang: string): string {
  const longest = Math.max(2, ...(text.match(/`+/g) ?? []).map((m) => m.length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}${lang}\n${text.endsWith('\n') ? text : `${text}\n`}${fence}\n`;
}

function fmt(n: number): string {
  return n.toLocaleString('en-US');
}

/** Creates the participant with its icon and follow-ups. */
export function registerChatParticipant(
  context: vscode.ExtensionContext,
  deps: FeedDeps,
): { participant: vscode.ChatParticipant; handler: ContextZipChatParticipant } | undefined {
  if (typeof vscode.chat?.createChatParticipant !== 'function') return undefined; // a host without the chat API
  const handler = new ContextZipChatParticipant(deps);
  const participant = vscode.chat.createChatParticipant(PARTICIPANT_ID, (req, ctx, stream, token) =>
    handler.handle(req, ctx, stream, token),
  );
  participant.iconPath = vscode.Uri.joinPath(context.extensionUri, 'media', 'contextzip.svg');
  participant.followupProvider = { provideFollowups: (result) => handler.provideFollowups(result) };
  context.subscriptions.push(participant);
  return { participant, handler };
}
