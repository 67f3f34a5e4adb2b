// One build script for everything that ships: the extension host bundle, the worker, the CLI
// and (later) webview bundles. Copies the tree-sitter runtime + grammar wasm files, the
// embedded model and the native onnxruntime binding for this platform (or for --target) into
// dist/, so the bundles run with no node_modules present.
// Usage: node esbuild.mjs [--watch] [--dev] [--target <vscode-target>, e.g. linux-x64, win32-x64]
//                         [--embedded-dtypes q8[,q4]]
import * as esbuild from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';
import { copyDir, copyFile, copyOrt, ortBinDir } from './tools/ort-binaries.mjs';

const watch = process.argv.includes('--watch');
const dev = process.argv.includes('--dev') || watch;
const targetAt = process.argv.indexOf('--target');
const target = targetAt >= 0 ? process.argv[targetAt + 1] : undefined;
if (targetAt >= 0 && (!target || target.startsWith('--'))) throw new Error('--target needs a value, e.g. linux-x64');
const out = 'dist';
const nm = 'node_modules';
if (target !== undefined) ortBinDir(target, nm); // fail before building if there is no binary for it
/** src/core/model/model-files.ts ONNX_FILE_FOR_DTYPE, for the dtypes the embedded model has. */
const onnxFileForDtype = { fp32: 'model.onnx', q8: 'model_quantized.onnx', q4: 'model_q4.onnx' };
// --embedded-dtypes q8[,q4]: which graphs of the embedded model ship (q8, the default dtype, always).
const dtypesAt = process.argv.indexOf('--embedded-dtypes');
const embeddedDtypes = dtypesAt >= 0 ? (process.argv[dtypesAt + 1] ?? '').split(',').filter(Boolean) : ['q8', 'q4'];
for (const d of embeddedDtypes)
  if (!(d in onnxFileForDtype)) throw new Error(`--embedded-dtypes: unknown dtype "${d}"`);
if (!embeddedDtypes.includes('q8')) throw new Error('--embedded-dtypes must include q8 (the default dtype)');

const common = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: dev ? 'inline' : 'linked',
  minify: !dev,
  logLevel: 'warning',
  // vscode is provided by the host. onnxruntime-node is a native addon (copied below);
  // sharp is only used by transformers.js for images, which we never load. It is stubbed, not
  // external: an installed extension has no node_modules to resolve it from, and transformers.js
  // fails to initialize without it.
  external: ['vscode', 'onnxruntime-node'],
  plugins: [
    {
      // The gpt-tokenizer encodings (BPE ranks, 3.7 MB of JavaScript) are built once into
      // dist/tokenizers/ and required from there by the extension, the worker and the CLI,
      // instead of being bundled into each of the three (src/core/tokens/index.ts).
      name: 'shared-tokenizers',
      setup(b) {
        b.onResolve({ filter: /^gpt-tokenizer\/encoding\/(o200k_base|cl100k_base)$/ }, (a) => ({
          path: `./tokenizers/${a.path.split('/').pop()}.js`,
          external: true,
        }));
      },
    },
    {
      name: 'no-sharp',
      setup(b) {
        b.onResolve({ filter: /^sharp$/ }, () => ({ path: 'sharp', namespace: 'no-sharp' }));
        b.onLoad({ filter: /.*/, namespace: 'no-sharp' }, () => ({
          contents: "module.exports = () => { throw new Error('Images are not supported (sharp is not bundled).'); };",
          loader: 'js',
        }));
      },
    },
    {
      // secretlint's profiler observes every performance mark for the life of the process and
      // searches all earlier ones at each new mark: O(n^2) in marks, 1.4 s of CPU and a growing
      // heap when secrets are masked in a 1M-token folder (bench/speed.ts). We never read its
      // profile, so the bundle gets a profiler that records nothing.
      name: 'no-secretlint-profiler',
      setup(b) {
        b.onResolve({ filter: /^@secretlint\/profiler$/ }, () => ({ path: 'profiler', namespace: 'no-profiler' }));
        b.onLoad({ filter: /.*/, namespace: 'no-profiler' }, () => ({
          contents: [
            'class SecretLintProfiler { mark() {} async getEntries() { return []; } async getMeasures() { return []; } }',
            'exports.SecretLintProfiler = SecretLintProfiler;',
            'exports.secretLintProfiler = new SecretLintProfiler();',
          ].join('\n'),
          loader: 'js',
        }));
      },
    },
  ],
  // docs/ARCHITECTURE.md (parsing runtime): the ESM build of web-tree-sitter calls createRequire(import.meta.url),
  // which breaks silently in a CJS bundle; use its CJS build instead. transformers.js'
  // node ESM build has the same import.meta problem, so we alias to its CJS build too.
  alias: {
    'web-tree-sitter': `./${nm}/web-tree-sitter/tree-sitter.cjs`,
    '@huggingface/transformers': `./${nm}/@huggingface/transformers/dist/transformers.node.cjs`,
  },
  define: { 'import.meta.url': 'importMetaUrl' },
  banner: { js: 'const importMetaUrl=require("url").pathToFileURL(__filename).href;' },
};

const entries = [
  { in: 'src/extension/extension.ts', out: 'extension' },
  { in: 'src/worker/worker.ts', out: 'worker' },
  { in: 'src/cli/main.ts', out: 'cli', banner: '#!/usr/bin/env node' },
];

/** Encodings of gpt-tokenizer shared by the bundles (the 'shared-tokenizers' plugin). */
const tokenizerEncodings = ['o200k_base', 'cl100k_base'];

/** Grammar wasm files shipped with the grammar packages (versions pinned in package-lock.json). */
export const grammarWasm = {
  javascript: `${nm}/tree-sitter-javascript/tree-sitter-javascript.wasm`,
  typescript: `${nm}/tree-sitter-typescript/tree-sitter-typescript.wasm`,
  tsx: `${nm}/tree-sitter-typescript/tree-sitter-tsx.wasm`,
  python: `${nm}/tree-sitter-python/tree-sitter-python.wasm`,
  go: `${nm}/tree-sitter-go/tree-sitter-go.wasm`,
  java: `${nm}/tree-sitter-java/tree-sitter-java.wasm`,
  rust: `${nm}/tree-sitter-rust/tree-sitter-rust.wasm`,
  c: `${nm}/tree-sitter-c/tree-sitter-c.wasm`,
  cpp: `${nm}/tree-sitter-cpp/tree-sitter-cpp.wasm`,
  c_sharp: `${nm}/tree-sitter-c-sharp/tree-sitter-c_sharp.wasm`,
  ruby: `${nm}/tree-sitter-ruby/tree-sitter-ruby.wasm`,
  php: `${nm}/tree-sitter-php/tree-sitter-php.wasm`,
  bash: `${nm}/tree-sitter-bash/tree-sitter-bash.wasm`,
  kotlin: `${nm}/@tree-sitter-grammars/tree-sitter-kotlin/tree-sitter-kotlin.wasm`,
};

function copyAssets() {
  copyFile(`${nm}/web-tree-sitter/tree-sitter.wasm`, `${out}/wasm/tree-sitter.wasm`);
  for (const src of Object.values(grammarWasm)) {
    if (fs.existsSync(src)) copyFile(src, `${out}/wasm/${path.basename(src)}`);
  }
  // The embedded model (trained by tools/model/, committed under models/embedded).
  // Ships the graphs of `embeddedDtypes` (default q8 + q4; the extension's size budget is 10 MB
  // for the model); the fp32 graph stays in the repository for parity tests and benchmarks.
  // CONTEXTZIP_SHIP_FP32=1 ships it too.
  const dtypes = new Set([...embeddedDtypes, ...(process.env.CONTEXTZIP_SHIP_FP32 === '1' ? ['fp32'] : [])]);
  copyDir('models/embedded', `${out}/models/embedded`, (p) => {
    const name = path.basename(p);
    const dtype = Object.keys(onnxFileForDtype).find((d) => onnxFileForDtype[d] === name);
    return dtype === undefined || dtypes.has(dtype);
  });
  // onnxruntime-node for one platform only: the package holds every platform (~290 MB).
  // --target <vscode-target> picks the platform of a per-platform package (tools/package-targets.mjs).
  copyOrt({ nm, out, target });
}

async function build() {
  fs.rmSync(out, { recursive: true, force: true });
  const contexts = [];
  for (const name of tokenizerEncodings) {
    const opts = {
      ...common,
      plugins: [],
      entryPoints: [`${nm}/gpt-tokenizer/cjs/encoding/${name}.js`],
      outfile: `${out}/tokenizers/${name}.js`,
      sourcemap: false,
    };
    if (watch) contexts.push(await esbuild.context(opts));
    else await esbuild.build(opts);
  }
  for (const e of entries) {
    if (!fs.existsSync(e.in)) continue;
    const opts = { ...common, entryPoints: [e.in], outfile: `${out}/${e.out}.js` };
    if (e.banner) opts.banner = { js: `${e.banner}\n${common.banner.js}` };
    if (watch) contexts.push(await esbuild.context(opts));
    else await esbuild.build(opts);
  }
  // Webview bundles (browser, IIFE) live in src/webview/<name>/main.ts.
  const wv = 'src/webview';
  if (fs.existsSync(wv)) {
    for (const name of fs.readdirSync(wv)) {
      const entry = path.join(wv, name, 'main.ts');
      if (!fs.existsSync(entry)) continue;
      const opts = {
        bundle: true,
        platform: 'browser',
        format: 'iife',
        target: 'es2022',
        minify: !dev,
        sourcemap: dev ? 'inline' : false,
        entryPoints: [entry],
        outfile: `${out}/webview/${name}.js`,
        logLevel: 'warning',
      };
      if (watch) contexts.push(await esbuild.context(opts));
      else await esbuild.build(opts);
    }
  }
  copyAssets();
  if (fs.existsSync(`${out}/cli.js`)) fs.chmodSync(`${out}/cli.js`, 0o755);
  if (watch) {
    await Promise.all(contexts.map((c) => c.watch()));
    console.log('watching...');
  }
}

await build();
