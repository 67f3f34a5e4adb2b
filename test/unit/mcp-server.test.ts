/**
 * `contextzip mcp` driven over stdio by the MCP SDK's own Client: initialize, tools/list,
 * tools/call on a real (tiny) folder with the real embedded model, malformed calls, a path
 * outside the client's roots, and a cancelled call. The server runs in a child process
 * (node + tsx, like `npx tsx src/cli/main.ts mcp`).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { ListRootsRequestSchema, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';

const ROOT = path.join(__dirname, '..', '..');
const MODEL = process.env.CONTEXTZIP_TEST_MODEL || 'embedded';

const GEOMETRY = `export interface Point {
  x: number;
  y: number;
}

/** Euclidean distance between two points. */
export function distance(a: Point, b: Point): number {
  const dx = a.x - b.x;
  const dy = a.y - b.y;
  return Math.sqrt(dx * dx + dy * dy);
}

export function formatCurrency(cents: number, currency: string): string {
  const units = Math.floor(cents / 100);
  const rest = String(cents % 100).padStart(2, '0');
  return \`\${units}.\${rest} \${currency.toUpperCase()}\`;
}

export function parseCsvLine(line: string): string[] {
  const out: string[] = [];
  let field = '';
  let quoted = false;
  for (const ch of line) {
    if (ch === '"') quoted = !quoted;
    else if (ch === ',' && !quoted) {
      out.push(field);
      field = '';
    } else field += ch;
  }
  out.push(field);
  return out;
}
`;

const TEXTS = `def slugify(title):
    """Lower-case words joined by dashes."""
    words = [w for w in title.lower().split() if w.isalnum()]
    return "-".join(words)


def retry_delays(attempts, base=0.5):
    delays = []
    for i in range(attempts):
        delays.append(base * (2 ** i))
    return delays
`;

function text(r: CallToolResult, i: number): string {
  const part = r.content[i];
  assert.ok(part && part.type === 'text', `content[${i}] is not text: ${JSON.stringify(r.content)}`);
  return part.text;
}

describe('contextzip mcp over stdio (SDK Client, real model)', () => {
  let dir: string;
  let client: Client;
  let transport: StdioClientTransport;
  let stderr = '';

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cz-mcp-'));
    fs.mkdirSync(path.join(dir, 'src'));
    fs.writeFileSync(path.join(dir, 'src', 'geometry.ts'), GEOMETRY);
    fs.writeFileSync(path.join(dir, 'src', 'texts.py'), TEXTS);
    transport = new StdioClientTransport({
      command: process.execPath,
      args: ['--import', 'tsx', path.join(ROOT, 'src', 'cli', 'main.ts'), 'mcp', '--model', MODEL],
      cwd: ROOT,
      stderr: 'pipe',
    });
    transport.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    client = new Client(
      { name: 'contextzip-test', version: '1.0.0' },
      { capabilities: { roots: { listChanged: true } } },
    );
    client.setRequestHandler(ListRootsRequestSchema, () => ({
      roots: [{ uri: pathToFileURL(dir).href, name: 'tiny project' }],
    }));
    await client.connect(transport);
  });

  after(async () => {
    await client?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('initialize: server name, version and tools capability', () => {
    const info = client.getServerVersion();
    assert.equal(info?.name, 'contextzip');
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
    assert.equal(info?.version, pkg.version);
    assert.ok(client.getServerCapabilities()?.tools, 'tools capability');
  });

  test('tools/list: compress_code and compress_reasoning with their input schemas', async () => {
    const { tools } = await client.listTools();
    assert.deepEqual(tools.map((t) => t.name).sort(), ['compress_code', 'compress_reasoning']);
    const code = tools.find((t) => t.name === 'compress_code')!;
    assert.deepEqual(Object.keys(code.inputSchema.properties ?? {}), ['query', 'paths', 'budgetTokens', 'ratio']);
    assert.deepEqual(code.inputSchema.required, ['query']);
    assert.equal(code.annotations?.readOnlyHint, true);
    const cot = tools.find((t) => t.name === 'compress_reasoning')!;
    assert.deepEqual(Object.keys(cot.inputSchema.properties ?? {}), [
      'trace',
      'answer',
      'problem',
      'budgetTokens',
      'ratio',
    ]);
    assert.deepEqual(cot.inputSchema.required, ['trace']);
  });

  test('tools/call compress_code on the folder keeps the relevant function verbatim, under budget', async () => {
    const r = (await client.callTool({
      name: 'compress_code',
      arguments: { query: 'How is the Euclidean distance between two points computed?', budgetTokens: 120 },
    })) as CallToolResult;
    assert.equal(r.isError, undefined, JSON.stringify(r.content));
    const summary = text(r, 0);
    const code = text(r, 1);
    assert.match(summary, /^ContextZip kept (\d+) of (\d+) tokens \(\d+%, budget 120\): .*omitted \d+ chunks?: /);
    const [, kept, original] = /kept (\d+) of (\d+)/.exec(summary)!.map(Number);
    assert.ok(kept <= 120 && original > 120, summary);
    // the relevant function, verbatim, under its file header
    assert.ok(code.includes('// ===== src/geometry.ts ====='), code);
    assert.ok(
      code.includes(
        GEOMETRY.slice(
          GEOMETRY.indexOf('export function distance'),
          GEOMETRY.indexOf('export function formatCurrency'),
        ),
      ),
      code,
    );
    // the budget left no room for everything: the summary names what was dropped, and it is absent
    const dropped = ['parseCsvLine', 'formatCurrency', 'slugify', 'retry_delays'].filter((n) => summary.includes(n));
    assert.ok(dropped.length > 0, summary);
    for (const name of dropped) assert.ok(!code.includes(`${name}(`), `${name} is both omitted and present`);
  });

  test('tools/call with a path and a glob reads only what they name', async () => {
    const r = (await client.callTool({
      name: 'compress_code',
      arguments: { query: 'How is a title turned into a slug?', paths: ['src/*.py'], ratio: 1 },
    })) as CallToolResult;
    assert.equal(r.isError, undefined, JSON.stringify(r.content));
    assert.equal(text(r, 1), `# ===== src/texts.py =====\n${TEXTS}`);
    assert.match(text(r, 0), /: all 2 chunks; nothing omitted\.$/);
  });

  test('secrets in files are masked before the text is returned', async () => {
    const key = 'ghp_' + 'wWPw5k4aXcaT4fNP0UcnZwJUVFk6LO0pINUx';
    fs.writeFileSync(path.join(dir, 'src', 'client.ts'), `export const token = '${key}';\n`);
    try {
      const r = (await client.callTool({
        name: 'compress_code',
        arguments: { query: 'Which token does the client use?', paths: ['src/client.ts'], ratio: 1 },
      })) as CallToolResult;
      assert.equal(r.isError, undefined, JSON.stringify(r.content));
      assert.ok(!text(r, 1).includes(key), text(r, 1));
      assert.match(text(r, 0), / Masked 1 secret \(src\/client\.ts:1 \w+\)\.$/);
    } finally {
      fs.rmSync(path.join(dir, 'src', 'client.ts'));
    }
  });

  test('tools/call compress_reasoning returns the trace with the omitted steps named', async () => {
    const trace = [
      'We need the sum of the two largest numbers in [4, 9, 2, 7].',
      'The weather is nice today, which has nothing to do with this.',
      'Sort descending: [9, 7, 4, 2]. The two largest are 9 and 7.',
      '9 + 7 = 16.',
    ].join('\n\n');
    const r = (await client.callTool({
      name: 'compress_reasoning',
      arguments: { trace, answer: '16', ratio: 0.8 },
    })) as CallToolResult;
    assert.equal(r.isError, undefined, JSON.stringify(r.content));
    assert.match(
      text(r, 0),
      /^ContextZip kept \d+ of \d+ tokens \(\d+%, budget \d+\) of the reasoning trace: \d of 4 steps kept; omitted steps [\d, ]+\.$/,
    );
    assert.ok(text(r, 1).includes('9 + 7 = 16.'), 'the answer step is kept');
  });

  test('malformed calls get isError results, not protocol errors', async () => {
    const wrongType = (await client.callTool({ name: 'compress_code', arguments: { query: 42 } })) as CallToolResult;
    assert.equal(wrongType.isError, true);
    assert.match(text(wrongType, 0), /Input validation error: Invalid arguments for tool compress_code: .*query/s);
    const missing = (await client.callTool({ name: 'compress_reasoning', arguments: {} })) as CallToolResult;
    assert.equal(missing.isError, true);
    assert.match(text(missing, 0), /trace/);
    const both = (await client.callTool({
      name: 'compress_code',
      arguments: { query: 'q', budgetTokens: 100, ratio: 0.5 },
    })) as CallToolResult;
    assert.equal(both.isError, true);
    assert.match(text(both, 0), /Give either budgetTokens or ratio, not both\./);
  });

  test('a path outside the roots is refused with a clear error result', async () => {
    for (const p of ['/etc/passwd', '../', `${path.dirname(dir)}`]) {
      const r = (await client.callTool({
        name: 'compress_code',
        arguments: { query: 'users', paths: [p] },
      })) as CallToolResult;
      assert.equal(r.isError, true, p);
      assert.equal(text(r, 0), `"${p}" is outside the roots this client allows (${dir}); it was not read.`);
    }
    const glob = (await client.callTool({
      name: 'compress_code',
      arguments: { query: 'q', paths: ['../**/*.ts'] },
    })) as CallToolResult;
    assert.equal(glob.isError, true);
    assert.match(text(glob, 0), /^Glob patterns must be relative to a root/);
  });

  test('a cancelled call stops its worker job; the server keeps answering', async () => {
    const ac = new AbortController();
    const call = client.callTool(
      { name: 'compress_code', arguments: { query: 'How are CSV lines split into fields?', ratio: 0.5 } },
      undefined,
      // cancel as soon as the server reports that the job started (model load / parse)
      { signal: ac.signal, onprogress: () => ac.abort('user cancelled') },
    );
    await assert.rejects(call, /cancelled|abort/i);
    const t0 = Date.now();
    while (!/compress_code: cancelled after \d+ ms/.test(stderr)) {
      assert.ok(Date.now() - t0 < 20_000, `no cancellation in the server log:\n${stderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const { tools } = await client.listTools();
    assert.equal(tools.length, 2);
    if (process.env.CZ_DEBUG) console.error(stderr);
  });
});
