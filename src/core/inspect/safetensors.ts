/**
 * safetensors reader: an 8-byte little-endian header length, a JSON header
 * {name: {dtype, shape, data_offsets: [begin, end]}, __metadata__?}, then the tensor bytes
 * (offsets relative to the end of the header). Only the header is read up front; a
 * dedicated parser package would add nothing over JSON.parse of that header.
 */
import { decodePlain, PLAIN_BYTES, product, type PlainType } from './decode.js';
import { InspectError } from './errors.js';
import { FileSource } from './source.js';
import type { ModelFile, TensorEntry } from './types.js';

/** The format's own limit on the header (safetensors rejects larger ones). */
const MAX_HEADER = 100_000_000;

const DTYPES: Record<string, PlainType | undefined> = {
  F64: 'F64',
  F32: 'F32',
  F16: 'F16',
  BF16: 'BF16',
  I64: 'I64',
  U64: 'U64',
  I32: 'I32',
  U32: 'U32',
  I16: 'I16',
  U16: 'U16',
  I8: 'I8',
  U8: 'U8',
  BOOL: 'BOOL',
};
const OTHER_WIDTH: Record<string, number> = { F8_E4M3: 1, F8_E5M2: 1 };

export async function openSafetensors(file: string): Promise<ModelFile> {
  const src = FileSource.open(file);
  try {
    return readSafetensors(src);
  } catch (err) {
    src.close();
    throw err;
  }
}

function readSafetensors(src: FileSource): ModelFile {
  if (src.size < 8) throw new InspectError(`${src.path} is truncated: no safetensors header length.`, 'truncated');
  const n = Number(src.read(0, 8, 'header length').readBigUInt64LE(0));
  if (n < 2 || n > MAX_HEADER)
    throw new InspectError(`${src.path} is not a safetensors file (header length ${n} is not plausible).`, 'magic');
  if (8 + n > src.size)
    throw new InspectError(
      `${src.path} is truncated: the header needs ${n} bytes but the file has ${src.size - 8}.`,
      'truncated',
    );
  const text = src.read(8, n, 'header').toString('utf8');
  if (!text.startsWith('{'))
    throw new InspectError(`${src.path} is not a safetensors file (header is not JSON).`, 'magic');
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(text) as Record<string, unknown>;
  } catch (err) {
    throw new InspectError(
      `${src.path}: the safetensors header is not valid JSON (${(err as Error).message}).`,
      'corrupt',
    );
  }
  const dataStart = 8 + n;
  const dataSize = src.size - dataStart;
  const metadata: ModelFile['metadata'] = {};
  const tensors: TensorEntry[] = [];
  for (const [name, v] of Object.entries(header)) {
    if (name === '__metadata__') {
      for (const [k, val] of Object.entries((v ?? {}) as Record<string, unknown>)) metadata[k] = String(val);
      continue;
    }
    const info = v as { dtype?: string; shape?: number[]; data_offsets?: [number, number] };
    if (
      typeof info?.dtype !== 'string' ||
      !Array.isArray(info.shape) ||
      !Array.isArray(info.data_offsets) ||
      info.data_offsets.length !== 2
    ) {
      throw new InspectError(`${src.path}: tensor ${name} has a malformed header entry.`, 'corrupt');
    }
    const [begin, end] = info.data_offsets;
    const plain = DTYPES[info.dtype];
    const width = plain ? PLAIN_BYTES[plain] : OTHER_WIDTH[info.dtype];
    if (width === undefined)
      throw new InspectError(`${src.path}: tensor ${name} has unknown dtype ${info.dtype}.`, 'corrupt');
    const params = product(info.shape);
    if (end - begin !== params * width || begin < 0 || end < begin)
      throw new InspectError(
        `${src.path}: tensor ${name} has ${end - begin} bytes, its shape needs ${params * width}.`,
        'corrupt',
      );
    if (end > dataSize)
      throw new InspectError(
        `${src.path} is truncated: tensor ${name} ends at byte ${dataStart + end} but the file has ${src.size}.`,
        'truncated',
      );
    const cols = info.shape.length ? info.shape[info.shape.length - 1] : 1;
    tensors.push({
      name,
      shape: info.shape,
      dtype: info.dtype,
      params,
      bytes: end - begin,
      rows: cols ? params / cols : 0,
      cols,
      transposed: false,
      readRows: plain
        ? (row, count) =>
            decodePlain(plain, src.read(dataStart + begin + row * cols * width, count * cols * width, name))
        : undefined,
    });
  }
  tensors.sort((a, b) => a.name.localeCompare(b.name, 'en', { numeric: true }));
  return { format: 'safetensors', path: src.path, size: src.size, metadata, tensors, close: () => src.close() };
}
