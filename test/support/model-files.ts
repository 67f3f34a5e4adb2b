/**
 * Writers of small model files in the real formats, for tests: safetensors (8-byte header
 * length + JSON header + data) and GGUF v3 (magic, counts, key/values, tensor infos,
 * aligned data), so the inspector is tested on bytes laid out as the specifications say.
 */
import fs from 'node:fs';

/** Round-to-nearest-even float -> IEEE half bits (values used in tests are exactly representable). */
export function floatToHalf(v: number): number {
  const f = new Float32Array([v]);
  const x = new Uint32Array(f.buffer)[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = ((x >>> 23) & 0xff) - 127 + 15;
  const mant = x & 0x7fffff;
  if (v === 0) return sign;
  if (exp <= 0) return sign | Math.round((mant | 0x800000) / 2 ** (14 - exp));
  if (exp >= 31) return sign | 0x7c00;
  return sign | (exp << 10) | Math.round(mant / 8192);
}

export function f32(values: number[]): Buffer {
  const b = Buffer.alloc(4 * values.length);
  values.forEach((v, i) => b.writeFloatLE(v, 4 * i));
  return b;
}

export function f16(values: number[]): Buffer {
  const b = Buffer.alloc(2 * values.length);
  values.forEach((v, i) => b.writeUInt16LE(floatToHalf(v), 2 * i));
  return b;
}

export interface SafetensorsTensor {
  name: string;
  dtype: string;
  shape: number[];
  data: Buffer;
}

export function writeSafetensors(file: string, tensors: SafetensorsTensor[], metadata?: Record<string, string>): void {
  const header: Record<string, unknown> = {};
  if (metadata) header.__metadata__ = metadata;
  let at = 0;
  for (const t of tensors) {
    header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [at, at + t.data.length] };
    at += t.data.length;
  }
  let json = JSON.stringify(header);
  while ((8 + json.length) % 8) json += ' '; // the reference writer pads the header to 8 bytes
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(Buffer.byteLength(json)));
  fs.writeFileSync(file, Buffer.concat([len, Buffer.from(json), ...tensors.map((t) => t.data)]));
}

/** GGUF metadata value types used here. */
export const GGUF_UINT32 = 4;
export const GGUF_STRING = 8;

export interface GgufTensor {
  name: string;
  /** ggml type id (0 F32, 1 F16, 2 Q4_0, 8 Q8_0...). */
  type: number;
  /** ne order: ne[0] is the contiguous axis. */
  ne: number[];
  data: Buffer;
}

function ggufString(s: string): Buffer {
  const b = Buffer.from(s, 'utf8');
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(b.length));
  return Buffer.concat([len, b]);
}

function u32(v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(v);
  return b;
}

function u64(v: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(v));
  return b;
}

export function writeGguf(
  file: string,
  kv: [string, number, string | number][],
  tensors: GgufTensor[],
  alignment = 32,
): void {
  const parts: Buffer[] = [Buffer.from('GGUF'), u32(3), u64(tensors.length), u64(kv.length)];
  for (const [k, type, v] of kv) {
    parts.push(ggufString(k), u32(type));
    parts.push(type === GGUF_STRING ? ggufString(String(v)) : u32(Number(v)));
  }
  let offset = 0;
  const offsets: number[] = [];
  for (const t of tensors) {
    offsets.push(offset);
    offset += t.data.length;
    offset = Math.ceil(offset / alignment) * alignment;
  }
  tensors.forEach((t, i) => {
    parts.push(ggufString(t.name), u32(t.ne.length), ...t.ne.map(u64), u32(t.type), u64(offsets[i]));
  });
  let head = Buffer.concat(parts);
  head = Buffer.concat([head, Buffer.alloc((alignment - (head.length % alignment)) % alignment)]);
  const data = Buffer.alloc(offset);
  tensors.forEach((t, i) => t.data.copy(data, offsets[i]));
  fs.writeFileSync(file, Buffer.concat([head, data]));
}

/** Q8_0 blocks: per 32 values one f16 scale `d` and 32 int8 (values must be d * int). */
export function q8_0(ints: number[], d: number): Buffer {
  const out: Buffer[] = [];
  for (let b = 0; b < ints.length; b += 32) {
    const blk = Buffer.alloc(34);
    blk.writeUInt16LE(floatToHalf(d), 0);
    for (let j = 0; j < 32; j++) blk.writeInt8(ints[b + j], 2 + j);
    out.push(blk);
  }
  return Buffer.concat(out);
}

/** Q4_0 blocks: per 32 values one f16 scale and 16 bytes of nibbles (value = (nibble - 8) * d). */
export function q4_0(nibbles: number[], d: number): Buffer {
  const out: Buffer[] = [];
  for (let b = 0; b < nibbles.length; b += 32) {
    const blk = Buffer.alloc(18);
    blk.writeUInt16LE(floatToHalf(d), 0);
    for (let j = 0; j < 16; j++) blk[2 + j] = nibbles[b + j] | (nibbles[b + j + 16] << 4);
    out.push(blk);
  }
  return Buffer.concat(out);
}
