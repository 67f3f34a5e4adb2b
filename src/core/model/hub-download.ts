/**
 * Downloads a hub model's files into the model cache, only when the user asked for that
 * model. Resumable (HTTP Range on a .part file), cancellable, with progress, and checked:
 * the byte count must match Content-Length and, for LFS files, the SHA-256 the hub reports
 * in X-Linked-ETag. The endpoint is configurable (HF_ENDPOINT / setting) so mirrors work.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { CancelledError, ModelError, type CancellationSignal } from '../errors.js';
import { ONNX_FILE_FOR_DTYPE, type ModelDtype } from './model-files.js';

export interface DownloadProgress {
  file: string;
  loadedBytes: number;
  totalBytes: number | undefined;
  /** Files finished so far and the number of files to fetch. */
  filesDone: number;
  filesTotal: number;
}

export interface DownloadOptions {
  endpoint?: string;
  revision?: string;
  signal?: CancellationSignal;
  onProgress?: (p: DownloadProgress) => void;
  /** Per-request timeout in ms (no bytes for this long aborts the request). */
  timeoutMs?: number;
}

export function hubEndpoint(explicit?: string): string {
  return (explicit || process.env.HF_ENDPOINT || 'https://huggingface.co').replace(/\/+$/, '');
}

/** Required files, then optional ones (a 404 on an optional file is fine). */
export function hubFilesFor(dtype: ModelDtype): { required: string[]; optional: string[] } {
  const onnx = `onnx/${ONNX_FILE_FOR_DTYPE[dtype]}`;
  return {
    required: ['config.json', 'tokenizer.json', 'tokenizer_config.json', onnx],
    optional: ['generation_config.json', `${onnx}_data`],
  };
}

export async function downloadHubModel(
  id: string,
  destDir: string,
  dtype: ModelDtype,
  options: DownloadOptions = {},
): Promise<void> {
  const { required, optional } = hubFilesFor(dtype);
  const all = [...required.map((f) => ({ f, optional: false })), ...optional.map((f) => ({ f, optional: true }))];
  let filesDone = 0;
  for (const { f, optional: isOptional } of all) {
    const dest = path.join(destDir, f);
    if (fs.existsSync(dest)) {
      filesDone++;
      continue;
    }
    const ok = await downloadFile(id, f, dest, isOptional, options, (loaded, total) =>
      options.onProgress?.({ file: f, loadedBytes: loaded, totalBytes: total, filesDone, filesTotal: all.length }),
    );
    if (ok || isOptional) filesDone++;
  }
}

async function downloadFile(
  id: string,
  file: string,
  dest: string,
  optional: boolean,
  options: DownloadOptions,
  progress: (loaded: number, total: number | undefined) => void,
): Promise<boolean> {
  const url = `${hubEndpoint(options.endpoint)}/${id}/resolve/${encodeURIComponent(options.revision ?? 'main')}/${file}`;
  const part = `${dest}.part`;
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  const have = fs.existsSync(part) ? fs.statSync(part).size : 0;
  const controller = new AbortController();
  const timeoutMs = options.timeoutMs ?? 30_000;
  let timer = setTimeout(() => controller.abort(), timeoutMs);
  const poll = setInterval(() => {
    if (options.signal?.cancelled) controller.abort();
  }, 100);
  try {
    let res: Response;
    try {
      res = await fetch(url, {
        headers: have > 0 ? { Range: `bytes=${have}-` } : {},
        signal: controller.signal,
        redirect: 'follow',
      });
    } catch (err) {
      if (options.signal?.cancelled) throw new CancelledError('Model download cancelled.');
      throw new ModelError(
        `Could not reach ${hubEndpoint(options.endpoint)} to download ${id} (${(err as Error).message}). Are you offline? Download it elsewhere and choose its local folder instead.`,
        'offline',
      );
    }
    if (res.status === 404 && optional) return false;
    if (res.status === 401 || res.status === 403)
      throw new ModelError(
        `The hub refused access to ${id}/${file} (HTTP ${res.status}): gated or private model.`,
        'model-download',
      );
    if (!res.ok && res.status !== 206)
      throw new ModelError(`Download of ${id}/${file} failed: HTTP ${res.status}.`, 'model-download');
    const resumed = res.status === 206;
    const start = resumed ? have : 0;
    const lengthHeader = res.headers.get('content-length');
    const total = lengthHeader ? start + Number(lengthHeader) : undefined;
    const expectedSha = (res.headers.get('x-linked-etag') ?? '').replace(/"/g, '');
    const out = fs.createWriteStream(part, { flags: resumed ? 'a' : 'w' });
    let loaded = start;
    try {
      const reader = res.body!.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        clearTimeout(timer);
        timer = setTimeout(() => controller.abort(), timeoutMs);
        if (options.signal?.cancelled) throw new CancelledError('Model download cancelled.');
        await new Promise<void>((resolve, reject) => out.write(value, (e) => (e ? reject(e) : resolve())));
        loaded += value.byteLength;
        progress(loaded, total);
      }
    } catch (err) {
      if (options.signal?.cancelled || err instanceof CancelledError)
        throw new CancelledError('Model download cancelled (partial file kept; it resumes next time).');
      if (err instanceof ModelError) throw err;
      throw new ModelError(
        `Download of ${id}/${file} was interrupted (${(err as Error).message}); it resumes next time.`,
        'model-download',
      );
    } finally {
      await new Promise<void>((resolve) => out.end(() => resolve()));
    }
    const size = fs.statSync(part).size;
    if (total !== undefined && size !== total) {
      throw new ModelError(
        `Download of ${id}/${file} is incomplete (${size} of ${total} bytes); it resumes next time.`,
        'model-download',
      );
    }
    if (/^[0-9a-f]{64}$/.test(expectedSha)) {
      const actual = await sha256File(part);
      if (actual !== expectedSha) {
        fs.rmSync(part, { force: true });
        throw new ModelError(
          `Checksum mismatch for ${id}/${file} (expected ${expectedSha}, got ${actual}); the file was removed.`,
          'model-download',
        );
      }
    }
    fs.renameSync(part, dest);
    return true;
  } finally {
    clearTimeout(timer);
    clearInterval(poll);
  }
}

function sha256File(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = crypto.createHash('sha256');
    fs.createReadStream(file)
      .on('data', (d) => h.update(d))
      .on('end', () => resolve(h.digest('hex')))
      .on('error', reject);
  });
}
