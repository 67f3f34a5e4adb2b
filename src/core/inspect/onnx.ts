/**
 * ONNX reader. The model is a protobuf `ModelProto`; its weights are `TensorProto`
 * initializers whose bytes sit inline (`raw_data`, `float_data`...) or in external data
 * files. protobufjs (and the onnx-proto package built on it) decode a message from one
 * buffer in memory, i.e. the whole file; so the outer structure (ModelProto -> GraphProto ->
 * initializer / node) is walked here on the wire format with positioned reads, blob fields
 * are only located (offset + length), and the small messages (NodeProto, TensorProto
 * without its blobs, OperatorSetIdProto) are decoded by protobufjs against the field
 * numbers of onnx.proto. Quantized weights are assembled into logical tensors from the
 * graph: DequantizeLinear (int8/uint8/int4 with scale and zero point), com.microsoft
 * MatMulNBits (4-bit block-wise), Gather of int8 rows times a per-row scale, MatMulInteger.
 */
import path from 'node:path';
import { decodePlain, halfToFloat, PLAIN_BYTES, product, type PlainType } from './decode.js';
import { InspectError } from './errors.js';
import { OnnxProto } from './onnx-proto.js';
import { FileSource } from './source.js';
import type { ModelFile, TensorEntry } from './types.js';

const { TensorProto, NodeProto, OperatorSetIdProto } = OnnxProto;
const TO_OBJECT = { longs: Number, defaults: true, arrays: true };

/** onnx.proto TensorProto.DataType -> our element type (undefined: not decodable here). */
const ONNX_TYPES: Record<number, { label: string; plain?: PlainType; bits: number }> = {
  ...Object.fromEntries(
    (
      [
        [1, 'F32'],
        [2, 'U8'],
        [3, 'I8'],
        [4, 'U16'],
        [5, 'I16'],
        [6, 'I32'],
        [7, 'I64'],
        [9, 'BOOL'],
        [10, 'F16'],
        [11, 'F64'],
        [12, 'U32'],
        [13, 'U64'],
        [16, 'BF16'],
      ] as Array<[number, PlainType]>
    ).map(([id, plain]) => [id, { label: plain, plain, bits: 8 * PLAIN_BYTES[plain] }]),
  ),
  8: { label: 'STRING', bits: 0 },
  21: { label: 'U4', bits: 4 },
  22: { label: 'I4', bits: 4 },
};

interface Blob {
  /** raw: little-endian bytes; varint: packed varints (int32_data/int64_data/uint64_data). */
  kind: 'raw' | 'varint';
  file: string;
  source: FileSource;
  offset: number;
  length: number;
}

interface Initializer {
  name: string;
  dims: number[];
  dataType: number;
  blob?: Blob;
}

interface OnnxNode {
  name: string;
  opType: string;
  domain: string;
  input: string[];
  output: string[];
  attrs: Record<string, number | number[] | string>;
}

/** Sequential protobuf wire reading over positioned file reads, with a small window (also used by model/graph-surgery.ts). */
export class WireCursor {
  private win: Buffer = Buffer.alloc(0);
  private winStart = 0;
  constructor(
    readonly src: FileSource,
    public pos: number,
  ) {}

  private ensure(n: number): void {
    if (this.pos >= this.winStart && this.pos + n <= this.winStart + this.win.length) return;
    const len = Math.min(Math.max(n, 1 << 20), this.src.size - this.pos);
    if (len < n)
      throw new InspectError(
        `${this.src.path} is truncated inside the protobuf message at byte ${this.pos}.`,
        'truncated',
      );
    this.win = this.src.read(this.pos, len, 'protobuf');
    this.winStart = this.pos;
  }

  varint(): number {
    let result = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      this.ensure(1);
      const b = this.win[this.pos - this.winStart];
      this.pos++;
      result += (b & 0x7f) * mul;
      if ((b & 0x80) === 0) return result;
      mul *= 128;
    }
    throw new InspectError(`${this.src.path} is not a valid ONNX file (bad varint at byte ${this.pos}).`, 'corrupt');
  }

  bytes(n: number): Buffer {
    if (n <= 1 << 20) {
      this.ensure(n);
      const b = this.win.subarray(this.pos - this.winStart, this.pos - this.winStart + n);
      this.pos += n;
      return Buffer.from(b);
    }
    const b = this.src.read(this.pos, n, 'protobuf');
    this.pos += n;
    return b;
  }

  /** Iterate the fields of a message occupying [pos, end). */
  *fields(end: number): Generator<{ field: number; wire: number; start: number; len: number; tagStart: number }> {
    while (this.pos < end) {
      const tagStart = this.pos;
      const tag = this.varint();
      const field = Math.floor(tag / 8);
      const wire = tag & 7;
      let len: number;
      let start: number;
      if (wire === 0) {
        start = this.pos;
        this.varint();
        len = this.pos - start;
        this.pos = start;
      } else if (wire === 1) {
        start = this.pos;
        len = 8;
      } else if (wire === 2) {
        len = this.varint();
        start = this.pos;
      } else if (wire === 5) {
        start = this.pos;
        len = 4;
      } else {
        throw new InspectError(
          `${this.src.path} is not a valid ONNX file (wire type ${wire} at byte ${tagStart}).`,
          'corrupt',
        );
      }
      if (field === 0 || start + len > end) {
        throw new InspectError(
          start + len > this.src.size
            ? `${this.src.path} is truncated: a protobuf field at byte ${tagStart} runs past the end of the file.`
            : `${this.src.path} is not a valid ONNX file (field ${field} at byte ${tagStart} overruns its message).`,
          start + len > this.src.size ? 'truncated' : 'corrupt',
        );
      }
      yield { field, wire, start, len, tagStart };
      this.pos = start + len;
    }
  }
}

function decodeVarints(buf: Buffer, signed: boolean): Float32Array {
  const out: number[] = [];
  let i = 0;
  while (i < buf.length) {
    let v = 0n;
    let shift = 0n;
    for (;;) {
      const b = buf[i++];
      v |= BigInt(b & 0x7f) << shift;
      shift += 7n;
      if ((b & 0x80) === 0) break;
    }
    out.push(Number(signed ? BigInt.asIntN(64, v) : v));
  }
  return Float32Array.from(out);
}

function readTensorProto(c: WireCursor, end: number, sources: ExternalFiles): Initializer {
  const meta: Buffer[] = [];
  let blob: Blob | undefined;
  for (const f of c.fields(end)) {
    if (f.wire === 2 && (f.field === 9 || f.field === 4 || f.field === 10)) {
      blob = { kind: 'raw', file: c.src.path, source: c.src, offset: f.start, length: f.len };
    } else if (f.wire === 2 && (f.field === 5 || f.field === 7 || f.field === 11)) {
      blob = { kind: 'varint', file: c.src.path, source: c.src, offset: f.start, length: f.len };
    } else if (f.field === 6 || f.field === 12 || f.field === 16) {
      // string_data, doc_string, metadata_props: not needed
    } else {
      const save = c.pos;
      c.pos = f.tagStart;
      meta.push(c.bytes(f.start + f.len - f.tagStart));
      c.pos = save;
    }
  }
  const t = TensorProto.toObject(TensorProto.decode(Buffer.concat(meta)), TO_OBJECT) as {
    dims: number[];
    dataType: number;
    name: string;
    externalData: { key: string; value: string }[];
    dataLocation: number;
  };
  const init: Initializer = { name: t.name, dims: t.dims.map(Number), dataType: t.dataType, blob };
  if (t.dataLocation === 1) {
    const kv = Object.fromEntries(t.externalData.map((e) => [e.key, e.value]));
    if (!kv.location) throw new InspectError(`${c.src.path}: external tensor ${t.name} has no location.`, 'corrupt');
    const file = path.resolve(path.dirname(c.src.path), kv.location);
    const rel = path.relative(path.dirname(c.src.path), file);
    if (rel.startsWith('..') || path.isAbsolute(rel))
      throw new InspectError(`${c.src.path}: external data of ${t.name} points outside the model folder.`, 'corrupt');
    const source = sources.get(file);
    const width = ONNX_TYPES[t.dataType]?.bits ?? 0;
    const offset = Number(kv.offset ?? 0);
    const length = kv.length !== undefined ? Number(kv.length) : Math.ceil((product(init.dims) * width) / 8);
    if (offset + length > source.size)
      throw new InspectError(
        `${file} is truncated: tensor ${t.name} needs bytes ${offset}..${offset + length} but the file has ${source.size}.`,
        'truncated',
      );
    init.blob = { kind: 'raw', file, source, offset, length };
  }
  return init;
}

class ExternalFiles {
  private files = new Map<string, FileSource>();
  get(file: string): FileSource {
    let s = this.files.get(file);
    if (!s) {
      s = FileSource.open(file);
      this.files.set(file, s);
    }
    return s;
  }
  get totalSize(): number {
    let n = 0;
    for (const s of this.files.values()) n += s.size;
    return n;
  }
  close(): void {
    for (const s of this.files.values()) s.close();
  }
}

function decodeNode(buf: Buffer): OnnxNode {
  const n = NodeProto.toObject(NodeProto.decode(buf), TO_OBJECT) as {
    name: string;
    opType: string;
    domain: string;
    input: string[];
    output: string[];
    attribute: { name: string; type: number; f: number; i: number; s: Uint8Array; floats: number[]; ints: number[] }[];
  };
  const attrs: OnnxNode['attrs'] = {};
  for (const a of n.attribute) {
    // AttributeProto.AttributeType: 1 FLOAT, 2 INT, 3 STRING, 6 FLOATS, 7 INTS
    if (a.type === 1) attrs[a.name] = a.f;
    else if (a.type === 2) attrs[a.name] = Number(a.i);
    else if (a.type === 3) attrs[a.name] = Buffer.from(a.s).toString('utf8');
    else if (a.type === 6) attrs[a.name] = a.floats;
    else if (a.type === 7) attrs[a.name] = a.ints.map(Number);
  }
  return { name: n.name, opType: n.opType, domain: n.domain, input: n.input, output: n.output, attrs };
}

/** Plain values of an initializer, elements [start, start+count). */
function readInitializer(init: Initializer, start: number, count: number): Float32Array {
  const t = ONNX_TYPES[init.dataType];
  const b = init.blob;
  if (!b) return new Float32Array(count);
  if (b.kind === 'varint') {
    // int32_data holds int8/uint8/int16/uint16/bool/fp16/bf16 too, one varint per element.
    const all = decodeVarints(
      b.source.read(b.offset, b.length, init.name),
      init.dataType !== 13 && init.dataType !== 12,
    );
    const vals = all.subarray(start, start + count);
    if (init.dataType === 10) return vals.map((v) => halfToFloat(v));
    return vals;
  }
  if (!t?.plain) {
    if (init.dataType === 21 || init.dataType === 22) {
      const lo = Math.floor(start / 2);
      const hi = Math.ceil((start + count) / 2);
      const buf = b.source.read(b.offset + lo, hi - lo, init.name);
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) {
        const e = start + i;
        let v = (buf[(e >> 1) - lo] >> ((e & 1) * 4)) & 15;
        if (init.dataType === 22 && v > 7) v -= 16;
        out[i] = v;
      }
      return out;
    }
    throw new InspectError(
      `Tensor ${init.name} has a data type (${init.dataType}) the inspector cannot decode.`,
      'dtype',
    );
  }
  const w = PLAIN_BYTES[t.plain];
  return decodePlain(t.plain, b.source.read(b.offset + start * w, count * w, init.name));
}

function storedBytes(init: Initializer | undefined): number {
  if (!init?.blob) return 0;
  if (init.blob.kind === 'raw') return init.blob.length;
  return Math.ceil((product(init.dims) * (ONNX_TYPES[init.dataType]?.bits ?? 32)) / 8);
}

export async function openOnnx(file: string): Promise<ModelFile> {
  const src = FileSource.open(file);
  const external = new ExternalFiles();
  try {
    return readOnnx(src, external);
  } catch (err) {
    src.close();
    external.close();
    throw err;
  }
}

function readOnnx(src: FileSource, external: ExternalFiles): ModelFile {
  if (src.size === 0) throw new InspectError(`${src.path} is empty.`, 'truncated');
  // A ModelProto starts with ir_version (field 1, varint): tag byte 0x08.
  const first = src.read(0, 1, 'header')[0];
  if (first !== 0x08 && first !== 0x12 && first !== 0x3a) {
    throw new InspectError(`${src.path} is not an ONNX model (does not start with a ModelProto field).`, 'magic');
  }
  const c = new WireCursor(src, 0);
  const metadata: ModelFile['metadata'] = {};
  const inits = new Map<string, Initializer>();
  const nodes: OnnxNode[] = [];
  const opsets: string[] = [];
  let sawGraph = false;
  for (const f of c.fields(src.size)) {
    if (f.field === 1 && f.wire === 0) {
      c.pos = f.start;
      metadata.irVersion = c.varint();
    } else if ((f.field === 2 || f.field === 3) && f.wire === 2) {
      c.pos = f.start;
      metadata[f.field === 2 ? 'producer' : 'producerVersion'] = c.bytes(f.len).toString('utf8');
    } else if (f.field === 8 && f.wire === 2) {
      c.pos = f.start;
      const o = OperatorSetIdProto.toObject(OperatorSetIdProto.decode(c.bytes(f.len)), TO_OBJECT) as {
        domain: string;
        version: number;
      };
      opsets.push(`${o.domain || 'ai.onnx'} ${o.version}`);
    } else if (f.field === 7 && f.wire === 2) {
      sawGraph = true;
      c.pos = f.start;
      const gEnd = f.start + f.len;
      for (const g of c.fields(gEnd)) {
        if (g.field === 5 && g.wire === 2) {
          c.pos = g.start;
          const init = readTensorProto(c, g.start + g.len, external);
          inits.set(init.name, init);
        } else if (g.field === 1 && g.wire === 2) {
          c.pos = g.start;
          nodes.push(decodeNode(c.bytes(g.len)));
        } else if (g.field === 2 && g.wire === 2) {
          c.pos = g.start;
          metadata.graph = c.bytes(g.len).toString('utf8');
        }
      }
    } else if (f.wire === 2 && f.len > 0 && f.field > 30) {
      throw new InspectError(`${src.path} is not an ONNX model (unexpected field ${f.field}).`, 'magic');
    }
  }
  if (!sawGraph) throw new InspectError(`${src.path} is not an ONNX model (no graph found).`, 'magic');
  metadata.opsets = opsets.join(', ');
  metadata.nodes = nodes.length;
  metadata.initializers = inits.size;
  const tensors = assembleTensors(inits, nodes);
  return {
    format: 'onnx',
    path: src.path,
    size: src.size + external.totalSize,
    metadata,
    tensors,
    close: () => {
      src.close();
      external.close();
    },
  };
}

function plainEntry(init: Initializer): TensorEntry {
  const t = ONNX_TYPES[init.dataType] ?? { label: `type${init.dataType}`, bits: 0 };
  const params = product(init.dims);
  const cols = init.dims.length ? init.dims[init.dims.length - 1] : 1;
  const decodable = t.plain !== undefined || init.dataType === 21 || init.dataType === 22;
  return {
    name: init.name,
    shape: init.dims,
    dtype: t.label,
    params,
    bytes: storedBytes(init),
    rows: cols ? params / cols : 0,
    cols,
    transposed: false,
    readRows: decodable ? (row, count) => readInitializer(init, row * cols, count * cols) : undefined,
    location: init.blob && init.blob.file !== init.blob.source.path ? init.blob.file : undefined,
  };
}

/** Per-element scale/zero-point lookup for a per-axis (or per-tensor) affine scheme. */
function affineEntry(
  name: string,
  q: Initializer,
  scale: Initializer,
  zp: Initializer | undefined,
  axis: number,
  scheme: string,
): TensorEntry {
  const base = plainEntry(q);
  const dims = q.dims;
  const ax = axis < 0 ? axis + dims.length : axis;
  const nScales = product(scale.dims);
  const perAxis = nScales > 1;
  const stride = perAxis ? product(dims.slice(ax + 1)) : 1;
  const axisLen = perAxis ? dims[ax] : 1;
  const scales = readInitializer(scale, 0, nScales);
  const zeros = zp ? readInitializer(zp, 0, nScales) : new Float32Array(nScales);
  const bits = ONNX_TYPES[q.dataType]?.bits ?? 8;
  const signed = q.dataType === 3 || q.dataType === 22;
  return {
    ...base,
    name,
    dtype: bits === 4 ? (signed ? 'int4' : 'uint4') : signed ? 'int8' : 'uint8',
    bytes: storedBytes(q) + storedBytes(scale) + storedBytes(zp),
    quant: {
      scheme,
      bits,
      axis: perAxis ? ax : undefined,
      scales: nScales,
      zeroPoint: zeros.some((z) => z !== 0),
      scaleDtype: ONNX_TYPES[scale.dataType]?.label,
      parts: [q.name, scale.name, ...(zp ? [zp.name] : [])],
    },
    readRows: (row, count) => {
      const start = row * base.cols;
      const v = readInitializer(q, start, count * base.cols);
      for (let i = 0; i < v.length; i++) {
        const k = perAxis ? Math.floor((start + i) / stride) % axisLen : 0;
        v[i] = (v[i] - zeros[k]) * scales[k];
      }
      return v;
    },
  };
}

function assembleTensors(inits: Map<string, Initializer>, nodes: OnnxNode[]): TensorEntry[] {
  const used = new Set<string>();
  const out: TensorEntry[] = [];
  const producer = new Map<string, OnnxNode>();
  const consumers = new Map<string, OnnxNode[]>();
  for (const n of nodes) {
    for (const o of n.output) producer.set(o, n);
    for (const i of n.input) {
      const list = consumers.get(i) ?? [];
      list.push(n);
      consumers.set(i, list);
    }
  }
  const init = (name: string | undefined) => (name ? inits.get(name) : undefined);

  for (const n of nodes) {
    if (n.opType === 'DequantizeLinear') {
      const q = init(n.input[0]);
      const s = init(n.input[1]);
      if (!q || !s || used.has(q.name)) continue;
      const zp = init(n.input[2]);
      const blockSize = typeof n.attrs.block_size === 'number' ? n.attrs.block_size : 0;
      if (blockSize > 0) continue; // blocked DequantizeLinear (opset 21): listed as plain parts
      const axis = typeof n.attrs.axis === 'number' ? n.attrs.axis : 1;
      out.push(
        affineEntry(n.output[0], q, s, zp, axis, `${ONNX_TYPES[q.dataType]?.label ?? ''} affine, DequantizeLinear`),
      );
      for (const p of [q, s, zp]) if (p) used.add(p.name);
    } else if (n.opType === 'MatMulNBits') {
      const b = init(n.input[1]);
      const s = init(n.input[2]);
      if (!b || !s || used.has(b.name)) continue;
      const zp = init(n.input[3]);
      out.push(matMulNBitsEntry(n, b, s, zp));
      for (const p of [b, s, zp]) if (p) used.add(p.name);
    } else if (n.opType === 'Gather') {
      // int8 rows gathered, cast, and multiplied by gathered per-row scales (embedding tables).
      const q = init(n.input[0]);
      if (!q || (q.dataType !== 3 && q.dataType !== 2) || used.has(q.name)) continue;
      const cast = consumers.get(n.output[0])?.find((x) => x.opType === 'Cast');
      const mul = cast && consumers.get(cast.output[0])?.find((x) => x.opType === 'Mul');
      const other = mul?.input.find((i) => i !== cast?.output[0]);
      const g2 = other ? producer.get(other) : undefined;
      const s = g2?.opType === 'Gather' ? init(g2.input[0]) : undefined;
      if (!mul || !s || s.dims[0] !== q.dims[0]) continue;
      out.push(
        affineEntry(q.name, q, s, undefined, 0, `${ONNX_TYPES[q.dataType]?.label} rows x per-row scale (Gather)`),
      );
      used.add(q.name);
      used.add(s.name);
    } else if (n.opType === 'MatMulInteger') {
      const q = init(n.input[1]);
      if (!q || used.has(q.name)) continue;
      const zp = init(n.input[3]);
      const e = plainEntry(q);
      out.push({
        ...e,
        dtype: q.dataType === 3 ? 'int8' : 'uint8',
        bytes: e.bytes + storedBytes(zp),
        quant: {
          scheme: 'MatMulInteger (scale applied after the product; values shown are the integers)',
          bits: 8,
          zeroPoint: zp !== undefined,
          parts: [q.name, ...(zp ? [zp.name] : [])],
        },
      });
      used.add(q.name);
      if (zp) used.add(zp.name);
    }
  }
  for (const i of inits.values()) if (!used.has(i.name)) out.push(plainEntry(i));
  return out;
}

/**
 * com.microsoft MatMulNBits: B is W[K, N] stored transposed as N rows of ceil(K / block)
 * blocks of `bits`-bit values (low bits first), one scale per block, optional packed zero
 * points (default 2^(bits-1)). onnxruntime contrib op spec.
 */
function matMulNBitsEntry(n: OnnxNode, b: Initializer, s: Initializer, zp: Initializer | undefined): TensorEntry {
  const K = Number(n.attrs.K);
  const N = Number(n.attrs.N);
  const bits = Number(n.attrs.bits ?? 4);
  const bs = Number(n.attrs.block_size);
  const nb = Math.ceil(K / bs);
  const rowBytes = (nb * bs * bits) / 8;
  const zpRowBytes = Math.ceil((nb * bits) / 8);
  const zpIsFloat = zp !== undefined && zp.dataType !== 2;
  const name = n.output[0] && !n.name ? n.output[0] : n.name || b.name;
  return {
    name,
    shape: [K, N],
    dtype: `${bits === 4 ? 'int4' : `int${bits}`}-block${bs}`,
    params: K * N,
    bytes: storedBytes(b) + storedBytes(s) + storedBytes(zp),
    rows: N,
    cols: K,
    transposed: true,
    quant: {
      scheme: `MatMulNBits ${bits}-bit block-wise`,
      bits,
      blockSize: bs,
      scales: N * nb,
      zeroPoint: zp !== undefined,
      scaleDtype: ONNX_TYPES[s.dataType]?.label,
      parts: [b.name, s.name, ...(zp ? [zp.name] : [])],
    },
    readRows: (row, count) => {
      const packed = readInitializer(b, row * rowBytes, count * rowBytes);
      const scales = readInitializer(s, row * nb, count * nb);
      const zps = zp
        ? readInitializer(zp, zpIsFloat ? row * nb : row * zpRowBytes, count * (zpIsFloat ? nb : zpRowBytes))
        : undefined;
      const out = new Float32Array(count * K);
      const mask = (1 << bits) - 1;
      for (let r = 0; r < count; r++) {
        for (let k = 0; k < K; k++) {
          const blk = Math.floor(k / bs);
          const bitPos = k * bits;
          const byte = packed[r * rowBytes + (bitPos >> 3)];
          const q = (byte >> (bitPos & 7)) & mask;
          let z = 1 << (bits - 1);
          if (zps) {
            if (zpIsFloat) z = zps[r * nb + blk];
            else z = (zps[r * zpRowBytes + ((blk * bits) >> 3)] >> ((blk * bits) & 7)) & mask;
          }
          const sc = scales[r * nb + blk];
          out[r * K + k] = zpIsFloat ? (q - (1 << (bits - 1))) * sc + z : (q - z) * sc;
        }
      }
      return out;
    },
  };
}
