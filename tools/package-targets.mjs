// Builds one per-platform .vsix per VS Code target, each carrying only that platform's
// onnxruntime binary: `node esbuild.mjs --target T`, then
// `vsce package --target T --no-dependencies --allow-missing-repository --out contextzip-T.vsix`
// (plus --no-rewrite-relative-links, see below).
// Usage: node tools/package-targets.mjs [target...]   (npm run package:target -- linux-x64 ...)
// With no targets: every target the installed onnxruntime-node ships a binary for.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { availableOrtTargets, ortBinDir, vscodeTargets } from './ort-binaries.mjs';

const shipped = availableOrtTargets().filter((t) => t in vscodeTargets);
const targets = process.argv.slice(2).length > 0 ? process.argv.slice(2) : shipped;
for (const t of targets) ortBinDir(t); // unknown target or no binary: fail before building anything

function run(cmd, args) {
  console.log(`$ ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', shell: process.platform === 'win32' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

const sizes = [];
for (const t of targets) {
  const outFile = `contextzip-${t}.vsix`;
  // Per-platform packages ship the embedded model's q8 graph only (the default dtype): q4 is the
  // same model at about the same size (2.5 MB, slightly less accurate, bench/results), and without
  // it linux-x64 fits 30 MB. Selecting "embedded q4" then falls back to q8 (selectModel.ts picks an
  // available dtype); source builds and `npm run package` still ship both.
  // onnxruntime files no platform needs (a duplicate dylib, DirectML) are left out by copyOrt
  // (tools/ort-binaries.mjs ORT_NOT_SHIPPED, with the reasons).
  run(process.execPath, ['esbuild.mjs', '--target', t, '--embedded-dtypes', 'q8']);
  // --no-rewrite-relative-links: the README links docs/*.md relatively and package.json names no
  // repository, so vsce would refuse to package (it cannot make those links absolute).
  run('npx', [
    'vsce',
    'package',
    '--target',
    t,
    '--no-dependencies',
    '--allow-missing-repository',
    '--no-rewrite-relative-links',
    '--out',
    outFile,
  ]);
  sizes.push(`${outFile}: ${(fs.statSync(outFile).size / 1024 / 1024).toFixed(1)} MB`);
}
// Leave dist/ as `npm run build` makes it (this platform's binary), so tests and F5 keep working.
run(process.execPath, ['esbuild.mjs']);
console.log(sizes.join('\n'));
