// Copies onnxruntime-node into dist/node_modules with the native binary of one platform only
// (the npm package holds every platform, ~290 MB). Used by esbuild.mjs (the build platform, or
// `--target <vscode-target>` for per-platform packages) and by test/unit/ort-binaries.test.ts.
import fs from 'node:fs';
import path from 'node:path';

/** VS Code target (`vsce package --target`) -> onnxruntime-node's bin/napi-v6/<os>/<arch>. */
export const vscodeTargets = {
  'linux-x64': { os: 'linux', arch: 'x64' },
  'linux-arm64': { os: 'linux', arch: 'arm64' },
  'darwin-x64': { os: 'darwin', arch: 'x64' },
  'darwin-arm64': { os: 'darwin', arch: 'arm64' },
  'win32-x64': { os: 'win32', arch: 'x64' },
  'win32-arm64': { os: 'win32', arch: 'arm64' },
};

export function copyFile(src, dest) {
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  fs.copyFileSync(src, dest);
}

export function copyDir(src, dest, filter = () => true) {
  if (!fs.existsSync(src)) return;
  for (const ent of fs.readdirSync(src, { withFileTypes: true })) {
    const s = path.join(src, ent.name);
    const d = path.join(dest, ent.name);
    if (!filter(s)) continue;
    if (ent.isDirectory()) copyDir(s, d, filter);
    else copyFile(s, d);
  }
}

/** The `<os>-<arch>` binary folders that the installed onnxruntime-node ships. */
export function availableOrtTargets(nm = 'node_modules') {
  const root = path.join(nm, 'onnxruntime-node', 'bin', 'napi-v6');
  if (!fs.existsSync(root)) return [];
  const found = [];
  for (const os of fs.readdirSync(root)) {
    const osDir = path.join(root, os);
    if (!fs.statSync(osDir).isDirectory()) continue;
    for (const arch of fs.readdirSync(osDir)) {
      if (fs.existsSync(path.join(osDir, arch, 'onnxruntime_binding.node'))) found.push(`${os}-${arch}`);
    }
  }
  return found.sort();
}

/**
 * The onnxruntime-node binary folder (relative to the package) for a VS Code target; throws if the
 * target is unknown or the installed package does not ship it. Without a target: this platform.
 */
export function ortBinDir(target, nm = 'node_modules') {
  if (target === undefined) return `bin/napi-v6/${process.platform}/${process.arch}`;
  const t = vscodeTargets[target];
  if (!t) throw new Error(`Unknown target "${target}"; known: ${Object.keys(vscodeTargets).join(', ')}`);
  const plat = `bin/napi-v6/${t.os}/${t.arch}`;
  if (!fs.existsSync(path.join(nm, 'onnxruntime-node', plat, 'onnxruntime_binding.node'))) {
    const have = availableOrtTargets(nm).join(', ') || 'none';
    throw new Error(`onnxruntime-node has no binary for ${target} (${plat}); the installed package ships: ${have}`);
  }
  return plat;
}

/**
 * Files of onnxruntime-node's per-platform folders that a package does not need, with the reason.
 * ContextZip runs onnxruntime on the CPU execution provider only: transformers.js picks its
 * default device on Node ('cpu') because src/core/model/transformers-scorer.ts names none.
 * Checked against onnxruntime-node 1.30.0's binaries (test/unit/ort-binaries.test.ts pins the list):
 * - darwin: `onnxruntime_binding.node` links `@rpath/libonnxruntime.1.dylib` (its only onnxruntime
 *   load command), and that dylib's install name is the same; `libonnxruntime.1.30.0.dylib` is a
 *   byte-identical copy of it (a symbolic link in the release, flattened by npm), loaded by nothing.
 * - win32: `onnxruntime_binding.node` imports only `onnxruntime.dll` (and the C runtime);
 *   `onnxruntime.dll` *delay*-loads `DirectML.dll` (with d3d12/dxgi), i.e. only when the DirectML
 *   execution provider is first used, and imports neither `dxcompiler.dll` nor `dxil.dll`, which
 *   DirectML loads itself to compile shaders. With the CPU execution provider none of the three
 *   is ever loaded. (Verified from the PE import and delay-import tables, not on a Windows machine.)
 */
export const ORT_NOT_SHIPPED = {
  darwin: [/^libonnxruntime\.\d+\.\d+\.\d+\.dylib$/],
  win32: [/^DirectML\.dll$/i, /^dxcompiler\.dll$/i, /^dxil\.dll$/i],
};

/** Whether a file of onnxruntime-node's `bin/napi-v6/<os>/<arch>` folder ships. */
export function shipsOrtFile(os, name) {
  return !(ORT_NOT_SHIPPED[os] ?? []).some((re) => re.test(name));
}

/**
 * onnxruntime-common: Node loads only its CommonJS build (`exports.require` = dist/cjs/index.js)
 * and the package.json files; `rel` is relative to the package (files and folders).
 */
function isCommonRuntimeFile(rel) {
  const p = rel.split(path.sep).join('/');
  if (p === 'package.json' || p === 'dist' || p === 'dist/cjs') return true;
  return /^dist\/cjs\/[^/]+\.js(on)?$/.test(p);
}

/**
 * Copies onnxruntime-node (package.json, dist/*.js, one bin/napi-v6/<os>/<arch> without the files
 * of ORT_NOT_SHIPPED) and onnxruntime-common (its CommonJS build) from `nm` into
 * `<out>/node_modules`. With `target` (a VS Code target such as linux-x64), copies that platform's
 * binary and throws if the installed package does not ship it; without, copies the binary of the
 * platform this runs on (skipped silently if absent, as the build always did). Type declarations,
 * source maps and the ES-module build are left out: nothing loads them at run time.
 * Returns the bin folder copied, relative to the package.
 */
export function copyOrt({ nm = 'node_modules', out = 'dist', target } = {}) {
  const plat = ortBinDir(target, nm);
  const os = plat.split('/')[2];
  const ort = path.join(nm, 'onnxruntime-node');
  const dest = path.join(out, 'node_modules');
  const runtimeJs = (p) => !p.endsWith('.map') && !p.endsWith('.d.ts');
  copyFile(path.join(ort, 'package.json'), path.join(dest, 'onnxruntime-node', 'package.json'));
  copyDir(path.join(ort, 'dist'), path.join(dest, 'onnxruntime-node', 'dist'), runtimeJs);
  copyDir(path.join(ort, plat), path.join(dest, 'onnxruntime-node', plat), (p) => shipsOrtFile(os, path.basename(p)));
  // onnxruntime-common without its own nested node_modules (relative: `nm` may be absolute).
  const common = path.join(nm, 'onnxruntime-common');
  copyDir(common, path.join(dest, 'onnxruntime-common'), (p) => isCommonRuntimeFile(path.relative(common, p)));
  const nested = path.join(ort, 'node_modules', 'onnxruntime-common');
  if (fs.existsSync(nested))
    copyDir(nested, path.join(dest, 'onnxruntime-node', 'node_modules', 'onnxruntime-common'), (p) =>
      isCommonRuntimeFile(path.relative(nested, p)),
    );
  return plat;
}
