import * as assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as vscode from 'vscode';
import { activateContextZip } from './extensionApi';

const TRACE = [
  '<think>',
  'Okay, we need the number of pairs with sum k. A double loop is too slow.',
  '',
  'Keep seen_count of values; for each x add seen_count[k - x] to total.',
  '',
  'The weather is nice today.',
  '',
  'Check [1, 5, 7, -1] with k = 6: total = 2. Correct.',
  '</think>',
  '',
  '```python',
  'def count_pairs(a, k):',
  '    seen_count = {}',
  '    total = 0',
  '    for x in a:',
  '        total += seen_count.get(k - x, 0)',
  '        seen_count[x] = seen_count.get(x, 0) + 1',
  '    return total',
  '```',
  '',
].join('\n');

suite('reasoning-trace compression', () => {
  test('Compress Reasoning Trace: diff of virtual documents + report panel', async function () {
    this.timeout(120_000);
    const api = await activateContextZip();
    // Outside the workspace: other suites assert on the workspace's exact file list.
    const file = vscode.Uri.file(path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cz-cot-')), 'trace.md'));
    await vscode.workspace.fs.writeFile(file, Buffer.from(TRACE));
    const out = (await vscode.commands.executeCommand('contextzip.compressReasoningTrace', file)) as {
      result: {
        originalTokens: number;
        compressedTokens: number;
        text: string;
        steps: Array<{ kept: boolean; anchored: boolean; start: number; end: number }>;
      };
      originalUri: vscode.Uri;
      compressedUri: vscode.Uri;
      panel: vscode.WebviewPanel;
      report: { handleMessage(m: unknown): void };
    };
    assert.ok(out, 'command returned a result');
    assert.ok(out.result.compressedTokens <= out.result.originalTokens);
    assert.equal(out.result.steps.length, 4);
    assert.ok(out.result.text.includes('</think>'));
    const orig = await vscode.workspace.openTextDocument(out.originalUri);
    const comp = await vscode.workspace.openTextDocument(out.compressedUri);
    assert.equal(orig.getText(), TRACE);
    assert.equal(comp.getText(), out.result.text);
    assert.equal(out.panel.viewType, 'contextzip.cotReport');
    assert.match(out.panel.webview.html, /Content-Security-Policy/);
    assert.match(out.panel.webview.html, /surprisal/);
    const tabs = vscode.window.tabGroups.all.flatMap((g) => g.tabs).map((t) => t.label);
    assert.ok(
      tabs.some((l) => l.includes('compressed')),
      `diff tab open: ${tabs.join(' | ')}`,
    );
    // the report panel answers its page: "reveal" selects the step in the original
    const step = out.result.steps[1];
    out.report.handleMessage({ type: 'reveal', start: step.start, end: step.end });
    out.report.handleMessage({ type: 'reveal', start: 'x' }); // malformed: ignored
    const t0 = Date.now();
    const shown = () => {
      const ed = vscode.window.activeTextEditor;
      return ed?.document.uri.toString() === file.toString() ? ed.document.getText(ed.selection) : undefined;
    };
    while (shown() !== TRACE.slice(step.start, step.end) && Date.now() - t0 < 10_000)
      await new Promise((r) => setTimeout(r, 25));
    assert.equal(shown(), TRACE.slice(step.start, step.end));
    out.panel.dispose();
    const lines = api.log.lines();
    assert.ok(!lines.some((l) => l.includes('in-process')), 'ran in the model worker');
    assert.ok(
      lines.some((l) => l.startsWith('cot: trace.md')),
      lines.join('\n'),
    );
  });

  test('Compress Trace Data Set: writes the output JSONL, skips bad lines', async function () {
    this.timeout(120_000);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cz-cot-ds-'));
    const input = path.join(dir, 'in.jsonl');
    const output = path.join(dir, 'out.jsonl');
    const rec = (id: string) =>
      JSON.stringify({
        id,
        think: TRACE.split('</think>')[0].replace('<think>\n', ''),
        final_answer: TRACE.split('</think>')[1],
      });
    fs.writeFileSync(input, [rec('a'), 'not json', rec('b')].join('\n') + '\n');
    const summary = (await vscode.commands.executeCommand(
      'contextzip.compressTraceDataset',
      vscode.Uri.file(input),
      vscode.Uri.file(output),
    )) as {
      traces: number;
      bad: number;
      badLines: Array<{ line: number }>;
    };
    assert.equal(summary.traces, 2);
    assert.equal(summary.bad, 1);
    assert.deepEqual(
      summary.badLines.map((b) => b.line),
      [2],
    );
    const lines = fs.readFileSync(output, 'utf8').trim().split('\n');
    assert.equal(lines.length, 2);
    assert.ok(JSON.parse(lines[0]).contextzip.compressedTokens > 0);
  });
});
