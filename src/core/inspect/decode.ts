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

/** Bytes per element and the little-endian reader of the element at byte offset `o`, per type. */
const PLAIN: Record<PlainType, { bytes: number; read: (buf: Buffer, o: number) => number }> = {
  F64: { bytes: 8, read: (b, o) => b.readDoubleLE(o) },
  F32: { bytes: 4, read: (b, o) => b.readFloatLE(o) },
  F16: { bytes: 2, read: (b, o) => halfToFloat(b.readUInt16LE(o)) },
  BF16: { bytes: 2, read: (b, o) => bf16ToFloat(b.readUInt16LE(o)) },
  I64: { bytes: 8, read: (b, o) => Number(b.readBigInt64LE(o)) },
  U64: { bytes: 8, read: (b, o) => Number(b.readBigUInt64LE(o)) },
  I32: { bytes: 4, read: (b, o) => b.readInt32LE(o) },
  U32: { bytes: 4, read: (b, o) => b.readUInt32LE(o) },
  I16: { bytes: 2, read: (b, o) => b.readInt16LE(o) },
  U16: { bytes: 2, read: (b, o) => b.readUInt16LE(o) },
  I8: { bytes: 1, read: (b, o) => b.readInt8(o) },
  U8: { bytes: 1, read: (b, o) => b[o] },
  BOOL: { bytes: 1, read: (b, o) => b[o] },
};

export const PLAIN_BYTES = Object.fromEntries(Object.entries(PLAIN).map(([t, p]) => [t, p.bytes])) as Record<
  PlainType,
  number
>;

/** Little-endian bytes of `type` to float32 values. */
export function decodePlain(type: PlainType, buf: Buffer): Float32Array {
  const { bytes, read } = PLAIN[type];
  const n = Math.floor(buf.length / bytes);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = read(buf, bytes * i);
  return out;
}

export function product(dims: readonly number[]): number {
  let p = 1;
  for (const d of dims) p *= d;
  return p;
}
