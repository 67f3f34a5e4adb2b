/**
 * The chunker never throws, never hangs, and always tiles: unknown languages, syntax
 * errors, parse deadlines, random bytes, every truncation of the fixtures, deep nesting.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { before, describe, test } from 'node:test';
import { chunkByLines, checkTiling, createChunker, type Chunker } from '../../src/core/chunk/index.js';
import type { ChunkedFile } from '../../src/core/types.js';
import { seededRandom } from '../support/random.js';

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'chunk');

function summary(r: ChunkedFile): string[] {
  return r.chunks.map((c) => `${c.kind} ${c.name} ${c.startLine}-${c.endLine}`);
}

function assertTiles(text: string, r: ChunkedFile, label: string): void {
  const problem = checkTiling(text, r.chunks);
  assert.equal(problem, null, `${label}: ${problem}`);
}

let chunker: Chunker;
before(async () => {
  chunker = await createChunker();
});

describe('fallback chunking', () => {
  test('unknown language: paragraphs and dedents, method fallback, plaintext', () => {
    const text = 'Title\n=====\n\nFirst paragraph\nstill first.\n\nSecond.\n';
    const r = chunker.chunkFile('notes.xyz', text);
    assert.equal(r.method, 'fallback');
    assert.equal(r.language, 'plaintext');
    assert.match(r.note ?? '', /unknown language/);
    assert.deepEqual(summary(r), ['code L1-L7 1-7']);
    assertTiles(text, r, 'notes');
  });

  test('prose and config files: one section per heading or table, named by its title', () => {
    const text = 'Title\n=====\n\nFirst paragraph\nstill first.\n\n## Usage\n\nRun it.\n```sh\n# not a heading\n```\n';
    const r = chunker.chunkFile('notes.md', text);
    assert.equal(r.language, 'plaintext');
    assert.match(r.note ?? '', /markdown sections \(2 headings\)/);
    assert.deepEqual(summary(r), ['section Title 1-6', 'section Usage 7-12']);
    assert.deepEqual(
      r.chunks.map((c) => c.headerLines),
      [1, 1],
    );
    assertTiles(text, r, 'notes.md');
    const conf = 'name = x\n\n[server]\nport = 8080\n\n[cache]\nsize = 10\n';
    const c = chunker.chunkFile('service.conf', conf);
    assert.deepEqual(summary(c), ['section L1-L2 1-2', 'section [server] 3-5', 'section [cache] 6-7']);
    assertTiles(conf, c, 'conf');
    const rst = 'Intro\n=====\n\ntext\n\nDetails\n-------\nmore\n';
    assert.deepEqual(summary(chunker.chunkFile('doc.rst', rst)), ['section Intro 1-5', 'section Details 6-8']);
  });

  test('fallback cuts at blank lines and dedents to column 0 once a piece is long enough', () => {
    const block = (name: string) => `${name}:\n${Array.from({ length: 14 }, (_, i) => `  key${i}: ${i}`).join('\n')}\n`;
    const text = block('alpha') + block('beta') + '\n' + block('gamma');
    const r = chunkByLines('conf.yaml', text);
    assert.deepEqual(summary(r), ['code L1-L15 1-15', 'code L16-L31 16-31', 'code L32-L46 32-46']);
    assertTiles(text, r, 'yaml');
  });

  test('the line cap splits a paragraph without blank lines', () => {
    const text = Array.from({ length: 130 }, (_, i) => `  row ${i}`).join('\n') + '\n';
    const r = chunkByLines('data.txt', text, { maxCodeLines: 60 });
    assert.deepEqual(summary(r), ['code L1-L60 1-60', 'code L61-L120 61-120', 'code L121-L130 121-130']);
  });

  test('syntax errors keep the sane definitions (hadParseErrors)', () => {
    const text = 'def ok(a):\n    return a + 1\n\n\ndef broken(:\n    return )\n\n\ndef fine():\n    return 2\n';
    const r = chunker.chunkFile('bad.py', text);
    assert.equal(r.method, 'tree-sitter');
    assert.equal(r.hadParseErrors, true);
    assert.ok(summary(r).includes('function ok 1-4'), summary(r).join(' | '));
    assert.ok(summary(r).includes('function fine 9-10'), summary(r).join(' | '));
    assertTiles(text, r, 'bad.py');
  });

  test('errors with no definitions fall back to line chunks', () => {
    const text = '}}}} ((( let = = = ;\n\n<<< >>> ]]]\n';
    const r = chunker.chunkFile('junk.ts', text);
    assert.equal(r.method, 'fallback');
    assert.equal(r.language, 'typescript');
    assert.equal(r.hadParseErrors, true);
    assertTiles(text, r, 'junk');
  });

  test('a parse past its deadline falls back, and the parser still works afterwards', () => {
    const text = fs.readFileSync(path.join(FIXTURES, 'router.ts'), 'utf8').repeat(40);
    const r = chunker.chunkFile('big.ts', text, { parseTimeoutMs: 0 });
    assert.equal(r.method, 'fallback');
    assert.match(r.note ?? '', /longer than 0 ms/);
    assertTiles(text, r, 'deadline');
    const again = chunker.chunkFile('router.ts', fs.readFileSync(path.join(FIXTURES, 'router.ts'), 'utf8'));
    assert.equal(again.method, 'tree-sitter');
    assert.ok(again.chunks.some((c) => c.name === 'Router'));
  });
});

describe('fuzz: never throws, always tiles', () => {
  const fixtures = fs.readdirSync(FIXTURES).sort();

  test('every prefix of every fixture (step ~1/20 of the file)', () => {
    let parses = 0;
    for (const f of fixtures) {
      const text = fs.readFileSync(path.join(FIXTURES, f), 'utf8');
      const step = Math.max(1, Math.ceil(text.length / 20));
      for (let n = 0; n <= text.length; n += step) {
        const prefix = text.slice(0, n);
        const r = chunker.chunkFile(f, prefix, { maxClassTokens: 40 });
        assertTiles(prefix, r, `${f}[0:${n}]`);
        parses++;
      }
    }
    assert.ok(parses >= 14 * 19, `${parses} parses`);
  });

  test('random bytes and random code-like tokens in every language', () => {
    const rand = seededRandom(42);
    const pieces = [
      '{',
      '}',
      '(',
      ')',
      '[',
      ']',
      ';',
      '\n',
      '\n\n',
      '  ',
      '\t',
      'def ',
      'class ',
      'fn ',
      'func ',
      'function ',
      'x',
      ':',
      '=',
      '"',
      "'",
      '/*',
      '*/',
      '//',
      '#',
      '@',
      '<',
      '>',
      'end',
      '\r\n',
      '\u00e9',
      '\ud83d\ude00',
    ];
    const files = [
      'a.py',
      'a.ts',
      'a.tsx',
      'a.js',
      'a.go',
      'a.java',
      'a.rs',
      'a.c',
      'a.cpp',
      'a.cs',
      'a.rb',
      'a.php',
      'a.kt',
      'a.sh',
      'a.unknown',
    ];
    for (let i = 0; i < 60; i++) {
      const file = files[i % files.length];
      let text = '';
      if (i % 2 === 0) {
        const len = Math.floor(rand() * 3000);
        for (let k = 0; k < len; k++) text += String.fromCharCode(Math.floor(rand() * 0x3000));
      } else {
        const len = Math.floor(rand() * 800);
        for (let k = 0; k < len; k++) text += pieces[Math.floor(rand() * pieces.length)];
      }
      const r = chunker.chunkFile(file, text, { maxClassTokens: 30 });
      assertTiles(text, r, `${file} #${i}`);
    }
  });

  test('deep nesting: 2000 brackets, 2000 nested functions, unclosed braces', () => {
    const cases: Array<[string, string]> = [
      ['deep.js', `const x = ${'['.repeat(2000)}1${']'.repeat(2000)};\n`],
      ['deep2.js', Array.from({ length: 2000 }, (_, i) => `function f${i}() {`).join('\n') + '\n' + '}\n'.repeat(2000)],
      [
        'deep.py',
        Array.from({ length: 200 }, (_, i) => `${' '.repeat(i)}def f${i}():`).join('\n') +
          '\n' +
          ' '.repeat(200) +
          'pass\n',
      ],
      ['deep.c', `int main() ${'{'.repeat(2000)}\n`],
      ['deep.rs', `fn main() { let v = ${'('.repeat(2000)}1${')'.repeat(2000)}; }\n`],
    ];
    for (const [file, text] of cases) {
      const t0 = performance.now();
      const r = chunker.chunkFile(file, text);
      const ms = performance.now() - t0;
      assertTiles(text, r, file);
      assert.ok(ms < 20000, `${file} took ${ms} ms`);
    }
    const nested = chunker.chunkFile(
      'deep2.js',
      Array.from({ length: 2000 }, (_, i) => `function f${i}() {`).join('\n') + '\n' + '}\n'.repeat(2000),
    );
    assert.deepEqual(summary(nested), ['function f0 1-4000']);
  });
});
