// Deterministic samples of real source files for the chunking benchmarks (tiling over a
// large real tree, throughput). Roots that do not exist on a machine are skipped.
import fs from 'node:fs';
import path from 'node:path';

const here = path.dirname(new URL(import.meta.url).pathname);
export const REPO = path.resolve(here, '..');

/** [label, root folder, extensions] */
export const SOURCES = [
  [
    'node_modules (js/ts)',
    path.join(REPO, 'node_modules'),
    ['.js', '.mjs', '.cjs', '.ts', '.mts', '.cts', '.tsx', '.jsx'],
  ],
  ['python3.11 stdlib', '/usr/lib/python3.11', ['.py']],
  ['go 1.19 stdlib', '/usr/share/go-1.19/src', ['.go']],
  ['rustc 1.63 sources', '/usr/src/rustc-1.63.0', ['.rs']],
  ['/usr/include (c/c++)', '/usr/include', ['.h', '.hpp', '.hh']],
];

function walk(dir, exts, out, depth = 0) {
  let entries;
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (depth < 12 && e.name !== '.git') walk(p, exts, out, depth + 1);
    } else if (e.isFile() && exts.some((x) => e.name.endsWith(x))) out.push(p);
  }
}

/**
 * Every k-th candidate file (sorted paths) so that about `perSource` files come from each
 * source, skipping files over maxBytes and minified ones (very long average lines).
 */
export function sampleFiles({ perSource = 100, maxBytes = 512 * 1024, sources = SOURCES } = {}) {
  const picked = [];
  for (const [label, root, exts] of sources) {
    if (!fs.existsSync(root)) continue;
    const all = [];
    walk(root, exts, all);
    const step = Math.max(1, Math.floor(all.length / perSource));
    let n = 0;
    for (let i = 0; i < all.length && n < perSource; i += step) {
      const file = all[i];
      let text;
      try {
        if (fs.statSync(file).size > maxBytes) continue;
        text = fs.readFileSync(file, 'utf8');
      } catch {
        continue;
      }
      const lines = text.split('\n').length;
      if (text.length / lines > 300 || text.includes('\0')) continue;
      picked.push({ source: label, file, text });
      n++;
    }
  }
  return picked;
}
