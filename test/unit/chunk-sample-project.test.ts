/** The README demo folder (test/fixtures/sample-project): collected, chunked, tiled. */
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { checkTiling, createChunker } from '../../src/core/chunk/index.js';
import { loadSourceFiles } from '../../src/core/files/index.js';

const ROOT = path.join(__dirname, '..', 'fixtures', 'sample-project');

test('sample project: source files, definitions per file, exact tiling', async () => {
  const { files, skipped } = loadSourceFiles({ root: ROOT });
  assert.deepEqual(skipped, []);
  assert.deepEqual(
    files.map((f) => f.file),
    [
      'cmd/serve.py',
      'scripts/deploy.sh',
      'src/cache/lru.go',
      'src/cache/ttl.rs',
      'src/config/parser.py',
      'src/http/router.ts',
      'src/http/server.ts',
    ],
  );
  const chunker = await createChunker({ maxClassTokens: 200 });
  const defs: Record<string, string[]> = {};
  for (const f of files) {
    const r = chunker.chunkFile(f.file, f.text);
    assert.equal(r.method, 'tree-sitter', f.file);
    assert.equal(r.hadParseErrors, false, f.file);
    assert.equal(checkTiling(f.text, r.chunks), null, f.file);
    defs[f.file] = r.chunks
      .filter((c) => c.kind !== 'code')
      .map((c) => `${c.kind}:${c.parent ? `${c.parent}.` : ''}${c.name}`);
  }
  assert.deepEqual(defs, {
    'cmd/serve.py': ['function:build_arg_parser', 'function:main'],
    'scripts/deploy.sh': ['function:log', 'function:build', 'function:upload'],
    'src/cache/lru.go': [
      'struct:LRU',
      'struct:entry',
      'function:NewLRU',
      'method:LRU.Get',
      'method:LRU.Put',
      'method:LRU.Len',
    ],
    'src/cache/ttl.rs': [
      'trait:Clock',
      'struct:SystemClock',
      'impl:Clock for SystemClock',
      'struct:TtlCache',
      'header:TtlCache<K, V, C>',
      'method:TtlCache<K, V, C>.with_clock',
      'method:TtlCache<K, V, C>.insert',
      'method:TtlCache<K, V, C>.get',
      'method:TtlCache<K, V, C>.purge',
      'module:tests',
    ],
    'src/config/parser.py': [
      'class:ConfigError',
      'class:Config',
      'function:expand_env',
      'function:coerce',
      'function:parse_config',
    ],
    'src/http/router.ts': [
      'type:Params',
      'type:Handler',
      'interface:Route',
      'function:splitPath',
      'function:matchSegments',
      'header:Router',
      'method:Router.notFound',
      'method:Router.on',
      'method:Router.get',
      'method:Router.fallback',
      'method:Router.handle',
    ],
    'src/http/server.ts': [
      'interface:ServerOptions',
      'function:cached',
      'function:buildRouter',
      'function:startServer',
    ],
  });
});
