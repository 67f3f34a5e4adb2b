/**
 * Tiling over real code: a deterministic sample of files from node_modules and, when
 * present, the Python, Go, Rust and C sources on this machine. Each file must tile exactly
 * and chunking must not throw. The larger run (300 files per source) is
 * bench/chunk-tiling.mjs.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { checkTiling, createChunker } from '../../src/core/chunk/index.js';

const REPO = path.join(__dirname, '..', '..');
const SOURCES: Array<[string, string[]]> = [
  [path.join(REPO, 'node_modules'), ['.js', '.mjs', '.cjs', '.ts', '.tsx']],
  ['/usr/lib/python3.11', ['.py']],
  ['/usr/share/go-1.19/src', ['.go']],
  ['/usr/src/rustc-1.63.0/library', ['.rs']],
  ['/usr/include', ['.h']],
];
const PER_SOURCE = 12;

function walk(dir: string, exts: string[], out: string[], depth = 0): void {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory() && depth < 10) walk(p, exts, out, depth + 1);
    else if (e.isFile() && exts.some((x) => e.name.endsWith(x))) out.push(p);
  }
}

test('a sample of real files from several languages tiles exactly', async () => {
  const chunker = await createChunker();
  let checked = 0;
  const failures: string[] = [];
  for (const [root, exts] of SOURCES) {
    if (!fs.existsSync(root)) continue;
    const all: string[] = [];
    walk(root, exts, all);
    const step = Math.max(1, Math.floor(all.length / PER_SOURCE));
    let n = 0;
    for (let i = 0; i < all.length && n < PER_SOURCE; i += step) {
      if (fs.statSync(all[i]).size > 200 * 1024) continue;
      const text = fs.readFileSync(all[i], 'utf8');
      const r = chunker.chunkFile(all[i], text);
      const problem = checkTiling(text, r.chunks);
      if (problem) failures.push(`${all[i]}: ${problem}`);
      n++;
      checked++;
    }
  }
  assert.deepEqual(failures, []);
  assert.ok(checked >= PER_SOURCE, `only ${checked} files checked`);
});
