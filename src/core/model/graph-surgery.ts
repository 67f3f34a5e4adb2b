/**
 * Graph surgery for hub (and folder) causal LMs: a standard transformers.js export outputs
 * `logits` [B, T, V], and the scorer only needs the log-prob of each next token. This appends
 *
 *   Slice(logits, t < T-1) -> [Cast to float] -> LogSoftmax(axis 2)
 *   GatherElements(., Reshape(Slice(input_ids, t >= 1), [0, -1, 1]), axis 2) -> Reshape [0, -1]
 *   Concat(., zeros [B, 1], axis 1) -> target_logprobs [B, T]
 *
 * (column t = log p(input_ids[t+1] | input_ids[..t]), last column 0) and removes `logits` from
 * the graph outputs, so a run returns [B, T] floats instead of [B, T, V] (onnxruntime still
 * computes the logits internally). Everything else (inputs such as past_key_values, present
 * outputs, initializers, external data references) is kept byte for byte.
 *
 * The patched file is written into a cache folder keyed by the source file's content hash
 * (never next to or over the user's or the hub's files) and reused on later loads; the folder
 * is a model folder transformers.js can load: config.json (+ generation_config.json) copied,
 * onnx/<file> patched, other files of the source onnx/ folder (external data) linked.
 *
 * The ModelProto is walked on the wire (inspect/onnx.ts WireCursor): only the graph's inputs,
 * outputs and the opset imports are decoded, initializers are copied as byte ranges, so a
 * multi-GB model costs one streaming copy.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import protobuf from 'protobufjs';
import { WireCursor } from '../inspect/onnx.js';
import { FileSource } from '../inspect/source.js';
import {
  floatTensor,
  int64Tensor,
  nodeMessage,
  OnnxProto,
  OnnxType,
  valueInfoMessage,
  type NodeSpec,
} from '../inspect/onnx-proto.js';

export const TARGET_OUTPUT = 'target_logprobs';
const PREFIX = 'contextzip_target/';
/** Bumped when the appended subgraph changes, so older patched files are not reused. */
const SURGERY_VERSION = 1;

export interface GraphIo {
  inputs: string[];
  outputs: Array<{ name: string; elemType: number }>;
  /** Version of the default ("" / ai.onnx) opset. */
  opset: number;
}

interface FieldRange {
  field: number;
  /** Byte range of the whole field (tag + length + payload). */
  from: number;
  to: number;
}

interface Layout {
  top: FieldRange[];
  graph: FieldRange;
  graphPayloadStart: number;
  graphFields: FieldRange[];
  io: GraphIo;
  /** Graph output fields to drop (logits). */
  drop: Set<number>;
}

const ValueInfoName = protobuf.Root.fromJSON({
  nested: {
    V: { fields: { name: { type: 'string', id: 1 }, type: { type: 'T', id: 2 } } },
    T: { fields: { tensorType: { type: 'TT', id: 1 } } },
    TT: { fields: { elemType: { type: 'int32', id: 1 } } },
  },
}).lookupType('V');

function readLayout(src: FileSource): Layout {
  const c = new WireCursor(src, 0);
  const top: FieldRange[] = [];
  let graph: FieldRange | undefined;
  let graphPayloadStart = 0;
  let opset = 0;
  for (const f of c.fields(src.size)) {
    const r = { field: f.field, from: f.tagStart, to: f.start + f.len };
    top.push(r);
    if (f.field === 8 && f.wire === 2) {
      const save = c.pos;
      c.pos = f.start;
      const o = OnnxProto.OperatorSetIdProto.toObject(OnnxProto.OperatorSetIdProto.decode(c.bytes(f.len)), {
        longs: Number,
      }) as {
        domain?: string;
        version?: number;
      };
      c.pos = save;
      if (!o.domain || o.domain === 'ai.onnx') opset = Number(o.version ?? 0);
    } else if (f.field === 7 && f.wire === 2) {
      graph = r;
      graphPayloadStart = f.start;
    }
  }
  if (!graph) throw new Error(`${src.path} has no graph`);
  const graphFields: FieldRange[] = [];
  const io: GraphIo = { inputs: [], outputs: [], opset };
  const drop = new Set<number>();
  const g = new WireCursor(src, graphPayloadStart);
  for (const f of g.fields(graph.to)) {
    graphFields.push({ field: f.field, from: f.tagStart, to: f.start + f.len });
    if ((f.field === 11 || f.field === 12) && f.wire === 2) {
      const save = g.pos;
      g.pos = f.start;
      const v = ValueInfoName.toObject(ValueInfoName.decode(g.bytes(f.len))) as {
        name?: string;
        type?: { tensorType?: { elemType?: number } };
      };
      g.pos = save;
      if (f.field === 11) io.inputs.push(v.name ?? '');
      else {
        io.outputs.push({ name: v.name ?? '', elemType: v.type?.tensorType?.elemType ?? 0 });
        if (v.name === 'logits') drop.add(graphFields.length - 1);
      }
    }
  }
  return { top, graph, graphPayloadStart, graphFields, io, drop };
}

/** Inputs, outputs and opset of an ONNX file, read without loading its weights. */
export function readGraphIo(file: string): GraphIo {
  const src = FileSource.open(file);
  try {
    return readLayout(src).io;
  } finally {
    src.close();
  }
}

/** Why a graph cannot get the target_logprobs output (null: it can). */
export function surgeryBlocker(io: GraphIo): string | null {
  if (io.outputs.some((o) => o.name === TARGET_OUTPUT)) return 'it already outputs target_logprobs';
  const logits = io.outputs.find((o) => o.name === 'logits');
  if (!logits) return 'it has no logits output';
  if (!io.inputs.includes('input_ids')) return 'it has no input_ids input';
  if (io.opset < 11) return `its opset ${io.opset} is older than 11 (GatherElements)`;
  if (![OnnxType.FLOAT, OnnxType.FLOAT16, OnnxType.BFLOAT16].includes(logits.elemType as 1))
    return `its logits have element type ${logits.elemType}`;
  return null;
}

/** The appended nodes (see the file comment) and the new output. */
function targetNodes(logitsType: number): NodeSpec[] {
  const p = (s: string) => PREFIX + s;
  const k = (name: string, t: ReturnType<typeof int64Tensor>): NodeSpec => ({
    op: 'Constant',
    inputs: [],
    outputs: [p(name)],
    name: p(name),
    attrs: { value: { tensor: t } },
  });
  const nodes: NodeSpec[] = [
    k('zero', int64Tensor([0])),
    k('one', int64Tensor([1])),
    k('minus_one', int64Tensor([-1])),
    k('end', int64Tensor([9223372036854775807n])),
    k('shape_bt1', int64Tensor([0, -1, 1])),
    k('shape_bt', int64Tensor([0, -1])),
    {
      op: 'Constant',
      inputs: [],
      outputs: [p('fzero')],
      name: p('fzero'),
      attrs: { value: { tensor: floatTensor([0]) } },
    },
  ];
  let logits = 'logits';
  if (logitsType !== OnnxType.FLOAT) {
    nodes.push({
      op: 'Cast',
      inputs: [logits],
      outputs: [p('logits_f32')],
      name: p('cast'),
      attrs: { to: OnnxType.FLOAT },
    });
    logits = p('logits_f32');
  }
  nodes.push(
    // positions 0..T-2 predict tokens 1..T-1
    {
      op: 'Slice',
      inputs: [logits, p('zero'), p('minus_one'), p('one')],
      outputs: [p('head')],
      name: p('slice_logits'),
    },
    { op: 'LogSoftmax', inputs: [p('head')], outputs: [p('logp')], name: p('log_softmax'), attrs: { axis: 2 } },
    { op: 'Slice', inputs: ['input_ids', p('one'), p('end'), p('one')], outputs: [p('next')], name: p('slice_ids') },
    { op: 'Reshape', inputs: [p('next'), p('shape_bt1')], outputs: [p('index')], name: p('index') },
    {
      op: 'GatherElements',
      inputs: [p('logp'), p('index')],
      outputs: [p('picked')],
      name: p('gather'),
      attrs: { axis: 2 },
    },
    { op: 'Reshape', inputs: [p('picked'), p('shape_bt')], outputs: [p('lp')], name: p('squeeze') },
    // a [B, 1] column of zeros for the last position (nothing follows it)
    {
      op: 'Slice',
      inputs: ['input_ids', p('zero'), p('one'), p('one')],
      outputs: [p('first')],
      name: p('slice_first'),
    },
    { op: 'Cast', inputs: [p('first')], outputs: [p('first_f')], name: p('cast_first'), attrs: { to: OnnxType.FLOAT } },
    { op: 'Mul', inputs: [p('first_f'), p('fzero')], outputs: [p('zeros')], name: p('zeros') },
    { op: 'Concat', inputs: [p('lp'), p('zeros')], outputs: [TARGET_OUTPUT], name: p('concat'), attrs: { axis: 1 } },
  );
  return nodes;
}

function tagged(field: number, payload: Uint8Array): Buffer {
  const w = protobuf.Writer.create();
  w.uint32((field << 3) | 2).bytes(payload);
  return Buffer.from(w.finish());
}

function varintBytes(n: number): Buffer {
  const out: number[] = [];
  let v = n;
  while (v >= 128) {
    out.push((v % 128) | 128);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return Buffer.from(out);
}

function copyRange(src: FileSource, fd: number, from: number, to: number): void {
  const CHUNK = 8 << 20;
  for (let p = from; p < to; p += CHUNK) fs.writeSync(fd, src.read(p, Math.min(CHUNK, to - p), 'model'));
}

/**
 * Writes `dest`: `src` with the target_logprobs subgraph appended and `logits` removed from
 * the outputs. Throws when the graph cannot be patched (surgeryBlocker).
 */
export function addTargetLogprobs(srcFile: string, dest: string): void {
  const src = FileSource.open(srcFile);
  try {
    const lay = readLayout(src);
    const blocker = surgeryBlocker(lay.io);
    if (blocker) throw new Error(`${srcFile} cannot be patched: ${blocker}`);
    const logitsType = lay.io.outputs.find((o) => o.name === 'logits')!.elemType;
    const extra = [
      ...targetNodes(logitsType).map((n) => tagged(1, OnnxProto.NodeProto.encode(nodeMessage(n)).finish())),
      tagged(
        12,
        OnnxProto.ValueInfoProto.encode(
          valueInfoMessage(TARGET_OUTPUT, OnnxType.FLOAT, ['batch_size', 'sequence_length']),
        ).finish(),
      ),
    ];
    const kept = lay.graphFields.filter((_, i) => !lay.drop.has(i));
    const graphLen = kept.reduce((s, r) => s + r.to - r.from, 0) + extra.reduce((s, b) => s + b.length, 0);
    const fd = fs.openSync(dest, 'w');
    try {
      for (const r of lay.top) {
        if (r !== lay.graph) {
          copyRange(src, fd, r.from, r.to);
          continue;
        }
        fs.writeSync(fd, Buffer.concat([varintBytes((7 << 3) | 2), varintBytes(graphLen)]));
        for (const k of kept) copyRange(src, fd, k.from, k.to);
        for (const b of extra) fs.writeSync(fd, b);
      }
    } finally {
      fs.closeSync(fd);
    }
  } finally {
    src.close();
  }
}

/** sha256 of a file's content, streamed. */
function fileSha256(file: string): string {
  const h = crypto.createHash('sha256');
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.allocUnsafe(8 << 20);
    for (;;) {
      const n = fs.readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      h.update(buf.subarray(0, n));
    }
  } finally {
    fs.closeSync(fd);
  }
  return h.digest('hex');
}

/** Content hash, remembered per (path, size, mtime) so a multi-GB file is hashed once. */
function contentHash(file: string, cacheRoot: string): string {
  const st = fs.statSync(file);
  const key = crypto
    .createHash('sha256')
    .update(`${path.resolve(file)}\0${st.size}\0${st.mtimeMs}`)
    .digest('hex')
    .slice(0, 32);
  const memo = path.join(cacheRoot, 'hashes', key);
  try {
    const h = fs.readFileSync(memo, 'utf8').trim();
    if (/^[0-9a-f]{64}$/.test(h)) return h;
  } catch {
    // not hashed yet
  }
  const h = fileSha256(file);
  writeAtomic(memo, h + '\n');
  return h;
}

function writeAtomic(file: string, data: string | Buffer): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`;
  fs.writeFileSync(tmp, data);
  fs.renameSync(tmp, file);
}

export interface PatchedModel {
  /** A model folder transformers.js can load (config.json, onnx/<file>). */
  dir: string;
  /** False when an earlier load had already written the patched file. */
  created: boolean;
}

/**
 * The model folder with onnx/`onnxFile` patched to output target_logprobs, in
 * `<cacheRoot>/<content hash>/`; null when the graph cannot be patched (or already outputs
 * target_logprobs). Source files are only read.
 */
export function targetLogprobsModel(modelDir: string, onnxFile: string, cacheRoot: string): PatchedModel | null {
  const srcFile = path.join(modelDir, 'onnx', onnxFile);
  if (surgeryBlocker(readGraphIo(srcFile)) !== null) return null;
  const hash = contentHash(srcFile, cacheRoot);
  const dir = path.join(cacheRoot, `${hash.slice(0, 32)}-v${SURGERY_VERSION}`);
  const dest = path.join(dir, 'onnx', onnxFile);
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  // The configuration is copied on every load (small): it belongs to the folder, not to the graph.
  for (const f of ['config.json', 'generation_config.json']) {
    const from = path.join(modelDir, f);
    if (!fs.existsSync(from)) continue;
    const data = fs.readFileSync(from);
    const to = path.join(dir, f);
    if (!fs.existsSync(to) || !fs.readFileSync(to).equals(data)) writeAtomic(to, data);
  }
  // External data files are referenced relative to the graph file: link them next to it.
  for (const ent of fs.readdirSync(path.join(modelDir, 'onnx'), { withFileTypes: true })) {
    if (!ent.isFile() || ent.name.endsWith('.onnx')) continue;
    if (!ent.name.startsWith(onnxFile)) continue; // model.onnx_data, model_q4.onnx_data_1, ...
    const link = path.join(dir, 'onnx', ent.name);
    try {
      fs.symlinkSync(path.resolve(modelDir, 'onnx', ent.name), link);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err; // linked by an earlier (or parallel) load
    }
  }
  if (fs.existsSync(dest)) return { dir, created: false };
  const tmp = `${dest}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`;
  try {
    addTargetLogprobs(srcFile, tmp);
    fs.renameSync(tmp, dest);
  } finally {
    fs.rmSync(tmp, { force: true });
  }
  return { dir, created: true };
}
