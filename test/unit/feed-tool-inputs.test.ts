/**
 * The assistant-facing tool inputs and result texts (src/core/feed/): one schema per tool,
 * identical in package.json's languageModelTools; exact parse errors; exact summary lines and
 * copy header for real engine result shapes.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { copyHeader, cotSummaryLine, omittedSummaryLine } from '../../src/core/feed/result-text.js';
import {
  compressCodeInput,
  compressReasoningInput,
  parseToolInput,
  toolBudget,
  toolInputJsonSchema,
} from '../../src/core/feed/tool-inputs.js';
import type { CotResult } from '../../src/core/cot/compress.js';
import type { CompressionResult, ScoredChunk } from '../../src/core/types.js';

const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as {
  contributes: { languageModelTools: Array<{ name: string; inputSchema: unknown; modelDescription: string }> };
};

function chunk(
  file: string,
  name: string,
  status: ScoredChunk['status'],
  kind: ScoredChunk['kind'] = 'function',
): ScoredChunk {
  return {
    file,
    name,
    kind,
    startLine: 1,
    endLine: 9,
    tokens: 50,
    parent: null,
    language: 'typescript',
    headerLines: 1,
    score: 0,
    rank: 1,
    status,
    keptLines: [],
    keptTokens: status === 'kept' ? 50 : 0,
  };
}

function result(chunks: ScoredChunk[], original = 2010, compressed = 598, budget = 600): CompressionResult {
  return {
    originalTokens: original,
    compressedTokens: compressed,
    ratio: compressed / original,
    budget,
    model: { id: 'embedded', dtype: 'q8' },
    timings: { parseMs: 0, scoreMs: 0, totalMs: 0 },
    modelTokensProcessed: 0,
    chunks,
    text: '',
  };
}

describe('tool inputs', () => {
  test('package.json declares exactly the schemas the tools validate with', () => {
    const tools = Object.fromEntries(pkg.contributes.languageModelTools.map((t) => [t.name, t]));
    assert.deepEqual(tools.contextzip_compressCode.inputSchema, toolInputJsonSchema(compressCodeInput));
    assert.deepEqual(tools.contextzip_compressReasoning.inputSchema, toolInputJsonSchema(compressReasoningInput));
    for (const t of Object.values(tools)) assert.ok(t.modelDescription.length > 200, `${t.name}: modelDescription`);
  });

  test('valid input parses, with the query trimmed', () => {
    assert.deepEqual(parseToolInput(compressCodeInput, { query: '  where is auth?  ', paths: ['src'], ratio: 0.2 }), {
      ok: true,
      value: { query: 'where is auth?', paths: ['src'], ratio: 0.2 },
    });
  });

  test('malformed input: one sentence naming each problem', () => {
    assert.deepEqual(parseToolInput(compressCodeInput, { query: 7, paths: 'src' }), {
      ok: false,
      error: 'Invalid input: query: expected string, received number; paths: expected array, received string.',
    });
    assert.deepEqual(parseToolInput(compressCodeInput, undefined), {
      ok: false,
      error: 'Invalid input: query: expected string, received undefined.',
    });
    assert.deepEqual(parseToolInput(compressCodeInput, { query: ' ' }), {
      ok: false,
      error: 'Invalid input: query: query must say what the context is for (a question or a task).',
    });
    assert.deepEqual(parseToolInput(compressCodeInput, { query: 'q', budgetTokens: 10, ratio: 0.5 }), {
      ok: false,
      error: 'Invalid input: Give either budgetTokens or ratio, not both.',
    });
    assert.deepEqual(parseToolInput(compressReasoningInput, { trace: 'a', extra: 1 }), {
      ok: false,
      error: 'Invalid input: Unrecognized key: "extra".',
    });
    assert.deepEqual(parseToolInput(compressCodeInput, { query: 'q', ratio: 1.5 }), {
      ok: false,
      error: 'Invalid input: ratio: Too big: expected number to be <=1.',
    });
  });

  test('budget: the input wins over the fallback', () => {
    assert.deepEqual(toolBudget({ budgetTokens: 500 }, { ratio: 0.3 }), { tokens: 500 });
    assert.deepEqual(toolBudget({ ratio: 0.5 }, { tokens: 100 }), { ratio: 0.5 });
    assert.deepEqual(toolBudget({}, { ratio: 0.3 }), { ratio: 0.3 });
  });
});

describe('result texts', () => {
  const chunks = [
    chunk('src/shapes.ts', 'distance', 'kept'),
    chunk('src/shapes.ts', 'Circle', 'partial', 'class'),
    chunk('src/shapes.ts', 'area', 'dropped'),
    chunk('src/stats.py', 'mean', 'dropped'),
    { ...chunk('src/stats.py', 'L20-L24', 'dropped', 'code'), startLine: 20, endLine: 24 },
  ];

  test('omitted summary line names the dropped chunks by file', () => {
    assert.equal(
      omittedSummaryLine(result(chunks)),
      'ContextZip kept 598 of 2,010 tokens (30%, budget 600): 1 chunk whole, 1 in part; omitted 3 chunks: area in src/shapes.ts; mean in src/stats.py, plus 1 block of other code.',
    );
  });

  test('long lists are cut with a count; nothing dropped says so', () => {
    const many = Array.from({ length: 11 }, (_, i) => chunk('a.ts', `f${i}`, 'dropped'));
    assert.equal(
      omittedSummaryLine(result(many, 1000, 0, 10)),
      'ContextZip kept 0 of 1,000 tokens (0.0%, budget 10): 0 chunks whole, 0 in part; omitted 11 chunks: f0, f1, f2, f3, f4, f5, f6, f7 in a.ts (+3 more).',
    );
    assert.equal(
      omittedSummaryLine(result([chunk('a.ts', 'f', 'kept')], 40, 40, 100)),
      'ContextZip kept 40 of 40 tokens (100%, budget 100): all 1 chunk; nothing omitted.',
    );
    assert.equal(
      omittedSummaryLine(result([chunk('a.ts', 'f', 'partial')], 400, 90, 100)),
      'ContextZip kept 90 of 400 tokens (23%, budget 100): 0 chunks whole, 1 in part; no chunk omitted whole; omitted lines are marked in the code.',
    );
  });

  test('reasoning summary names the omitted steps (1-based)', () => {
    const steps = [true, false, true, false].map((kept, index) => ({ index, kept }));
    const r = { originalTokens: 120, compressedTokens: 80, ratio: 80 / 120, budget: 96, steps } as unknown as CotResult;
    assert.equal(
      cotSummaryLine(r),
      'ContextZip kept 80 of 120 tokens (67%, budget 96) of the reasoning trace: 2 of 4 steps kept; omitted steps 2, 4.',
    );
  });

  test('copy header: query, scope, ratio, omissions', () => {
    assert.equal(
      copyHeader({
        query: 'How is\n distance computed?',
        result: result(chunks),
        scopeLabel: 'Workspace',
        tokenizer: 'o200k_base',
      }),
      [
        '=== ContextZip compressed context (partial code) ===',
        'Query: How is distance computed?',
        'Scope: Workspace; 2,010 → 598 tokens (30%, budget 600, o200k_base)',
        'ContextZip kept 598 of 2,010 tokens (30%, budget 600): 1 chunk whole, 1 in part; omitted 3 chunks: area in src/shapes.ts; mean in src/stats.py, plus 1 block of other code.',
        'Kept code is verbatim; each omission is one comment line starting with "…".',
        '=== end of header ===',
        '',
        '',
      ].join('\n'),
    );
  });
});
