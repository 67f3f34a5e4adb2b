// Chunking throughput: parse + definitions query + tiling (chunker.chunkFile) vs raw
// web-tree-sitter parse only, on the same real files (node_modules js/ts, Python stdlib,
// and Go/Rust/C sources when present). Target: chunking within 2x of raw parse time.
// Runs are interleaved per file (raw, chunk, raw, chunk...) so machine load affects both.
//
// Usage: node --import tsx bench/chunk-throughput.mjs [perSource=120] [repeats=3]
// Writes bench/results/chunk-throughput.json.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { createChunker, languageForPath } from '../src/core/chunk/index.ts';
import { loadLanguage, resolveWasm } from '../src/core/chunk/runtime.ts';
import { REPO, sampleFiles } from './chunk-corpus.mjs';

const perSource = Number(process.argv[2] ?? 120);
const repeats = Number(process.argv[3] ?? 3);
const { Parser } = createRequire(path.join(REPO, 'package.json'))('web-tree-sitter');

const chunker = await createChunker();
const wasm = resolveWasm();
const parsers = new Map();
async function parserFor(lang) {
  if (!parsers.has(lang)) {
    const p = new Parser();
    p.setLanguage(await loadLanguage(wasm.grammar(lang)));
    parsers.set(lang, p);
  }
  return parsers.get(lang);
}

const files = [];
for (const f of sampleFiles({ perSource })) {
  const lang = languageForPath(f.file, f.text);
  if (!lang) continue;
  files.push({ ...f, lang, bytes: Buffer.byteLength(f.text), parser: await parserFor(lang) });
}

// Warm-up: compiles queries, JITs the chunker.
for (const f of files) {
  f.parser.parse(f.text)?.delete();
  chunker.chunkFile(f.file, f.text);
}

const stats = new Map();
for (let r = 0; r < repeats; r++) {
  for (const f of files) {
    const s = stats.get(f.source) ?? { files: 0, bytes: 0, rawMs: 0, chunkMs: 0, chunks: 0 };
    stats.set(f.source, s);
    let t = performance.now();
    const tree = f.parser.parse(f.text);
    tree?.delete();
    s.rawMs += performance.now() - t;
    t = performance.now();
    const res = chunker.chunkFile(f.file, f.text);
    s.chunkMs += performance.now() - t;
    if (r === 0) {
      s.files++;
      s.bytes += f.bytes;
      s.chunks += res.chunks.length;
    }
  }
}

const MB = 1024 * 1024;
const rows = [...stats.entries()].map(([source, s]) => {
  const rawMBs = (s.bytes * repeats) / MB / (s.rawMs / 1000);
  const chunkMBs = (s.bytes * repeats) / MB / (s.chunkMs / 1000);
  return {
    source,
    files: s.files,
    megabytes: +(s.bytes / MB).toFixed(3),
    chunks: s.chunks,
    rawParseMBs: +rawMBs.toFixed(2),
    chunkMBs: +chunkMBs.toFixed(2),
    slowdown: +(s.chunkMs / s.rawMs).toFixed(2),
  };
});
const tot = [...stats.values()].reduce(
  (a, s) => ({
    bytes: a.bytes + s.bytes,
    rawMs: a.rawMs + s.rawMs,
    chunkMs: a.chunkMs + s.chunkMs,
    files: a.files + s.files,
    chunks: a.chunks + s.chunks,
  }),
  { bytes: 0, rawMs: 0, chunkMs: 0, files: 0, chunks: 0 },
);
const total = {
  source: 'total',
  files: tot.files,
  megabytes: +(tot.bytes / MB).toFixed(3),
  chunks: tot.chunks,
  rawParseMBs: +((tot.bytes * repeats) / MB / (tot.rawMs / 1000)).toFixed(2),
  chunkMBs: +((tot.bytes * repeats) / MB / (tot.chunkMs / 1000)).toFixed(2),
  slowdown: +(tot.chunkMs / tot.rawMs).toFixed(2),
};

const head = ['source', 'files', 'MB', 'chunks', 'raw parse MB/s', 'chunk MB/s', 'chunk/raw time'];
const widths = [24, 6, 7, 7, 15, 11, 15];
const line = (cells) =>
  cells.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join(' ');
console.log(line(head));
for (const r of [...rows, total])
  console.log(
    line([
      r.source,
      r.files,
      r.megabytes.toFixed(2),
      r.chunks,
      r.rawParseMBs.toFixed(2),
      r.chunkMBs.toFixed(2),
      `${r.slowdown.toFixed(2)}x`,
    ]),
  );
console.log(
  `target: chunk/raw time <= 2.00x -> ${total.slowdown <= 2 ? 'met' : 'NOT met'} (load average ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} cores)`,
);

fs.mkdirSync(path.join(REPO, 'bench/results'), { recursive: true });
fs.writeFileSync(
  path.join(REPO, 'bench/results/chunk-throughput.json'),
  `${JSON.stringify({ command: `node --import tsx bench/chunk-throughput.mjs ${perSource} ${repeats}`, date: new Date().toISOString(), node: process.version, cpus: os.cpus().length, loadAverage: +os.loadavg()[0].toFixed(2), repeats, rows, total }, null, 2)}\n`,
);
