/**
 * tools/ort-binaries.mjs (esbuild.mjs --target, tools/package-targets.mjs): each VS Code target
 * gets onnxruntime-node with that platform's native binary and no other.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { availableOrtTargets, copyOrt, ORT_NOT_SHIPPED, ortBinDir, shipsOrtFile } from '../../tools/ort-binaries.mjs';

const REPO = path.resolve(__dirname, '../..');
const NM = path.join(REPO, 'node_modules');
const ORT = path.join(NM, 'onnxruntime-node');

function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join('/'))
    .sort();
}

for (const [target, plat] of [
  ['linux-x64', 'linux/x64'],
  ['win32-x64', 'win32/x64'],
  ['darwin-arm64', 'darwin/arm64'],
] as const) {
  test(`copyOrt --target ${target} copies the ${plat} binary and no other platform's`, (t) => {
    if (!availableOrtTargets(NM).includes(plat.replace('/', '-'))) return t.skip(`no ${plat} binary installed`);
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'cz-ort-'));
    t.after(() => fs.rmSync(out, { recursive: true, force: true }));
    assert.equal(copyOrt({ nm: NM, out, target }), `bin/napi-v6/${plat}`);
    const dest = path.join(out, 'node_modules', 'onnxruntime-node');
    // Exactly the files of that platform's folder that it needs, byte for byte.
    const all = filesUnder(path.join(ORT, 'bin/napi-v6', plat));
    const expected = all.filter((f) => shipsOrtFile(plat.split('/')[0], f));
    assert.ok(expected.includes('onnxruntime_binding.node'));
    assert.deepEqual(filesUnder(path.join(dest, 'bin/napi-v6', plat)), expected);
    for (const f of expected) {
      const a = fs.readFileSync(path.join(ORT, 'bin/napi-v6', plat, f));
      assert.ok(a.equals(fs.readFileSync(path.join(dest, 'bin/napi-v6', plat, f))), f);
    }
    // No other platform's binary.
    assert.deepEqual(
      filesUnder(path.join(dest, 'bin')).filter((f) => !f.startsWith(`napi-v6/${plat}/`)),
      [],
    );
    // The JS the binding loader needs.
    assert.ok(fs.existsSync(path.join(dest, 'package.json')));
    assert.ok(fs.existsSync(path.join(dest, 'dist', 'binding.js')));
    assert.ok(fs.existsSync(path.join(out, 'node_modules', 'onnxruntime-common', 'package.json')));
    assert.ok(fs.existsSync(path.join(out, 'node_modules', 'onnxruntime-common', 'dist', 'cjs', 'index.js')));
    // No type declarations, source maps or ES-module build: nothing loads them at run time.
    const shipped = filesUnder(path.join(out, 'node_modules'));
    assert.deepEqual(
      shipped.filter((f) => f.endsWith('.map') || f.endsWith('.d.ts') || f.includes('/esm/') || f.includes('/lib/')),
      [],
    );
  });
}

test('onnxruntime files left out of packages: the duplicate darwin dylib and DirectML (pinned for 1.30.0)', () => {
  const dropped = (plat: string) =>
    filesUnder(path.join(ORT, 'bin/napi-v6', plat)).filter((f) => !shipsOrtFile(plat.split('/')[0], f));
  if (availableOrtTargets(NM).includes('darwin-arm64'))
    assert.deepEqual(dropped('darwin/arm64'), ['libonnxruntime.1.30.0.dylib']);
  if (availableOrtTargets(NM).includes('win32-x64'))
    assert.deepEqual(dropped('win32/x64'), ['DirectML.dll', 'dxcompiler.dll', 'dxil.dll']);
  assert.deepEqual(dropped('linux/x64'), []);
  // The binding needs exactly what ships: its onnxruntime library and itself.
  assert.deepEqual(Object.keys(ORT_NOT_SHIPPED).sort(), ['darwin', 'win32']);
  if (availableOrtTargets(NM).includes('darwin-arm64')) {
    const binding = fs.readFileSync(path.join(ORT, 'bin/napi-v6/darwin/arm64/onnxruntime_binding.node'), 'latin1');
    assert.match(binding, /@rpath\/libonnxruntime\.1\.dylib/);
    assert.doesNotMatch(binding, /libonnxruntime\.1\.30\.0\.dylib/);
  }
});

test('an unknown target, or one the installed package has no binary for, is refused before copying', () => {
  assert.throws(() => ortBinDir('solaris-sparc', NM), /Unknown target "solaris-sparc"/);
  const missing = (['darwin-x64', 'linux-arm64', 'darwin-arm64', 'win32-arm64'] as const).find(
    (t) => !availableOrtTargets(NM).includes(t),
  );
  if (missing) assert.throws(() => ortBinDir(missing, NM), /has no binary for/);
  assert.ok(availableOrtTargets(NM).includes('linux-x64'));
});
