/** Element decoders shared by the readers: half floats and little-endian typed views. */

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** IEEE 754 half precision bits to a number. */
export function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

/** bfloat16 bits (the upper half of an fp32) to a number. */
export function bf16ToFloat(h: number): number {
  u32[0] = h << 16;
  return f32[0];
}

/** Plain element types (no scales) by the names the readers use. */
export type PlainType =
  'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'U64' | 'I32' | 'U32' | 'I16' | 'U16' | 'I8' | 'U8' | 'BOOL';

export const PLAIN_BYTES: Record<PlainType, number> = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  U64: 8,
  I32: 4,
  U32: 4,
  I16: 2,
  U16: 2,
  I8: 1,
  U8: 1,
  BOOL: 1,
};

/** Little-endian bytes of `type` to float32 values. */
export function decodePlain(type: PlainType, buf: Buffer): Float32Array {
  const n = Math.floor(buf.length / PLAIN_BYTES[type]);
  const out = new Float32Array(n);
  switch (type) {
    case 'F32':
      for (let i = 0; i < n; i++) out[i] = buf.readFloatLE(4 * i);
      break;
    case 'F64':
      for (let i = 0; i < n; i++) out[i] = buf.readDoubleLE(8 * i);
      break;
    case 'F16':
      for (let i = 0; i < n; i++) out[i] = halfToFloat(buf.readUInt16LE(2 * i));
      break;
    case 'BF16':
      for (let i = 0; i < n; i++) out[i] = bf16ToFloat(buf.readUInt16LE(2 * i));
      break;
    case 'I64':
      for (let i = 0; i < n; i++) out[i] = Number(buf.readBigInt64LE(8 * i));
      break;
    case 'U64':
      for (let i = 0; i < n; i++) out[i] = Number(buf.readBigUInt64LE(8 * i));
      break;
    case 'I32':
      for (let i = 0; i < n; i++) out[i] = buf.readInt32LE(4 * i);
      break;
    case 'U32':
      for (let i = 0; i < n; i++) out[i] = buf.readUInt32LE(4 * i);
      break;
    case 'I16':
      for (let i = 0; i < n; i++) out[i] = buf.readInt16LE(2 * i);
      break;
    case 'U16':
      for (let i = 0; i < n; i++) out[i] = buf.readUInt16LE(2 * i);
      break;
    case 'I8':
      for (let i = 0; i < n; i++) out[i] = buf.readInt8(i);
      break;
    case 'U8':
    case 'BOOL':
      for (let i = 0; i < n; i++) out[i] = buf[i];
      break;
  }
  return out;
}

export function product(dims: readonly number[]): number {
  let p = 1;
  for (const d of dims) p *= d;
  return p;
}
