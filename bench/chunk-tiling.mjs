// Tiling check over a large real tree: every sampled file must tile exactly (chunk texts
// concatenate to the file, line numbers match) and nothing throws. Also counts fallbacks.
// Usage: node --import tsx bench/chunk-tiling.mjs [perSource=300]
import fs from 'node:fs';
import path from 'node:path';
import { createChunker, checkTiling } from '../src/core/chunk/index.ts';
import { REPO, sampleFiles } from './chunk-corpus.mjs';

const perSource = Number(process.argv[2] ?? 300);
const files = sampleFiles({ perSource });
const chunker = await createChunker();
const bySource = new Map();
const failures = [];
const t0 = performance.now();
for (const { source, file, text } of files) {
  const s = bySource.get(source) ?? { files: 0, bytes: 0, chunks: 0, fallback: 0, parseErrors: 0, failures: 0 };
  bySource.set(source, s);
  s.files++;
  s.bytes += text.length;
  let r;
  try {
    r = chunker.chunkFile(file, text);
  } catch (err) {
    failures.push(`${file}: threw ${err.message}`);
    s.failures++;
    continue;
  }
  const problem =
    checkTiling(text, r.chunks) ?? (r.chunks.map((c) => c.text).join('') === text ? null : 'concatenation differs');
  if (problem) {
    failures.push(`${file}: ${problem}`);
    s.failures++;
  }
  s.chunks += r.chunks.length;
  if (r.method === 'fallback') {
    s.fallback++;
    if (process.env.VERBOSE) console.log(`fallback ${file}: ${r.note}`);
  }
  if (r.hadParseErrors) s.parseErrors++;
}
const seconds = (performance.now() - t0) / 1000;
const rows = [...bySource.entries()].map(([source, s]) => ({ source, ...s }));
console.log(
  'source'.padEnd(24),
  'files'.padStart(6),
  'KB'.padStart(8),
  'chunks'.padStart(7),
  'fallback'.padStart(9),
  'parseErr'.padStart(9),
  'FAIL'.padStart(5),
);
for (const r of rows)
  console.log(
    r.source.padEnd(24),
    String(r.files).padStart(6),
    String(Math.round(r.bytes / 1024)).padStart(8),
    String(r.chunks).padStart(7),
    String(r.fallback).padStart(9),
    String(r.parseErrors).padStart(9),
    String(r.failures).padStart(5),
  );
console.log(`${files.length} files in ${seconds.toFixed(1)} s; ${failures.length} failures`);
for (const f of failures.slice(0, 20)) console.log('  ' + f);
fs.mkdirSync(path.join(REPO, 'bench/results'), { recursive: true });
fs.writeFileSync(
  path.join(REPO, 'bench/results/chunk-tiling.json'),
  `${JSON.stringify({ command: `node --import tsx bench/chunk-tiling.mjs ${perSource}`, date: new Date().toISOString(), files: files.length, seconds: Number(seconds.toFixed(2)), failures, sources: rows }, null, 2)}\n`,
);
process.exit(failures.length === 0 ? 0 : 1);
