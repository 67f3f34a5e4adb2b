/**
 * GGUF reader. The header (metadata key/values and tensor infos) is parsed by
 * `@huggingface/gguf` (maintained by Hugging Face, used by the Hub; with `allowLocalFile`
 * it reads a local file in 2 MB ranges, never the whole file). It stops at the tensor
 * infos, so the block layouts below (dequantization of the common ggml types) are ours,
 * following ggml's reference `dequantize_row_*` functions.
 */
import { gguf } from '@huggingface/gguf';
import { decodePlain, halfToFloat, product } from './decode.js';
import { InspectError } from './errors.js';
import { FileSource } from './source.js';
import type { ModelFile, TensorEntry } from './types.js';

/** ggml type id -> name, elements per block, bytes per block (ggml.c type_traits). */
export const GGML_TYPES: Record<number, { name: string; block: number; bytes: number }> = {
  0: { name: 'F32', block: 1, bytes: 4 },
  1: { name: 'F16', block: 1, bytes: 2 },
  2: { name: 'Q4_0', block: 32, bytes: 18 },
  3: { name: 'Q4_1', block: 32, bytes: 20 },
  6: { name: 'Q5_0', block: 32, bytes: 22 },
  7: { name: 'Q5_1', block: 32, bytes: 24 },
  8: { name: 'Q8_0', block: 32, bytes: 34 },
  9: { name: 'Q8_1', block: 32, bytes: 36 },
  10: { name: 'Q2_K', block: 256, bytes: 84 },
  11: { name: 'Q3_K', block: 256, bytes: 110 },
  12: { name: 'Q4_K', block: 256, bytes: 144 },
  13: { name: 'Q5_K', block: 256, bytes: 176 },
  14: { name: 'Q6_K', block: 256, bytes: 210 },
  15: { name: 'Q8_K', block: 256, bytes: 292 },
  16: { name: 'IQ2_XXS', block: 256, bytes: 66 },
  17: { name: 'IQ2_XS', block: 256, bytes: 74 },
  18: { name: 'IQ3_XXS', block: 256, bytes: 98 },
  19: { name: 'IQ1_S', block: 256, bytes: 50 },
  20: { name: 'IQ4_NL', block: 32, bytes: 18 },
  21: { name: 'IQ3_S', block: 256, bytes: 110 },
  22: { name: 'IQ2_S', block: 256, bytes: 82 },
  23: { name: 'IQ4_XS', block: 256, bytes: 136 },
  24: { name: 'I8', block: 1, bytes: 1 },
  25: { name: 'I16', block: 1, bytes: 2 },
  26: { name: 'I32', block: 1, bytes: 4 },
  27: { name: 'I64', block: 1, bytes: 8 },
  28: { name: 'F64', block: 1, bytes: 8 },
  29: { name: 'IQ1_M', block: 256, bytes: 56 },
  30: { name: 'BF16', block: 1, bytes: 2 },
  34: { name: 'TQ1_0', block: 256, bytes: 54 },
  35: { name: 'TQ2_0', block: 256, bytes: 66 },
  39: { name: 'MXFP4', block: 32, bytes: 17 },
};

type BlockDecoder = (b: Buffer, o: number, y: Float32Array, at: number) => void;

function scaleMinK4(j: number, q: Buffer, o: number): [number, number] {
  if (j < 4) return [q[o + j] & 63, q[o + j + 4] & 63];
  return [(q[o + j + 4] & 0xf) | ((q[o + j - 4] >> 6) << 4), (q[o + j + 4] >> 4) | ((q[o + j] >> 6) << 4)];
}

/** Block dequantizers (ggml-quants.c dequantize_row_*). */
const DECODERS: Record<string, BlockDecoder> = {
  Q8_0(b, o, y, at) {
    const d = halfToFloat(b.readUInt16LE(o));
    for (let j = 0; j < 32; j++) y[at + j] = b.readInt8(o + 2 + j) * d;
  },
  Q4_0(b, o, y, at) {
    const d = halfToFloat(b.readUInt16LE(o));
    for (let j = 0; j < 16; j++) {
      const q = b[o + 2 + j];
      y[at + j] = ((q & 0xf) - 8) * d;
      y[at + j + 16] = ((q >> 4) - 8) * d;
    }
  },
  Q4_1(b, o, y, at) {
    const d = halfToFloat(b.readUInt16LE(o));
    const m = halfToFloat(b.readUInt16LE(o + 2));
    for (let j = 0; j < 16; j++) {
      const q = b[o + 4 + j];
      y[at + j] = (q & 0xf) * d + m;
      y[at + j + 16] = (q >> 4) * d + m;
    }
  },
  Q5_0(b, o, y, at) {
    const d = halfToFloat(b.readUInt16LE(o));
    const qh = b.readUInt32LE(o + 2);
    for (let j = 0; j < 16; j++) {
      const q = b[o + 6 + j];
      const h0 = ((qh >>> j) << 4) & 0x10;
      const h1 = (qh >>> (j + 12)) & 0x10;
      y[at + j] = (((q & 0xf) | h0) - 16) * d;
      y[at + j + 16] = (((q >> 4) | h1) - 16) * d;
    }
  },
  Q5_1(b, o, y, at) {
    const d = halfToFloat(b.readUInt16LE(o));
    const m = halfToFloat(b.readUInt16LE(o + 2));
    const qh = b.readUInt32LE(o + 4);
    for (let j = 0; j < 16; j++) {
      const q = b[o + 8 + j];
      const h0 = ((qh >>> j) << 4) & 0x10;
      const h1 = (qh >>> (j + 12)) & 0x10;
      y[at + j] = ((q & 0xf) | h0) * d + m;
      y[at + j + 16] = ((q >> 4) | h1) * d + m;
    }
  },
  Q4_K(b, o, y, at) {
    const d = halfToFloat(b.readUInt16LE(o));
    const dmin = halfToFloat(b.readUInt16LE(o + 2));
    const sc = o + 4;
    let q = o + 16;
    for (let j = 0, is = 0; j < 256; j += 64, is += 2, q += 32) {
      const [s1, m1] = scaleMinK4(is, b, sc);
      const [s2, m2] = scaleMinK4(is + 1, b, sc);
      for (let l = 0; l < 32; l++) y[at + j + l] = d * s1 * (b[q + l] & 0xf) - dmin * m1;
      for (let l = 0; l < 32; l++) y[at + j + 32 + l] = d * s2 * (b[q + l] >> 4) - dmin * m2;
    }
  },
  Q5_K(b, o, y, at) {
    const d = halfToFloat(b.readUInt16LE(o));
    const dmin = halfToFloat(b.readUInt16LE(o + 2));
    const sc = o + 4;
    const qh = o + 16;
    let ql = o + 48;
    let u1 = 1;
    let u2 = 2;
    for (let j = 0, is = 0; j < 256; j += 64, is += 2, ql += 32, u1 <<= 2, u2 <<= 2) {
      const [s1, m1] = scaleMinK4(is, b, sc);
      const [s2, m2] = scaleMinK4(is + 1, b, sc);
      for (let l = 0; l < 32; l++) y[at + j + l] = d * s1 * ((b[ql + l] & 0xf) + (b[qh + l] & u1 ? 16 : 0)) - dmin * m1;
      for (let l = 0; l < 32; l++)
        y[at + j + 32 + l] = d * s2 * ((b[ql + l] >> 4) + (b[qh + l] & u2 ? 16 : 0)) - dmin * m2;
    }
  },
  Q6_K(b, o, y, at) {
    const d = halfToFloat(b.readUInt16LE(o + 208));
    let ql = o;
    let qh = o + 128;
    let sc = o + 192;
    for (let n = 0; n < 256; n += 128, ql += 64, qh += 32, sc += 8) {
      for (let l = 0; l < 32; l++) {
        const is = l >> 4;
        const h = b[qh + l];
        const q1 = ((b[ql + l] & 0xf) | ((h & 3) << 4)) - 32;
        const q2 = ((b[ql + l + 32] & 0xf) | (((h >> 2) & 3) << 4)) - 32;
        const q3 = ((b[ql + l] >> 4) | (((h >> 4) & 3) << 4)) - 32;
        const q4 = ((b[ql + l + 32] >> 4) | (((h >> 6) & 3) << 4)) - 32;
        y[at + n + l] = d * b.readInt8(sc + is) * q1;
        y[at + n + l + 32] = d * b.readInt8(sc + is + 2) * q2;
        y[at + n + l + 64] = d * b.readInt8(sc + is + 4) * q3;
        y[at + n + l + 96] = d * b.readInt8(sc + is + 6) * q4;
      }
    }
  },
  Q8_K(b, o, y, at) {
    const d = b.readFloatLE(o);
    for (let j = 0; j < 256; j++) y[at + j] = b.readInt8(o + 4 + j) * d;
  },
};

const PLAIN: Record<string, 'F32' | 'F16' | 'BF16' | 'F64' | 'I8' | 'I16' | 'I32' | 'I64'> = {
  F32: 'F32',
  F16: 'F16',
  BF16: 'BF16',
  F64: 'F64',
  I8: 'I8',
  I16: 'I16',
  I32: 'I32',
  I64: 'I64',
};

export async function openGguf(file: string): Promise<ModelFile> {
  const src = FileSource.open(file);
  try {
    if (src.size < 8) throw new InspectError(`${file} is truncated: no GGUF header.`, 'truncated');
    if (src.read(0, 4, 'magic').toString('latin1') !== 'GGUF')
      throw new InspectError(`${file} is not a GGUF file (bad magic).`, 'magic');
    let parsed: Awaited<ReturnType<typeof gguf>>;
    try {
      parsed = await gguf(file, { allowLocalFile: true });
    } catch (err) {
      const msg = (err as Error).message;
      const truncated = err instanceof RangeError || /offset|bounds|range/i.test(msg);
      throw new InspectError(
        truncated
          ? `${file} is truncated: the GGUF header ends early (${msg}).`
          : `${file}: invalid GGUF header (${msg}).`,
        truncated ? 'truncated' : 'corrupt',
      );
    }
    if (!parsed.littleEndian)
      throw new InspectError(`${file}: big-endian GGUF files are not supported.`, 'unsupported');
    const dataStart = Number(parsed.tensorDataOffset);
    const metadata: ModelFile['metadata'] = {};
    for (const [k, v] of Object.entries(parsed.metadata)) {
      if (Array.isArray(v)) metadata[k] = `[${v.length} values]`;
      else if (typeof v === 'bigint') metadata[k] = Number(v);
      else if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') metadata[k] = v;
    }
    const tensors: TensorEntry[] = parsed.tensorInfos.map((ti) => {
      const type = GGML_TYPES[ti.dtype as number];
      if (!type) throw new InspectError(`${file}: tensor ${ti.name} has unknown ggml type ${ti.dtype}.`, 'corrupt');
      const ne = ti.shape.map(Number); // ne[0] is the contiguous axis
      const params = product(ne);
      const cols = ne[0] ?? 1;
      if (cols % type.block !== 0)
        throw new InspectError(
          `${file}: tensor ${ti.name} row of ${cols} is not a whole number of ${type.name} blocks.`,
          'corrupt',
        );
      const rowBytes = (cols / type.block) * type.bytes;
      const rows = cols ? params / cols : 0;
      const offset = dataStart + Number(ti.offset);
      const bytes = rows * rowBytes;
      if (offset + bytes > src.size)
        throw new InspectError(
          `${file} is truncated: tensor ${ti.name} needs bytes ${offset}..${offset + bytes} but the file has ${src.size}.`,
          'truncated',
        );
      const plain = PLAIN[type.name];
      const dec = DECODERS[type.name];
      let readRows: TensorEntry['readRows'];
      if (plain)
        readRows = (row, count) => decodePlain(plain, src.read(offset + row * rowBytes, count * rowBytes, ti.name));
      else if (dec)
        readRows = (row, count) => {
          const buf = src.read(offset + row * rowBytes, count * rowBytes, ti.name);
          const y = new Float32Array(count * cols);
          const blocks = (count * cols) / type.block;
          for (let i = 0; i < blocks; i++) dec(buf, i * type.bytes, y, i * type.block);
          return y;
        };
      return {
        name: ti.name,
        shape: [...ne].reverse(),
        dtype: type.name,
        params,
        bytes,
        rows,
        cols,
        transposed: false,
        readRows,
        quant:
          type.block > 1
            ? { scheme: `GGUF ${type.name}`, bits: (8 * type.bytes) / type.block, blockSize: type.block }
            : undefined,
      };
    });
    return { format: 'gguf', path: file, size: src.size, metadata, tensors, close: () => src.close() };
  } catch (err) {
    src.close();
    throw err;
  }
}
