/** `contextzip inspect` through the CLI entry: the --json contract (docs/ARCHITECTURE.md), --compare, errors. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';

const ROOT = path.join(__dirname, '..', '..');
const ONNX = path.join(ROOT, 'models', 'embedded', 'onnx');

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src', 'cli', 'main.ts'), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('contextzip inspect', () => {
  it('--json has the contract fields', () => {
    const r = cli('inspect', '--json', '--no-low-rank', path.join(ONNX, 'model_q4.onnx'));
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    for (const k of ['file', 'format', 'totalParams', 'bytes', 'bitsPerWeight', 'tensors']) assert.ok(k in j, k);
    assert.equal(j.format, 'onnx');
    assert.equal(j.tensors.length, 42);
    const t = j.tensors.find((x: { dtype: string }) => x.dtype === 'int4-block32');
    for (const k of [
      'name',
      'shape',
      'dtype',
      'params',
      'bytes',
      'bitsPerWeight',
      'zeroFraction',
      'nmSparsity',
      'numericalRank',
      'effectiveRank',
      'stats',
    ])
      assert.ok(k in t, k);
    assert.equal(t.bitsPerWeight, 5);
  });

  it('--compare prints the comparison with the same numbers', () => {
    const r = cli(
      'inspect',
      '--json',
      '--no-low-rank',
      path.join(ONNX, 'model.onnx'),
      '--compare',
      path.join(ONNX, 'model_quantized.onnx'),
    );
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    assert.equal(j.compare.tensors.length, 41);
    assert.equal(j.compare.other.tensors.length, 41);
    assert.equal(j.compare.sizeRatio, j.compare.other.bytes / j.bytes);
    const text = cli(
      'inspect',
      '--no-low-rank',
      path.join(ONNX, 'model.onnx'),
      '--compare',
      path.join(ONNX, 'model_quantized.onnx'),
    );
    assert.equal(text.code, 0);
    assert.match(text.stdout, /lm\.embed\.weight +F32 -> int8 +32\.00 -> 8\.31/);
  });

  it('a corrupt file is one line on stderr and exit 1; a bad option is exit 2', () => {
    const bad = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cz-icli-')), 'x.gguf');
    fs.writeFileSync(bad, 'GGUF\u0003');
    const r = cli('inspect', bad);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^contextzip: .*truncated.*\n$/);
    assert.equal(cli('inspect', '--max-elements', 'lots', bad).code, 2);
  });
});
