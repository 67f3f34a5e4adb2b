// Build the training corpus for the embedded model from permissively licensed LOCAL sources (no network).
// Usage: node tools/model/build_corpus.mjs WORKDIR [totalMB=70]
// Writes WORKDIR/corpus.txt (documents separated by <|endoftext|>), WORKDIR/split.json (held-out file lists)
// and tools/model/corpus-manifest.json (roots, counts, bytes, licenses).
// - Files are split by content hash (lib/extract.mjs splitOf): 'dev' and 'test' files never enter corpus.txt.
// - Our evaluation repositories are excluded everywhere (click, mobx, chart.js, chi, commons-cli, bat).
// - Only permissive licenses: per npm package (package.json "license"), per Python distribution
//   (*.dist-info / *.egg-info metadata), Python stdlib (PSF-2.0), Go stdlib (BSD-3-Clause), Rust (MIT OR Apache-2.0).
// - ~8% of the corpus is "code then doc" pairs built from TRAIN files: function code without its doc comment,
//   a blank line, then the doc summary as a comment, i.e. the exact layout the scorer uses (chunk + "\n\n" + query).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BENCHMARK_REPOSITORIES, SEP, sha1, splitOf, langOf, extractFunctions } from './lib/extract.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '../..');
const work = path.resolve(process.argv[2] ?? path.join(here, 'work'));
const TOTAL = Number(process.argv[3] ?? 70) * 1e6;
fs.mkdirSync(work, { recursive: true });

const PERMISSIVE =
  /^(MIT|ISC|0BSD|BSD|BSD-2-Clause|BSD-3-Clause|Apache-2\.0|Apache 2\.0|Apache License 2\.0|Apache Software License|Python-2\.0|PSF|PSF-2\.0|Unlicense|CC0-1\.0|BlueOak-1\.0\.0|Zlib|WTFPL|MIT-0)$/i;
const EXCLUDE = /(^|[\\/])(click|mobx[^\\/]*|chart\.js|chartjs[^\\/]*|chi|commons-cli|bat)([\\/]|$)/i;
const isPermissiveExpr = (lic) => {
  if (!lic || typeof lic !== 'string') return false;
  const parts = lic
    .replace(/[()]/g, '')
    .split(/\s+OR\s+/i)
    .map((s) => s.trim());
  return parts.some((p) => p.split(/\s+AND\s+/i).every((q) => PERMISSIVE.test(q.trim())));
};

// ---- license resolvers -------------------------------------------------------------------------------
const pkgCache = new Map();
function npmLicense(file) {
  // nearest package.json that has a "name" (nested package.json files with only "type" are skipped)
  let d = path.dirname(file);
  while (d.includes('node_modules')) {
    if (pkgCache.has(d)) return pkgCache.get(d);
    const pj = path.join(d, 'package.json');
    if (fs.existsSync(pj)) {
      try {
        const j = JSON.parse(fs.readFileSync(pj, 'utf8'));
        if (j.name) {
          let lic = j.license ?? (Array.isArray(j.licenses) ? j.licenses.map((l) => l.type ?? l).join(' OR ') : null);
          if (lic && typeof lic === 'object') lic = lic.type;
          const r = { pkg: j.name, license: lic ?? 'UNKNOWN' };
          pkgCache.set(d, r);
          return r;
        }
      } catch {
        /* ignore */
      }
    }
    d = path.dirname(d);
  }
  return { pkg: '?', license: 'UNKNOWN' };
}

const pyLic = new Map(); // top-level name -> {dist, license}
function loadPyLicenses(root) {
  for (const e of fs.readdirSync(root)) {
    if (!/\.(dist-info|egg-info)$/.test(e)) continue;
    const d = path.join(root, e);
    const meta =
      ['METADATA', 'PKG-INFO'].map((f) => path.join(d, f)).find((f) => fs.existsSync(f)) ??
      (fs.statSync(d).isFile() ? d : null);
    if (!meta) continue;
    const txt = fs.readFileSync(meta, 'utf8').split('\n\n')[0];
    const licField = (txt.match(/^License: (.*)$/m) ?? [])[1]?.trim() ?? '';
    const expr = (txt.match(/^License-Expression: (.*)$/m) ?? [])[1]?.trim();
    const classifiers = [...txt.matchAll(/^Classifier: License :: (.*)$/gm)].map((m) => m[1]);
    let license = expr ?? licField;
    const text = [license, ...classifiers].join(' | ');
    let ok;
    if (/GPL|GNU|MPL|Mozilla|EPL|CDDL/i.test(text)) ok = false;
    else ok = /\bMIT\b|BSD|Apache|PSF|Python Software Foundation|ISC|Public Domain|Unlicense|zlib/i.test(text);
    if (!license || license === 'UNKNOWN' || license.length > 60) license = classifiers.join('; ') || 'UNKNOWN';
    let tops = [];
    const tl = path.join(d, 'top_level.txt');
    if (fs.existsSync(tl))
      tops = fs
        .readFileSync(tl, 'utf8')
        .split('\n')
        .map((s) => s.trim())
        .filter(Boolean);
    else tops = [e.split('-')[0]];
    for (const t of tops) pyLic.set(t, { dist: e.replace(/\.(dist|egg)-info$/, ''), license, ok });
  }
}

// ---- sources -------------------------------------------------------------------------------------------
const SOURCES = [
  {
    id: 'python-stdlib',
    root: '/usr/lib/python3.11',
    exts: ['.py'],
    license: () => ({ pkg: 'cpython-3.11', license: 'PSF-2.0', ok: true }),
  },
  {
    id: 'python-dist-packages',
    root: '/usr/lib/python3/dist-packages',
    exts: ['.py'],
    license: (f, root) => {
      const top = path.relative(root, f).split(path.sep)[0].replace(/\.py$/, '');
      const l = pyLic.get(top);
      return l ? { pkg: l.dist, license: l.license, ok: l.ok } : { pkg: top, license: 'UNKNOWN', ok: false };
    },
  },
  {
    id: 'npm-project-node_modules',
    root: path.join(repo, 'node_modules'),
    exts: ['.js', '.mjs', '.cjs', '.ts', '.mts', '.cts', '.tsx'],
    license: (f) => {
      const l = npmLicense(f);
      return { ...l, ok: isPermissiveExpr(l.license) };
    },
  },
  {
    id: 'npm-global',
    root: '/usr/lib/node_modules',
    exts: ['.js', '.mjs', '.cjs', '.ts'],
    license: (f) => {
      const l = npmLicense(f);
      return { ...l, ok: isPermissiveExpr(l.license) };
    },
  },
  {
    id: 'go-stdlib-1.19',
    root: '/usr/share/go-1.19/src',
    exts: ['.go'],
    license: () => ({ pkg: 'golang-1.19-src', license: 'BSD-3-Clause', ok: true }),
  },
  {
    id: 'rust-1.63-src',
    root: '/usr/src/rustc-1.63.0',
    exts: ['.rs'],
    license: () => ({ pkg: 'rust-src 1.63 (library + compiler)', license: 'MIT OR Apache-2.0', ok: true }),
  },
];
// Per-language byte caps (fractions of TOTAL): keeps English-heavy Python and JS/TS dominant.
const CAP = { py: 0.3, js: 0.22, ts: 0.14, go: 0.12, rs: 0.12 };
const PAIR_FRAC = 0.08;

const SKIP_DIR =
  /^(test|tests|testing|testdata|__tests__|__pycache__|\.git|fixtures|vendor|third_party|examples?|benchmarks?|dist|umd|min|esm-browser)$/i;
function walk(dir, exts, acc) {
  let ents;
  try {
    ents = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  ents.sort((a, b) => (a.name < b.name ? -1 : 1));
  for (const e of ents) {
    const p = path.join(dir, e.name);
    if (EXCLUDE.test(p.slice(dir.length))) continue;
    if (e.isDirectory()) {
      if (!SKIP_DIR.test(e.name) && !e.name.startsWith('.')) walk(p, exts, acc);
    } else if (
      e.isFile() &&
      exts.some((x) => e.name.endsWith(x)) &&
      !/\.min\.|\.d\.ts$|_test\.go$|\.bundle\./.test(e.name)
    )
      acc.push(p);
  }
}

if (fs.existsSync('/usr/lib/python3/dist-packages')) loadPyLicenses('/usr/lib/python3/dist-packages');
const seen = new Set();
const byLang = { py: [], js: [], ts: [], go: [], rs: [] };
const split = { dev: [], test: [] };
const manifest = {
  built: new Date().toISOString().slice(0, 10),
  tool: 'tools/model/build_corpus.mjs',
  totalMBTarget: TOTAL / 1e6,
  excludedRepositories: BENCHMARK_REPOSITORIES,
  split: 'sha1(file content) % 100: <3 dev (mixture tuning), <8 test (benchmark), else train',
  sources: [],
};
for (const src of SOURCES) {
  const files = [];
  if (!fs.existsSync(src.root)) {
    manifest.sources.push({ id: src.id, root: src.root, missing: true });
    continue;
  }
  walk(src.root, src.exts, files);
  const st = {
    id: src.id,
    root: src.root,
    filesSeen: files.length,
    filesKept: 0,
    bytesKept: 0,
    heldOut: { dev: 0, test: 0 },
    rejected: { license: 0, size: 0, generated: 0, duplicate: 0, excluded: 0 },
    licenses: {},
  };
  for (const f of files) {
    if (EXCLUDE.test(f)) {
      st.rejected.excluded++;
      continue;
    }
    const lic = src.license(f, src.root);
    if (!lic.ok) {
      st.rejected.license++;
      continue;
    }
    let t;
    try {
      t = fs.readFileSync(f, 'utf8');
    } catch {
      continue;
    }
    if (t.length < 300 || t.length > 150000) {
      st.rejected.size++;
      continue;
    }
    const lines = t.split('\n');
    if (t.length / lines.length > 100 || lines.some((l) => l.length > 600) || t.includes(SEP) || t.includes('\uFFFD')) {
      st.rejected.generated++;
      continue;
    }
    if (
      /^\s*(\/\/|#) Code generated .* DO NOT EDIT/m.test(t.slice(0, 2000)) ||
      /@generated|sourceMappingURL=data:/.test(t)
    ) {
      st.rejected.generated++;
      continue;
    }
    const h = sha1(t);
    if (seen.has(h)) {
      st.rejected.duplicate++;
      continue;
    }
    seen.add(h);
    const lang = langOf(f);
    const sp = splitOf(t);
    if (sp !== 'train') {
      split[sp].push({ file: f, source: src.id, license: lic.license, pkg: lic.pkg });
      st.heldOut[sp]++;
      continue;
    }
    byLang[lang].push({ t, f, src: st, lic });
  }
  manifest.sources.push(st);
}
// deterministic shuffle per language
for (const a of Object.values(byLang)) {
  let s = 12345;
  for (let i = a.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    const j = s % (i + 1);
    [a[i], a[j]] = [a[j], a[i]];
  }
}
// take documents per language up to the caps
const docs = [];
const langStats = {};
for (const [lang, arr] of Object.entries(byLang)) {
  let bytes = 0,
    n = 0;
  for (const d of arr) {
    if (bytes >= CAP[lang] * TOTAL) break;
    docs.push({ lang, t: d.t, f: d.f });
    bytes += Buffer.byteLength(d.t);
    n++;
    d.src.filesKept++;
    d.src.bytesKept += Buffer.byteLength(d.t);
    const key = `${d.lic.license}`;
    d.src.licenses[key] = (d.src.licenses[key] ?? 0) + 1;
  }
  langStats[lang] = { files: n, MB: +(bytes / 1e6).toFixed(2), available: arr.length };
}
// code-then-doc pairs from the kept TRAIN documents
const pairs = [];
let _pairBytes = 0;
for (const d of docs) {
  for (const fn of extractFunctions(d.t, d.lang)) {
    const s = fn.code + '\n' + fn.query;
    pairs.push(s);
    _pairBytes += Buffer.byteLength(s);
  }
}
{
  let s = 777;
  for (let i = pairs.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    const j = s % (i + 1);
    [pairs[i], pairs[j]] = [pairs[j], pairs[i]];
  }
}
const pairDocs = [];
let pb = 0;
for (let i = 0; i < pairs.length && pb < PAIR_FRAC * TOTAL; i += 4) {
  const s = pairs.slice(i, i + 4).join('\n\n'); // 4 pairs per document
  pairDocs.push({ lang: 'pairs', t: s });
  pb += Buffer.byteLength(s);
}
// interleave: round-robin over languages so any prefix of the corpus is mixed
const queues = Object.fromEntries(Object.keys(byLang).map((l) => [l, docs.filter((d) => d.lang === l)]));
queues.pairs = pairDocs;
const fd = fs.openSync(path.join(work, 'corpus.txt'), 'w');
let total = 0;
let more = true;
const idx = Object.fromEntries(Object.keys(queues).map((k) => [k, 0]));
const order = ['py', 'js', 'py', 'ts', 'go', 'js', 'rs', 'pairs'];
while (more) {
  more = false;
  for (const k of order) {
    const q = queues[k];
    // pace each queue by its share so languages stay mixed throughout
    if (idx[k] < q.length) {
      fs.writeSync(fd, q[idx[k]++].t + SEP);
      more = true;
    }
  }
}
for (const q of Object.values(queues)) for (const d of q) total += Buffer.byteLength(d.t);
fs.closeSync(fd);
fs.writeFileSync(path.join(work, 'split.json'), JSON.stringify(split));
manifest.languages = langStats;
manifest.docPairs = {
  pairsAvailable: pairs.length,
  documents: pairDocs.length,
  MB: +(pb / 1e6).toFixed(2),
  note: 'function code (doc removed) + "\\n\\n" + "# summary" / "// summary", from train-split files only',
};
manifest.totalMB = +(total / 1e6).toFixed(2);
manifest.heldOutFiles = { dev: split.dev.length, test: split.test.length };
manifest.corpusSha1 = sha1(fs.readFileSync(path.join(work, 'corpus.txt')));
fs.writeFileSync(path.join(here, 'corpus-manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
console.log(
  JSON.stringify({
    totalMB: manifest.totalMB,
    languages: langStats,
    pairs: manifest.docPairs,
    heldOut: manifest.heldOutFiles,
  }),
);
