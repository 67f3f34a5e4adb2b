// Bundles the integration suite (test/integration/suite/*.test.ts + index.ts) with esbuild into
// out/test/suite/: index.js (mocha bootstrap, mocha bundled in) and one <name>.test.js per file.
// The same output runs under code-server (run-tests.mjs) and @vscode/test-electron (run-electron.mjs).
import * as esbuild from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from './code-server.mjs';

const src = path.join(repoRoot, 'test/integration/suite');
const out = path.join(repoRoot, 'out/test/suite');
fs.rmSync(out, { recursive: true, force: true });
const entryPoints = fs
  .readdirSync(src)
  .filter((f) => f === 'index.ts' || f.endsWith('.test.ts'))
  .map((f) => path.join(src, f));
await esbuild.build({
  entryPoints,
  outdir: out,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: 'inline',
  logLevel: 'warning',
  logOverride: { 'require-resolve-not-external': 'silent' }, // mocha's parallel mode, unused
  // vscode comes from the extension host. Test files never import the extension's sources
  // (that would be a second copy of its state): they use the API returned by activate().
  external: ['vscode'],
  // mocha 12's package entry is ESM; its CommonJS build bundles cleanly.
  alias: { mocha: path.join(repoRoot, 'node_modules/mocha/lib/mocha.cjs') },
});
console.log(`built ${entryPoints.length} integration test entries into ${path.relative(repoRoot, out)}`);
