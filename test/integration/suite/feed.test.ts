/**
 * Feeding assistants, in a real VS Code (code-server): the @contextzip participant's handler
 * run with ChatRequest-shaped requests and a stand-in chat model (the one test double: no chat
 * model exists here), the Language Model Tools through vscode.lm.invokeTool, the copy-with-
 * header command, and the MCP provider guard. The compressor is the real engine in the real
 * model worker.
 */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { ChatBudget, ChatResultMetadata } from '../../../src/extension/chat/participant';
import type { ContextZipApi } from '../../../src/extension/extension';
import { activateContextZip, closeAllEditors, fixtureUri } from './extensionApi';

const QUESTION = 'How is the distance between two points computed?';

/** A chat model stand-in: counts a token per 4 characters, records what it is sent, answers with fixed text. */
class StandInModel implements vscode.LanguageModelChat {
  readonly id = 'contextzip-test.stand-in';
  readonly name = 'Stand-in Model';
  readonly vendor = 'contextzip-test';
  readonly family = 'stand-in';
  readonly version = '1';
  readonly sent: string[][] = [];
  constructor(
    readonly maxInputTokens: number,
    private readonly answer = ['The distance is computed by ', '`distance()` in src/shapes.ts.'],
  ) {}

  static count(text: string): number {
    return Math.ceil(text.length / 4);
  }

  countTokens(text: string | vscode.LanguageModelChatMessage): Thenable<number> {
    return Promise.resolve(StandInModel.count(typeof text === 'string' ? text : messageText(text)));
  }

  sendRequest(messages: vscode.LanguageModelChatMessage[]): Thenable<vscode.LanguageModelChatResponse> {
    this.sent.push(messages.map(messageText));
    const answer = this.answer;
    async function* text() {
      for (const a of answer) yield a;
    }
    async function* stream() {
      for (const a of answer) yield new vscode.LanguageModelTextPart(a);
    }
    return Promise.resolve({ text: text(), stream: stream() });
  }
}

function messageText(m: vscode.LanguageModelChatMessage): string {
  return m.content
    .filter((p): p is vscode.LanguageModelTextPart => p instanceof vscode.LanguageModelTextPart)
    .map((p) => p.value)
    .join('');
}

type Part =
  | { kind: 'markdown'; value: string }
  | { kind: 'progress'; value: string }
  | { kind: 'reference'; value: vscode.Uri | vscode.Location }
  | { kind: 'button'; value: vscode.Command }
  | { kind: 'other'; value: unknown };

interface PartValue {
  markdown: string;
  progress: string;
  reference: vscode.Uri | vscode.Location;
  button: vscode.Command;
  other: unknown;
}

/** Collects what the handler streams, in order (the chat view would render these parts). */
class RecordingStream implements vscode.ChatResponseStream {
  readonly parts: Part[] = [];
  onProgress?: () => void;
  markdown(value: string | vscode.MarkdownString): void {
    this.parts.push({ kind: 'markdown', value: typeof value === 'string' ? value : value.value });
  }
  anchor(value: vscode.Uri | vscode.Location): void {
    this.parts.push({ kind: 'other', value });
  }
  button(command: vscode.Command): void {
    this.parts.push({ kind: 'button', value: command });
  }
  filetree(value: vscode.ChatResponseFileTree[]): void {
    this.parts.push({ kind: 'other', value });
  }
  progress(value: string): void {
    this.parts.push({ kind: 'progress', value });
    this.onProgress?.();
  }
  reference(value: vscode.Uri | vscode.Location): void {
    this.parts.push({ kind: 'reference', value });
  }
  push(part: vscode.ChatResponsePart): void {
    this.parts.push({ kind: 'other', value: part });
  }
  of<K extends keyof PartValue>(kind: K): Array<PartValue[K]> {
    return this.parts.filter((p) => p.kind === kind).map((p) => p.value as PartValue[K]);
  }
  get text(): string {
    return this.of('markdown').join('');
  }
}

function chatRequest(
  prompt: string,
  model: vscode.LanguageModelChat | undefined,
  extra: { command?: string; references?: vscode.ChatPromptReference[] } = {},
): vscode.ChatRequest {
  return {
    prompt,
    command: extra.command,
    references: extra.references ?? [],
    toolReferences: [],
    toolInvocationToken: undefined as unknown as vscode.ChatParticipantToolToken,
    model: model as vscode.LanguageModelChat,
  };
}

const noHistory: vscode.ChatContext = { history: [] };

/** Document lines [start, end] (1-based) joined, as the engine keeps them. */
async function lines(rel: string, start: number, end: number): Promise<string> {
  const doc = await vscode.workspace.openTextDocument(fixtureUri(rel));
  return doc.getText(new vscode.Range(start - 1, 0, end, 0));
}

suite('Feed assistants: @contextzip, LM tools, MCP', () => {
  let api: ContextZipApi;
  const config = () => vscode.workspace.getConfiguration('contextzip');

  suiteSetup(async () => {
    api = await activateContextZip();
    await closeAllEditors();
  });

  test('the participant is registered with its icon and follow-up provider', () => {
    const p = api.feed.participant;
    assert.ok(p, 'chat participant');
    assert.equal(p.id, 'contextzip.chat');
    assert.ok(p.iconPath instanceof vscode.Uri && p.iconPath.path.endsWith('/media/contextzip.svg'));
    assert.ok(p.followupProvider);
    const pkg = vscode.extensions.getExtension('contextzip.contextzip')!.packageJSON as {
      contributes: { chatParticipants: Array<{ id: string; name: string; commands: Array<{ name: string }> }> };
    };
    const contributed = pkg.contributes.chatParticipants[0];
    assert.equal(contributed.name, 'contextzip');
    assert.deepEqual(
      contributed.commands.map((c) => c.name),
      ['compress', 'explain', 'cot', 'dropped', 'retry'],
    );
  });

  test('a question: budget from maxInputTokens, progress, references of kept ranges, prompt with kept code only, streamed answer', async () => {
    await config().update('budget.ratio', 1, vscode.ConfigurationTarget.Workspace); // the window, not the ratio, limits
    try {
      const model = new StandInModel(600);
      const stream = new RecordingStream();
      const result = await api.feed.chat!.handle(
        chatRequest(QUESTION, model),
        noHistory,
        stream,
        new vscode.CancellationTokenSource().token,
      );
      const m = result.metadata as ChatResultMetadata;
      assert.equal(m.error, undefined, stream.text);
      const b = m.budget as ChatBudget;
      // the budget: the model's window minus the answer reserve and the prompt, counted by the model
      assert.equal(b.maxInputTokens, 600);
      assert.equal(b.answerReserve, 256);
      assert.ok(b.promptTokens > StandInModel.count(QUESTION), `${b.promptTokens}`);
      assert.equal(b.room, 600 - 256 - b.promptTokens);
      assert.equal(b.budget, b.room);
      const run = api.compress.runs.get(m.runId!)!;
      assert.equal(run.result.budget, b.room);
      assert.ok(run.result.compressedTokens <= b.room);
      assert.ok(run.result.originalTokens > b.room, 'the workspace must not fit the window');

      // progress while it works
      const progress = stream.of('progress');
      assert.equal(progress[0], 'Collecting files…');
      assert.ok(
        progress.includes('Ranking 14 chunks in 3 files…') ||
          progress.some((p) => /^Ranking \d+ chunks in 3 files…$/.test(p)),
        progress.join(' | '),
      );
      // one reference per kept range, in the kept chunks' files
      const refs = stream.of('reference') as vscode.Location[];
      const keptChunks = run.result.chunks.filter((c) => c.status !== 'dropped');
      assert.ok(refs.length >= new Set(keptChunks.map((c) => c.file)).size && refs.length > 0);
      for (const ref of refs)
        assert.ok(
          ref instanceof vscode.Location &&
            run.result.chunks.some((c) => fixtureUri(c.file).toString() === ref.uri.toString()),
        );
      const distance = run.result.chunks.find((c) => c.name === 'distance')!;
      assert.notEqual(distance.status, 'dropped');
      assert.ok(
        refs.some(
          (r) =>
            r.uri.path.endsWith('/src/shapes.ts') &&
            r.range.start.line <= distance.startLine - 1 &&
            r.range.end.line >= distance.endLine - 1,
        ),
        'a reference covers distance()',
      );

      // the prompt: one request, kept code verbatim, dropped code absent, within the window
      assert.equal(model.sent.length, 1);
      const prompt = model.sent[0].join('\n');
      assert.ok(prompt.includes(run.result.text), 'the compressed context is sent as is');
      assert.ok(prompt.endsWith(QUESTION));
      assert.ok(prompt.includes(await lines('src/shapes.ts', distance.startLine, distance.endLine)));
      const dropped = run.result.chunks.filter((c) => c.status === 'dropped' && c.kind !== 'code');
      assert.ok(dropped.length > 0, 'something is dropped');
      for (const c of dropped) {
        const body = (await lines(c.file, c.startLine, c.endLine)).trim();
        assert.ok(!prompt.includes(body), `dropped ${c.file} ${c.name} is in the prompt`);
      }
      const sent = model.sent[0].reduce((n, t) => n + StandInModel.count(t), 0);
      assert.equal(b.sentTokens, sent);
      assert.ok(sent <= 600 - 256, `${sent} tokens sent`);

      // the answer is streamed after a one-line summary
      assert.match(
        stream.text,
        /^\*ContextZip kept \d+ of \d+ tokens .*\*\n\nThe distance is computed by `distance\(\)` in src\/shapes.ts\.$/s,
      );
      // follow-ups: what was dropped (the window is used up, so no larger budget)
      assert.deepEqual(
        api.feed.chat!.provideFollowups(result).map((f) => f.command),
        ['dropped'],
      );

      // /dropped lists the dropped chunks of that run
      const history = [
        { prompt: QUESTION, command: undefined, references: [], participant: 'contextzip.chat', toolReferences: [] },
        { response: [], result, participant: 'contextzip.chat' },
      ] as unknown as vscode.ChatContext['history'];
      const s2 = new RecordingStream();
      await api.feed.chat!.handle(
        chatRequest('', model, { command: 'dropped' }),
        { history },
        s2,
        new vscode.CancellationTokenSource().token,
      );
      for (const c of dropped)
        assert.ok(
          s2.text.includes(`- \`${c.name}\` (${c.kind}) — ${c.file} lines ${c.startLine}-${c.endLine}`),
          s2.text,
        );
    } finally {
      await config().update('budget.ratio', undefined, vscode.ConfigurationTarget.Workspace);
    }
  });

  test('/retry asks again with twice the settings budget', async () => {
    const model = new StandInModel(100_000);
    const first = await api.feed.chat!.handle(
      chatRequest(QUESTION, model),
      noHistory,
      new RecordingStream(),
      new vscode.CancellationTokenSource().token,
    );
    const m1 = first.metadata as ChatResultMetadata;
    const r1 = api.compress.runs.get(m1.runId!)!.result;
    assert.equal(r1.budget, Math.floor(0.3 * r1.originalTokens), 'settings ratio 0.3 under a large window');
    assert.deepEqual(
      api.feed.chat!.provideFollowups(first).map((f) => f.command),
      ['dropped', 'retry'],
    );
    const history = [
      { prompt: QUESTION, command: undefined, references: [], participant: 'contextzip.chat', toolReferences: [] },
      { response: [], result: first, participant: 'contextzip.chat' },
    ] as unknown as vscode.ChatContext['history'];
    const stream = new RecordingStream();
    const second = await api.feed.chat!.handle(
      chatRequest('', model, { command: 'retry' }),
      { history },
      stream,
      new vscode.CancellationTokenSource().token,
    );
    const m2 = second.metadata as ChatResultMetadata;
    assert.equal(m2.scale, 2, stream.text);
    const r2 = api.compress.runs.get(m2.runId!)!.result;
    assert.equal(r2.budget, Math.floor(0.6 * r2.originalTokens));
    assert.equal(model.sent.length, 2);
  });

  test('/compress answers with the compressed context of the attached file and selection only, and buttons', async () => {
    const model = new StandInModel(100_000);
    const stats = fixtureUri('src/stats.py');
    const mathDoc = await vscode.workspace.openTextDocument(fixtureUri('src/math.ts'));
    const selection = new vscode.Location(mathDoc.uri, new vscode.Range(0, 0, 2, 0));
    const stream = new RecordingStream();
    const result = await api.feed.chat!.handle(
      chatRequest('How is the mean computed?', model, {
        command: 'compress',
        references: [
          { id: 'vscode.file', value: stats },
          { id: 'vscode.selection', value: selection },
        ],
      }),
      noHistory,
      stream,
      new vscode.CancellationTokenSource().token,
    );
    const m = result.metadata as ChatResultMetadata;
    assert.equal(m.error, undefined, stream.text);
    const run = api.compress.runs.get(m.runId!)!;
    assert.deepEqual([...new Set(run.result.chunks.map((c) => c.file))].sort(), ['src/math.ts:1-2', 'src/stats.py']);
    assert.equal(model.sent.length, 0, '/compress does not call the model');
    assert.ok(stream.text.includes(run.result.text));
    assert.deepEqual(
      stream.of('button').map((c) => [c.command, ...(c.arguments ?? [])]),
      [
        ['contextzip.copyCompressedContext', run.id],
        ['contextzip.openRunPreview', run.id],
      ],
    );
    // references of the selection are in the document's lines
    for (const ref of stream.of('reference') as vscode.Location[])
      if (ref.uri.path.endsWith('/src/math.ts')) assert.ok(ref.range.start.line >= 0 && ref.range.end.line <= 2);

    // the Copy with Header button's command
    const copied = await vscode.commands.executeCommand<string>('contextzip.copyCompressedContext', run.id);
    assert.equal(await vscode.env.clipboard.readText(), copied);
    assert.ok(
      copied.startsWith('=== ContextZip compressed context (partial code) ===\nQuery: How is the mean computed?\n'),
      copied,
    );
    assert.ok(copied.endsWith(`=== end of header ===\n\n${run.result.text}`));
  });

  test('no model, a window too small, nothing to compress: explained as text, never thrown', async () => {
    const s1 = new RecordingStream();
    const r1 = await api.feed.chat!.handle(
      chatRequest(QUESTION, undefined),
      noHistory,
      s1,
      new vscode.CancellationTokenSource().token,
    );
    assert.equal((r1.metadata as ChatResultMetadata).error, 'no chat model');
    assert.match(s1.text, /^No chat model is available for this request/);

    const tiny = new StandInModel(300);
    const s2 = new RecordingStream();
    const r2 = await api.feed.chat!.handle(
      chatRequest(QUESTION, tiny),
      noHistory,
      s2,
      new vscode.CancellationTokenSource().token,
    );
    assert.equal((r2.metadata as ChatResultMetadata).error, 'context window too small');
    assert.match(
      s2.text,
      /^The chat model \*\*Stand-in Model\*\* accepts 300 input tokens; .* less than the 128 needed\./,
    );
    assert.equal(tiny.sent.length, 0);

    const s3 = new RecordingStream();
    const r3 = await api.feed.chat!.handle(
      chatRequest(QUESTION, new StandInModel(100_000), {
        references: [{ id: 'vscode.file', value: fixtureUri('src/empty.py') }],
      }),
      noHistory,
      s3,
      new vscode.CancellationTokenSource().token,
    );
    assert.equal(
      s3.text,
      'ContextZip could not compress the context: No source files to compress in src/empty.py (1 skipped: src/empty.py empty).',
    );
    assert.ok((r3.metadata as ChatResultMetadata).error);

    const s4 = new RecordingStream();
    await api.feed.chat!.handle(
      chatRequest('   ', new StandInModel(100_000)),
      noHistory,
      s4,
      new vscode.CancellationTokenSource().token,
    );
    assert.match(s4.text, /^Ask a question after \*\*@contextzip\*\*/);
  });

  test('cancellation stops the worker job and says so; the next request runs', async () => {
    const model = new StandInModel(100_000);
    const cts = new vscode.CancellationTokenSource();
    const stream = new RecordingStream();
    stream.onProgress = () => {
      if (stream.of('progress').some((p) => p.startsWith('Ranking'))) cts.cancel();
    };
    const t0 = Date.now();
    const result = await api.feed.chat!.handle(
      chatRequest('Which statistics are computed over a list of numbers?', model),
      noHistory,
      stream,
      cts.token,
    );
    assert.equal((result.metadata as ChatResultMetadata).cancelled, true, stream.text);
    assert.equal(stream.text, 'Cancelled.');
    assert.equal(model.sent.length, 0);
    assert.ok(Date.now() - t0 < 4000, "returned before the worker client's 5 s give-up: the job itself stopped");
    const again = await api.feed.chat!.handle(
      chatRequest(QUESTION, model),
      noHistory,
      new RecordingStream(),
      new vscode.CancellationTokenSource().token,
    );
    assert.equal((again.metadata as ChatResultMetadata).error, undefined);
  });

  test('/cot compresses a pasted reasoning trace', async () => {
    const trace = [
      'We need the sum of the two largest numbers in [4, 9, 2, 7].',
      'The weather is nice today, which has nothing to do with this.',
      'Sort descending: [9, 7, 4, 2]. The two largest are 9 and 7.',
      'Final answer: 9 + 7 = 16.',
    ].join('\n\n');
    const stream = new RecordingStream();
    const r = await api.feed.chat!.handle(
      chatRequest(trace, undefined, { command: 'cot' }),
      noHistory,
      stream,
      new vscode.CancellationTokenSource().token,
    );
    assert.equal((r.metadata as ChatResultMetadata).error, undefined, stream.text);
    assert.match(stream.text, /^ContextZip kept \d+ of \d+ tokens \(\d+%, budget \d+\) of the reasoning trace: /);
    assert.ok(stream.text.includes('Final answer: 9 + 7 = 16.'));
  });

  test('LM tools: registered with their schemas; invokeTool returns text within budget', async () => {
    const tools = vscode.lm.tools.filter((t) => t.name.startsWith('contextzip_'));
    assert.deepEqual(tools.map((t) => t.name).sort(), ['contextzip_compressCode', 'contextzip_compressReasoning']);
    const codeTool = tools.find((t) => t.name === 'contextzip_compressCode')!;
    assert.deepEqual((codeTool.inputSchema as { required: string[] }).required, ['query']);
    assert.ok(codeTool.description.startsWith("Returns the source code of the user's workspace"));

    const token = new vscode.CancellationTokenSource().token;
    const r = await vscode.lm.invokeTool(
      'contextzip_compressCode',
      { input: { query: QUESTION, paths: ['src'], budgetTokens: 120 }, toolInvocationToken: undefined },
      token,
    );
    const parts = r.content.map((p) => (p as vscode.LanguageModelTextPart).value);
    assert.equal(parts.length, 2, parts.join('\n'));
    const m = /^ContextZip kept (\d+) of (\d+) tokens \(\d+%, budget 120\): /.exec(parts[0]);
    assert.ok(m, parts[0]);
    assert.ok(Number(m[1]) <= 120 && Number(m[2]) > 120);
    assert.ok(parts[1].includes('export function distance('), parts[1]);

    const cot = await vscode.lm.invokeTool(
      'contextzip_compressReasoning',
      {
        input: { trace: 'First, 2 + 2 = 4.\n\nUnrelated musing.\n\nSo the answer is 4.', ratio: 0.9 },
        toolInvocationToken: undefined,
      },
      token,
    );
    const cparts = cot.content.map((p) => (p as vscode.LanguageModelTextPart).value);
    assert.match(cparts[0], /^ContextZip kept \d+ of \d+ tokens \(\d+%, budget \d+\) of the reasoning trace: /);
    assert.ok(cparts[1].includes('So the answer is 4.'));
  });

  test('LM tools: malformed input and bad paths give an error result, not an exception', async () => {
    const token = new vscode.CancellationTokenSource().token;
    const text = async (name: string, input: object) =>
      (await vscode.lm.invokeTool(name, { input, toolInvocationToken: undefined }, token)).content
        .map((p) => (p as vscode.LanguageModelTextPart).value)
        .join('\n');
    assert.equal(
      await text('contextzip_compressCode', { query: 42 }),
      'contextzip_compressCode: Invalid input: query: expected string, received number.',
    );
    assert.equal(
      await text('contextzip_compressCode', { query: 'q', budgetTokens: 10, ratio: 0.5 }),
      'contextzip_compressCode: Invalid input: Give either budgetTokens or ratio, not both.',
    );
    assert.equal(
      await text('contextzip_compressReasoning', {}),
      'contextzip_compressReasoning: Invalid input: trace: expected string, received undefined.',
    );
    assert.equal(
      await text('contextzip_compressCode', { query: 'q', paths: ['/etc'] }),
      'contextzip_compressCode failed: "/etc" is outside the workspace; it was not read.',
    );
    assert.equal(
      await text('contextzip_compressCode', { query: 'q', paths: ['src/nope.ts'] }),
      'contextzip_compressCode failed: No such file or folder in the workspace: src/nope.ts',
    );
  });

  test('MCP server definition: registered exactly when this VS Code has the stable provider API', () => {
    const [major, minor] = vscode.version.split('.').map(Number);
    const stable = major > 1 || minor >= 101;
    const has =
      typeof (vscode.lm as unknown as Record<string, unknown>).registerMcpServerDefinitionProvider === 'function';
    assert.equal(api.feed.mcpRegistered, stable && has);
    console.log(
      `    (VS Code ${vscode.version}: MCP provider API ${has ? (stable ? 'stable' : 'proposed only') : 'absent'})`,
    );
  });
});
