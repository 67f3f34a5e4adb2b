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
 * Copies onnxruntime-node (package.json, dist/, one bin/napi-v6/<os>/<arch>) and onnxruntime-common
 * from `nm` into `<out>/node_modules`. With `target` (a VS Code target such as linux-x64), copies
 * that platform's binary and throws if the installed package does not ship it; without, copies the
 * binary of the platform this runs on (skipped silently if absent, as the build always did).
 * Returns the bin folder copied, relative to the package.
 */
export function copyOrt({ nm = 'node_modules', out = 'dist', target } = {}) {
  const plat = ortBinDir(target, nm);
  const ort = path.join(nm, 'onnxruntime-node');
  const dest = path.join(out, 'node_modules');
  copyFile(path.join(ort, 'package.json'), path.join(dest, 'onnxruntime-node', 'package.json'));
  copyDir(path.join(ort, 'dist'), path.join(dest, 'onnxruntime-node', 'dist'));
  copyDir(path.join(ort, plat), path.join(dest, 'onnxruntime-node', plat));
  // onnxruntime-common without its own nested node_modules (relative: `nm` may be absolute).
  const common = path.join(nm, 'onnxruntime-common');
  copyDir(
    common,
    path.join(dest, 'onnxruntime-common'),
    (p) => !path.relative(common, p).split(path.sep).includes('node_modules'),
  );
  const nested = path.join(ort, 'node_modules', 'onnxruntime-common');
  if (fs.existsSync(nested)) copyDir(nested, path.join(dest, 'onnxruntime-node', 'node_modules', 'onnxruntime-common'));
  return plat;
}
