import * as assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as vscode from 'vscode';
import { f32, GGUF_STRING, q8_0, writeGguf } from '../../support/model-files';
import { activateContextZip, EXTENSION_ID } from './extensionApi';

interface Report {
  format: string;
  totalParams: number;
  bitsPerWeight: number;
  tensors: { name: string; dtype: string; bitsPerWeight: number; nmSparsity: string | null }[];
}

function activeCustomEditor(): string | undefined {
  const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
  return input instanceof vscode.TabInputCustom ? input.viewType : undefined;
}

suite('model compression inspector', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cz-inspect-it-'));
  const onnx = () =>
    path.join(vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath, 'dist', 'models', 'embedded', 'onnx');

  test('Inspect Model File opens a GGUF file in the custom editor with its statistics', async function () {
    this.timeout(60_000);
    await activateContextZip();
    const file = path.join(dir, 'tiny.gguf');
    writeGguf(
      file,
      [['general.architecture', GGUF_STRING, 'llama']],
      [
        {
          name: 'blk.0.attn_q.weight',
          type: 8,
          ne: [64, 2],
          data: q8_0(
            Array.from({ length: 128 }, (_, i) => (i % 4 < 2 ? 0 : i - 64)),
            0.5,
          ),
        },
        { name: 'token_embd.weight', type: 0, ne: [8, 2], data: f32(Array.from({ length: 16 }, (_, i) => i)) },
      ],
    );
    const report = (await vscode.commands.executeCommand(
      'contextzip.inspectModelFile',
      vscode.Uri.file(file),
    )) as Report;
    assert.equal(report.format, 'gguf');
    assert.equal(report.totalParams, 144);
    const q = report.tensors.find((t) => t.name === 'blk.0.attn_q.weight')!;
    assert.equal(q.dtype, 'Q8_0');
    assert.equal(q.bitsPerWeight, 8.5);
    assert.equal(q.nmSparsity, '2:4');
    assert.equal(activeCustomEditor(), 'contextzip.modelInspector');
  });

  test('opening an .onnx file uses the inspector by default; the q4 embedded model reads as 4-bit blocks', async function () {
    this.timeout(60_000);
    const uri = vscode.Uri.file(path.join(onnx(), 'model_q4.onnx'));
    await vscode.commands.executeCommand('vscode.open', uri);
    assert.equal(activeCustomEditor(), 'contextzip.modelInspector');
    const report = (await vscode.commands.executeCommand('contextzip.inspectModelFile', uri)) as Report;
    assert.equal(report.tensors.length, 42);
    assert.equal(report.tensors.filter((t) => t.dtype === 'int4-block32').length, 30);
  });

  test('Compare Model Files: q8 vs q4 of the embedded model', async function () {
    this.timeout(60_000);
    const r = (await vscode.commands.executeCommand(
      'contextzip.compareModelFiles',
      vscode.Uri.file(path.join(onnx(), 'model_quantized.onnx')),
      vscode.Uri.file(path.join(onnx(), 'model_q4.onnx')),
    )) as { comparison: { tensors: { relError: number | null }[]; sizeRatio: number } };
    assert.ok(r.comparison.tensors.length >= 40);
    assert.ok(r.comparison.tensors.some((t) => (t.relError ?? 0) > 0.01));
  });

  test('a corrupt model file shows an error in the editor, no crash', async function () {
    this.timeout(30_000);
    const file = path.join(dir, 'broken.safetensors');
    fs.writeFileSync(file, Buffer.from('garbage! not a model'));
    const r = await vscode.commands.executeCommand('contextzip.inspectModelFile', vscode.Uri.file(file));
    assert.equal(r, undefined);
    assert.equal(activeCustomEditor(), 'contextzip.modelInspector');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });
});
