/** The one place a path becomes a ModelFile: by magic bytes, then by extension. */
import fs from 'node:fs';
import path from 'node:path';
import { InspectError } from './errors.js';
import { openGguf } from './gguf.js';
import { openOnnx } from './onnx.js';
import { openSafetensors } from './safetensors.js';
import type { ModelFile, ModelFormat } from './types.js';

export const MODEL_FILE_EXTENSIONS = ['.onnx', '.safetensors', '.gguf'];

export function detectFormat(file: string): ModelFormat {
  const ext = path.extname(file).toLowerCase();
  let head: Buffer = Buffer.alloc(0);
  try {
    const fd = fs.openSync(file, 'r');
    try {
      head = Buffer.alloc(4);
      head = head.subarray(0, fs.readSync(fd, head, 0, 4, 0));
    } finally {
      fs.closeSync(fd);
    }
  } catch (err) {
    throw new InspectError(
      (err as NodeJS.ErrnoException).code === 'ENOENT'
        ? `File not found: ${file}`
        : `Cannot read ${file}: ${(err as Error).message}`,
      'open',
    );
  }
  if (head.toString('latin1') === 'GGUF') return 'gguf';
  if (ext === '.gguf') return 'gguf';
  if (ext === '.safetensors') return 'safetensors';
  if (ext === '.onnx') return 'onnx';
  throw new InspectError(`${file}: unknown model format (expected .onnx, .safetensors or .gguf).`, 'format');
}

export async function openModelFile(file: string): Promise<ModelFile> {
  switch (detectFormat(file)) {
    case 'gguf':
      return openGguf(file);
    case 'safetensors':
      return openSafetensors(file);
    case 'onnx':
      return openOnnx(file);
  }
}
