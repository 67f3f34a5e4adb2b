/**
 * Where model folders live and what they must contain. A model folder has the layout
 * transformers.js reads (docs/MODELS.md): config.json, tokenizer.json, tokenizer_config.json and
 * onnx/<file for the dtype>. We check it up front so a missing or corrupt file gives a
 * message naming the file, instead of a stack trace from deep inside onnxruntime.
 */
import type { FusionWeights } from '../code/fusion.js';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ModelError, UsageError } from '../errors.js';

export type ModelDtype = 'fp32' | 'fp16' | 'q8' | 'q4' | 'q4f16';
export const MODEL_DTYPES: readonly ModelDtype[] = ['fp32', 'fp16', 'q8', 'q4', 'q4f16'];

/** transformers.js' file name per dtype. */
export const ONNX_FILE_FOR_DTYPE: Record<ModelDtype, string> = {
  fp32: 'model.onnx',
  fp16: 'model_fp16.onnx',
  q8: 'model_quantized.onnx',
  q4: 'model_q4.onnx',
  q4f16: 'model_q4f16.onnx',
};

export const EMBEDDED_MODEL_ID = 'embedded';
const HUB_ID = /^[A-Za-z0-9][\w.-]*\/[\w.-]+$/;

export type ModelLocation =
  | { kind: 'embedded'; id: string; dir: string }
  | { kind: 'local'; id: string; dir: string }
  | { kind: 'hub'; id: string; dir: string; cacheRoot: string };

export function parseDtype(value: string | undefined, fallback: ModelDtype = 'q8'): ModelDtype {
  if (value === undefined || value === '') return fallback;
  if ((MODEL_DTYPES as readonly string[]).includes(value)) return value as ModelDtype;
  throw new UsageError(`Unknown dtype "${value}". Use one of: ${MODEL_DTYPES.join(', ')}.`);
}

/** The embedded model folder: next to the bundle (dist/models/embedded) or in the repo (models/embedded). */
export function embeddedModelDir(): string {
  // An explicit override (packaging checks, experiments with a retrained model).
  const override = process.env.CONTEXTZIP_EMBEDDED_MODEL_DIR;
  if (override && fs.existsSync(path.join(override, 'config.json'))) return override;
  const candidates = [
    path.join(__dirname, 'models', 'embedded'),
    path.resolve(__dirname, '..', 'models', 'embedded'),
    path.resolve(__dirname, '..', '..', '..', 'models', 'embedded'),
  ];
  for (const dir of candidates) if (fs.existsSync(path.join(dir, 'config.json'))) return dir;
  throw new ModelError(
    `The embedded model is missing (looked in ${candidates.join(', ')}). Rebuild with "npm run build" or reinstall the extension.`,
    'model-missing',
  );
}

/** Default folder for downloaded hub models when the caller gives none. */
export function defaultHubCacheRoot(): string {
  const base =
    process.env.CONTEXTZIP_CACHE ??
    path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'contextzip');
  return path.join(base, 'models');
}

/** Default folder for graphs patched to output target_logprobs (graph-surgery.ts). */
export function defaultGraphCacheRoot(): string {
  return path.join(path.dirname(defaultHubCacheRoot()), 'graphs');
}

/**
 * Resolves a model reference: "embedded", a local folder path, or a hub id ("owner/name").
 * A path that exists wins over a hub id of the same spelling.
 */
export function resolveModelLocation(model: string | undefined, cacheRoot?: string): ModelLocation {
  const ref = (model ?? '').trim() || EMBEDDED_MODEL_ID;
  if (ref === EMBEDDED_MODEL_ID) return { kind: 'embedded', id: EMBEDDED_MODEL_ID, dir: embeddedModelDir() };
  const asPath = path.resolve(ref);
  if (fs.existsSync(asPath)) {
    if (!fs.statSync(asPath).isDirectory()) {
      throw new UsageError(`Model path ${ref} is a file; pass the model folder (with config.json and onnx/).`);
    }
    return { kind: 'local', id: asPath, dir: asPath };
  }
  if (HUB_ID.test(ref)) {
    const root = cacheRoot ?? defaultHubCacheRoot();
    return { kind: 'hub', id: ref, dir: path.join(root, ...ref.split('/')), cacheRoot: root };
  }
  throw new UsageError(`Model "${ref}" is neither "embedded", an existing folder, nor a hub id like owner/name.`);
}

/** The files a model folder needs for one dtype, relative to the folder. */
export function requiredModelFiles(dtype: ModelDtype): string[] {
  return ['config.json', 'tokenizer.json', 'tokenizer_config.json', `onnx/${ONNX_FILE_FOR_DTYPE[dtype]}`];
}

/** Throws a ModelError naming the first missing or unreadable file; returns the parsed config. */
export function checkModelFolder(dir: string, dtype: ModelDtype): ModelConfig {
  const missing = requiredModelFiles(dtype).filter((f) => !fs.existsSync(path.join(dir, f)));
  if (missing.length > 0) {
    const available = MODEL_DTYPES.filter((d) => fs.existsSync(path.join(dir, 'onnx', ONNX_FILE_FOR_DTYPE[d])));
    const hint =
      missing.some((f) => f.startsWith('onnx/')) && available.length > 0
        ? ` This model has dtype(s): ${available.join(', ')}.`
        : '';
    throw new ModelError(`Model folder ${dir} is missing ${missing.join(', ')}.${hint}`, 'model-missing');
  }
  let config: ModelConfig;
  try {
    config = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8')) as ModelConfig;
  } catch (err) {
    throw new ModelError(
      `Model file ${path.join(dir, 'config.json')} is not valid JSON (${(err as Error).message}).`,
      'model-corrupt',
    );
  }
  for (const f of ['tokenizer.json', 'tokenizer_config.json']) {
    try {
      JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8'));
    } catch (err) {
      throw new ModelError(
        `Model file ${path.join(dir, f)} is not valid JSON (${(err as Error).message}).`,
        'model-corrupt',
      );
    }
  }
  const onnx = path.join(dir, 'onnx', ONNX_FILE_FOR_DTYPE[dtype]);
  const size = fs.statSync(onnx).size;
  if (size < 64) throw new ModelError(`Model file ${onnx} is truncated (${size} bytes).`, 'model-corrupt');
  return config;
}

export interface ModelConfig {
  model_type?: string;
  max_position_embeddings?: number;
  n_positions?: number;
  logits_are_log_probs?: boolean;
  bos_token_id?: number;
  eos_token_id?: number | number[];
  pad_token_id?: number;
  contextzip?: {
    maxTokens?: number;
    trainedContext?: number;
    version?: string;
    /** Weights of the fused ranking fitted for this model (src/core/code/fusion.ts). */
    ranking?: { weights?: FusionWeights };
  };
  [key: string]: unknown;
}

/**
 * Identifies the exact weights behind a location + dtype by content (config.json and the ONNX
 * file), so persisted scores of an older model are never reused for a newer one, and a rebuild
 * that copies the same model again (new mtime) keeps its scores. ONNX files up to 64 MB are
 * hashed whole; larger ones (hub models) by size plus their first and last 4 MB.
 */
export function modelFingerprint(location: ModelLocation, dtype: ModelDtype): string {
  const h = crypto.createHash('sha256');
  h.update(location.id).update('\0').update(dtype).update('\0');
  try {
    h.update(fs.readFileSync(path.join(location.dir, 'config.json')));
    hashFileContent(h, path.join(location.dir, 'onnx', ONNX_FILE_FOR_DTYPE[dtype]));
  } catch {
    h.update('missing');
  }
  return h.digest('hex').slice(0, 16);
}

const WHOLE_FILE_HASH_LIMIT = 64 * 1024 * 1024;
const PARTIAL_HASH_SPAN = 4 * 1024 * 1024;

function hashFileContent(h: crypto.Hash, file: string): void {
  const fd = fs.openSync(file, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    h.update(`${size}\0`);
    const ranges: Array<[number, number]> =
      size <= WHOLE_FILE_HASH_LIMIT
        ? [[0, size]]
        : [
            [0, PARTIAL_HASH_SPAN],
            [size - PARTIAL_HASH_SPAN, size],
          ];
    const buf = Buffer.alloc(1024 * 1024);
    for (const [start, end] of ranges) {
      for (let pos = start; pos < end;) {
        const n = fs.readSync(fd, buf, 0, Math.min(buf.length, end - pos), pos);
        if (n === 0) break;
        h.update(buf.subarray(0, n));
        pos += n;
      }
    }
  } finally {
    fs.closeSync(fd);
  }
}

export function modelFolderBytes(dir: string): number {
  let total = 0;
  const walk = (d: string) => {
    for (const ent of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, ent.name);
      if (ent.isDirectory()) walk(p);
      else total += fs.statSync(p).size;
    }
  };
  if (fs.existsSync(dir)) walk(dir);
  return total;
}
