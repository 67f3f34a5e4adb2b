/**
 * Exact chunks for the hand-written fixtures in test/fixtures/chunk (one per language).
 * Each entry is `kind name startLine-endLine h<headerLines> <parent or ->`; every file
 * must also tile exactly (concatenated chunk texts == file).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { before, describe, test } from 'node:test';
import { createChunker, checkTiling, languageForPath, resolveWasm, type Chunker } from '../../src/core/chunk/index.js';
import { estimateTokens } from '../../src/core/tokens/estimate.js';
import type { ChunkedFile } from '../../src/core/types.js';

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'chunk');

function summary(r: ChunkedFile): string[] {
  return r.chunks.map((c) => `${c.kind} ${c.name} ${c.startLine}-${c.endLine} h${c.headerLines} ${c.parent ?? '-'}`);
}

const EXPECTED: Record<string, string[]> = {
  'inventory.py@400': [
    'code L1-L10 1-10 h0 -',
    'function retry 11-27 h2 -',
    'class Item 28-36 h3 -',
    'class Inventory 37-67 h2 -',
    'code L68-L70 68-70 h0 -',
  ],
  'inventory.py@40': [
    'code L1-L10 1-10 h0 -',
    'function retry 11-27 h2 -',
    'class Item 28-36 h3 -',
    'header Inventory 37-39 h2 -',
    'method __init__ 40-44 h1 Inventory',
    'method size 45-48 h2 Inventory',
    'method fetch 49-59 h6 Inventory',
    'method reserve 60-67 h1 Inventory',
    'code L68-L70 68-70 h0 -',
  ],
  'router.ts@400': [
    'code imports 1-3 h0 -',
    'type Handler 4-5 h1 -',
    'interface Params 6-9 h1 -',
    'enum Method 10-15 h2 -',
    'interface Route 16-22 h1 -',
    'function compilePath 23-34 h4 -',
    'function sealed 35-38 h1 -',
    'class Router 39-75 h2 -',
    'namespace Middleware 76-81 h1 -',
    'code L82 82-82 h0 -',
  ],
  'router.ts@40': [
    'code imports 1-3 h0 -',
    'type Handler 4-5 h1 -',
    'interface Params 6-9 h1 -',
    'enum Method 10-15 h2 -',
    'interface Route 16-22 h1 -',
    'function compilePath 23-34 h4 -',
    'function sealed 35-38 h1 -',
    'header Router 39-40 h2 -',
    'code L41-L42 41-42 h0 Router',
    'method constructor 43-46 h1 Router',
    'method get 47-51 h2 Router',
    'method post 52-55 h1 Router',
    'method add 56-61 h1 Router',
    'method dispatch 62-73 h1 Router',
    'code end of Router 74-75 h0 Router',
    'namespace Middleware 76-81 h1 -',
    'code L82 82-82 h0 -',
  ],
  'Badge.tsx@400': [
    'code imports 1-2 h0 -',
    'interface BadgeProps 3-7 h1 -',
    'function Badge 8-17 h2 -',
    'function BadgeList 18-20 h1 -',
  ],
  'cache.js@400': [
    'code L1-L8 1-8 h0 -',
    'class LRUCache 9-38 h1 -',
    'function memoize 39-47 h2 -',
    'function keysOf 48-51 h1 -',
    'code L52-L59 52-59 h0 -',
  ],
  'cache.js@40': [
    'code L1-L8 1-8 h0 -',
    'header LRUCache 9-9 h1 -',
    'method constructor 10-15 h1 LRUCache',
    'method get 16-27 h1 LRUCache',
    'method set 28-36 h1 LRUCache',
    'code end of LRUCache 37-38 h0 LRUCache',
    'function memoize 39-47 h2 -',
    'function keysOf 48-51 h1 -',
    'code L52-L59 52-59 h0 -',
  ],
  'server.go@400': [
    'code imports 1-9 h0 -',
    'interface Store 10-15 h2 -',
    'struct Server 16-22 h2 -',
    'type handlerFunc 23-24 h1 -',
    'function New 25-29 h2 -',
    'method ServeHTTP 30-42 h2 Server',
    'method Hits 43-44 h1 Server',
    'code L45 45-45 h0 -',
  ],
  'OrderService.java@40': [
    'code imports 1-6 h0 -',
    'header OrderService 7-11 h5 -',
    'code L12-L14 12-14 h0 OrderService',
    'method OrderService 15-19 h2 OrderService',
    'method place 20-30 h3 OrderService',
    'method find 31-34 h1 OrderService',
    'header Order 35-35 h1 OrderService',
    'method Order 36-38 h1 Order',
    'code end of Order 39-40 h0 Order',
    'enum Status 41-48 h1 OrderService',
    'code end of OrderService 49-50 h0 OrderService',
    'interface Clock 51-53 h1 -',
  ],
  'config.rs@400': [
    'code imports 1-5 h0 -',
    'struct Config 6-11 h3 -',
    'enum ParseError 12-17 h2 -',
    'impl fmt::Display for ParseError 18-26 h1 -',
    'impl Config 27-52 h1 -',
    'trait Source 53-56 h1 -',
    'function config 57-64 h1 -',
    'module tests 65-74 h2 -',
  ],
  'config.rs@40': [
    'code imports 1-5 h0 -',
    'struct Config 6-11 h3 -',
    'enum ParseError 12-17 h2 -',
    'header fmt::Display for ParseError 18-18 h1 -',
    'method fmt 19-24 h1 fmt::Display for ParseError',
    'code end of fmt::Display for ParseError 25-26 h0 fmt::Display for ParseError',
    'header Config 27-27 h1 -',
    'method parse 28-46 h2 Config',
    'method get 47-50 h2 Config',
    'code end of Config 51-52 h0 Config',
    'trait Source 53-56 h1 -',
    'function config 57-64 h1 -',
    'header tests 65-66 h2 -',
    'code imports 67-68 h0 tests',
    'function parses_pairs 69-73 h2 tests',
    'code end of tests 74-74 h0 tests',
  ],
  'buffer.c@400': [
    'code L1-L6 1-6 h0 -',
    'type buffer_t 7-12 h1 -',
    'struct node 13-17 h1 -',
    'enum mode 18-19 h1 -',
    'function buffer_reserve 20-36 h3 -',
    'function buffer_append 37-43 h1 -',
    'function buffer_free 44-44 h1 -',
  ],
  'matrix.hpp@40': [
    'code L1-L4 1-4 h0 -',
    'header linalg 5-6 h1 -',
    'header Matrix 7-9 h3 linalg',
    'code L10 10-10 h0 Matrix',
    'method Matrix 11-12 h1 Matrix',
    'method operator() 13-14 h1 Matrix',
    'method at 15-18 h1 Matrix',
    'method transposed 19-27 h2 Matrix',
    'code L28-L29 28-29 h0 Matrix',
    'code end of Matrix 30-31 h0 Matrix',
    'struct Shape 32-36 h1 linalg',
    'function dot 37-43 h2 linalg',
    'code end of linalg 44-45 h0 linalg',
    'function linalg_version 46-46 h1 -',
  ],
  'Greeter.cs@40': [
    'code imports 1-2 h0 -',
    'header Demo.Greeting 3-4 h2 -',
    'header Greeter 5-8 h4 Demo.Greeting',
    'code L9-L10 9-10 h0 Greeter',
    'method Greeter 11-15 h2 Greeter',
    'method Greet 16-16 h1 Greeter',
    'code end of Greeter 17-18 h0 Greeter',
    'class Person 19-19 h1 Demo.Greeting',
    'code end of Demo.Greeting 20-20 h0 Demo.Greeting',
  ],
  'queue.rb@40': [
    'code imports 1-3 h0 -',
    'header Jobs 4-4 h1 -',
    'header Queue 5-6 h2 Jobs',
    'method initialize 7-10 h1 Queue',
    'method push 11-15 h1 Queue',
    'method from_json 16-18 h1 Queue',
    'code end of Queue 19-19 h0 Queue',
    'code end of Jobs 20-21 h0 Jobs',
    'function run_all 22-24 h1 -',
  ],
  'Session.php@40': [
    'code L1-L5 1-5 h0 -',
    'header Session 6-10 h5 -',
    'code L11-L12 11-12 h0 Session',
    'method __construct 13-14 h1 Session',
    'method get 15-18 h2 Session',
    'code end of Session 19-20 h0 Session',
    'function session_id_valid 21-24 h2 -',
  ],
  'Retry.kt@20': [
    'code imports 1-4 h0 -',
    'function retry 5-15 h2 -',
    'class Policy 16-17 h1 -',
    'header Backoff 18-18 h1 -',
    'method delays 19-20 h1 Backoff',
    'code end of Backoff 21-21 h0 Backoff',
  ],
  'deploy@400': ['code L1-L4 1-4 h0 -', 'function log 5-8 h1 -', 'function build 9-14 h2 -', 'code L15-L16 15-16 h0 -'],
};

const LANGUAGE_OF: Record<string, string> = {
  'inventory.py': 'python',
  'router.ts': 'typescript',
  'Badge.tsx': 'tsx',
  'cache.js': 'javascript',
  'server.go': 'go',
  'OrderService.java': 'java',
  'config.rs': 'rust',
  'buffer.c': 'c',
  'matrix.hpp': 'cpp',
  'Greeter.cs': 'c_sharp',
  'queue.rb': 'ruby',
  'Session.php': 'php',
  'Retry.kt': 'kotlin',
  deploy: 'bash',
};

let chunker: Chunker;
before(async () => {
  chunker = await createChunker();
});

describe('chunk fixtures: exact chunks per language', () => {
  for (const [key, expected] of Object.entries(EXPECTED)) {
    const [file, mct] = key.split('@');
    test(`${file} (maxClassTokens ${mct})`, () => {
      const text = fs.readFileSync(path.join(FIXTURES, file), 'utf8');
      const r = chunker.chunkFile(file, text, { maxClassTokens: Number(mct) });
      assert.equal(r.language, LANGUAGE_OF[file]);
      assert.equal(r.method, 'tree-sitter');
      assert.equal(r.hadParseErrors, false);
      assert.deepEqual(summary(r), expected);
      assert.equal(checkTiling(text, r.chunks), null);
      assert.equal(r.chunks.map((c) => c.text).join(''), text);
    });
  }

  test('every chunk carries file, language, offsets and estimated tokens', () => {
    const text = fs.readFileSync(path.join(FIXTURES, 'router.ts'), 'utf8');
    const r = chunker.chunkFile('src/router.ts', text);
    for (const c of r.chunks) {
      assert.equal(c.file, 'src/router.ts');
      assert.equal(c.language, 'typescript');
      assert.equal(c.text, text.slice(c.startOffset, c.endOffset));
      assert.equal(c.tokens, estimateTokens(c.text));
      assert.ok(c.headerLines <= c.endLine - c.startLine + 1);
      if (c.kind === 'code') assert.equal(c.headerLines, 0);
    }
  });

  test('headerLines cover decorators, doc comment and signature up to the body', () => {
    const text = fs.readFileSync(path.join(FIXTURES, 'inventory.py'), 'utf8');
    const r = chunker.chunkFile('inventory.py', text, { maxClassTokens: 40 });
    const fetch = r.chunks.find((c) => c.name === 'fetch')!;
    const header = fetch.text.split('\n').slice(0, fetch.headerLines).join('\n');
    assert.equal(
      header,
      '    # Reads go through the cache.\n    @retry(times=2)\n    async def fetch(\n        self,\n        sku: str,\n    ) -> Item:',
    );
    const cls = r.chunks.find((c) => c.kind === 'header' && c.name === 'Inventory')!;
    assert.equal(cls.text, 'class Inventory:\n    """Keeps stock levels and talks to the warehouse API."""\n\n');
  });

  test('a custom token counter drives tokens and the class split', () => {
    const text = fs.readFileSync(path.join(FIXTURES, 'cache.js'), 'utf8');
    const lines = (t: string) => t.split('\n').length;
    const r = chunker.chunkFile('cache.js', text, { countTokens: lines, maxClassTokens: 20 });
    assert.ok(r.chunks.some((c) => c.kind === 'header' && c.name === 'LRUCache'));
    for (const c of r.chunks) assert.equal(c.tokens, lines(c.text));
  });

  test('decorated definitions start at their decorator; Rust attributes and doc comments are attached', () => {
    const rs = fs.readFileSync(path.join(FIXTURES, 'config.rs'), 'utf8');
    const r = chunker.chunkFile('config.rs', rs);
    assert.ok(
      r.chunks
        .find((c) => c.name === 'Config' && c.kind === 'struct')!
        .text.startsWith(
          '/// A parsed `key = value` configuration.\n#[derive(Debug, Default, Clone)]\npub struct Config {',
        ),
    );
    const ts = fs.readFileSync(path.join(FIXTURES, 'router.ts'), 'utf8');
    const router = chunker.chunkFile('router.ts', ts).chunks.find((c) => c.name === 'Router')!;
    assert.ok(router.text.startsWith('@sealed\nexport class Router extends EventEmitter {\n'));
  });

  test('empty file gives no chunks', () => {
    const r = chunker.chunkFile('empty.py', '');
    assert.deepEqual(r.chunks, []);
    assert.equal(r.method, 'tree-sitter');
  });

  test('file without trailing newline ends on its last line', () => {
    const text = 'import os\n\ndef f():\n    return os.getcwd()';
    const r = chunker.chunkFile('a.py', text);
    assert.deepEqual(summary(r), ['code imports 1-2 h0 -', 'function f 3-4 h1 -']);
    assert.equal(r.chunks[1].text, 'def f():\n    return os.getcwd()');
  });

  test('CRLF line endings tile and keep their carriage returns', () => {
    const text = 'import os\r\n\r\ndef f():\r\n    return 1\r\n\r\nx = f()\r\n';
    const r = chunker.chunkFile('a.py', text);
    assert.deepEqual(summary(r), ['code imports 1-2 h0 -', 'function f 3-5 h1 -', 'code L6 6-6 h0 -']);
    assert.equal(checkTiling(text, r.chunks), null);
  });

  test('definitions sharing a line with other code stay inside that code', () => {
    const text = 'x = 1; function a() { return 1; } function b() { return 2; }\nfunction c() {\n  return 3;\n}\n';
    const r = chunker.chunkFile('a.js', text);
    assert.deepEqual(summary(r), ['code L1 1-1 h0 -', 'function c 2-4 h1 -']);
  });

  test('a small object literal of functions stays one code chunk; a large one is cut around its functions', () => {
    const small = 'module.exports = {\n  a: function () {\n    return 1;\n  },\n};\n';
    assert.deepEqual(summary(chunker.chunkFile('s.js', small)), ['code L1-L5 1-5 h0 -']);
    const body = Array.from(
      { length: 8 },
      (_, i) => `  f${i}: function (x) {\n    return x * ${i} + someLongishIdentifierName${i};\n  },\n`,
    ).join('');
    const large = `const before = 1;\nmodule.exports = {\n${body}};\n`;
    assert.deepEqual(summary(chunker.chunkFile('l.js', large, { maxClassTokens: 60 })), [
      'code L1-L2 1-2 h0 -',
      ...Array.from({ length: 8 }, (_, i) => `function f${i} ${3 + 3 * i}-${5 + 3 * i} h1 -`),
      'code L27 27-27 h0 -',
    ]);
  });

  test('TypeScript overload signatures join their implementation', () => {
    const text =
      'export function f(a: string): void;\nexport function f(a: number): void;\nexport function f(a: any) {\n  return a;\n}\n\nfunction g(): void;\n\nfunction g() {}\n';
    assert.deepEqual(summary(chunker.chunkFile('o.ts', text)), [
      'function f 1-6 h3 -',
      'function g 7-8 h1 -',
      'function g 9-9 h1 -',
    ]);
  });

  test('long runs of top-level code are cut at blank lines under the line cap', () => {
    const para = (n: number) => Array.from({ length: 10 }, (_, i) => `v${n}_${i} = ${i}`).join('\n') + '\n\n';
    const text = Array.from({ length: 8 }, (_, n) => para(n)).join('');
    const r = chunker.chunkFile('consts.py', text, { maxCodeLines: 30 });
    assert.deepEqual(summary(r), [
      'code L1-L22 1-22 h0 -',
      'code L23-L44 23-44 h0 -',
      'code L45-L66 45-66 h0 -',
      'code L67-L88 67-88 h0 -',
    ]);
  });
});

describe('languageForPath', () => {
  test('by extension', () => {
    assert.equal(languageForPath('a/b/c.tsx'), 'tsx');
    assert.equal(languageForPath('x.MJS'), 'javascript');
    assert.equal(languageForPath('x.pyi'), 'python');
    assert.equal(languageForPath('lib.h'), 'c');
    assert.equal(languageForPath('lib.h', 'namespace a {\nclass B {};\n}'), 'cpp');
    assert.equal(languageForPath('README.md'), null);
  });
  test('by shebang for files without a known extension', () => {
    assert.equal(languageForPath('bin/tool', '#!/usr/bin/env python3\nprint(1)\n'), 'python');
    assert.equal(languageForPath('bin/tool', '#!/bin/sh\necho\n'), 'bash');
    assert.equal(languageForPath('bin/tool', '#!/usr/bin/env node\n'), 'javascript');
    assert.equal(languageForPath('bin/tool', 'echo no shebang\n'), null);
  });
});

describe('wasm resolution', () => {
  test('an explicit (or bundled dist/wasm) folder wins over node_modules', () => {
    const fromModules = resolveWasm();
    assert.match(fromModules.runtime, /node_modules[\\/]web-tree-sitter[\\/]tree-sitter\.wasm$/);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cz-wasm-'));
    try {
      fs.copyFileSync(fromModules.runtime, path.join(dir, 'tree-sitter.wasm'));
      fs.copyFileSync(fromModules.grammar('python')!, path.join(dir, 'tree-sitter-python.wasm'));
      const loc = resolveWasm(dir);
      assert.equal(loc.runtime, path.join(dir, 'tree-sitter.wasm'));
      assert.equal(loc.grammar('python'), path.join(dir, 'tree-sitter-python.wasm'));
      assert.equal(loc.grammar('go'), null);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('languages without a loaded grammar fall back to line chunks', async () => {
    const only = await createChunker({ languages: ['python'] });
    assert.deepEqual(only.languages, ['python']);
    assert.equal(only.languageFor('a.go'), null);
    assert.equal(only.chunkFile('a.py', 'def f():\n    pass\n').method, 'tree-sitter');
    const go = only.chunkFile('a.go', 'package a\n\nfunc F() {}\n');
    assert.equal(go.method, 'fallback');
    assert.equal(go.language, 'go');
    assert.match(go.note ?? '', /no go grammar loaded/);
    only.dispose();
  });
});
