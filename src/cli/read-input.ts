/**
 * Reading text arguments: a file path, or "-" for standard input. Every read is capped: a
 * query, trace or answer larger than its limit is a usage error, found after reading at most
 * limit + 1 bytes (so `--query-file /dev/zero` stops at once instead of filling the memory).
 */
import fs from 'node:fs';
import { UsageError } from '../core/errors.js';

/** Size limits of text inputs, in bytes (documented in the README's command-line section). */
export const TEXT_INPUT_LIMITS = {
  /** A query (--query-file): a description, or code before a cursor. */
  query: 1024 * 1024,
  /** A reasoning trace (cot --input) or a text to score (logprobs). */
  trace: 16 * 1024 * 1024,
  /** A final answer, a problem statement or a scoring context. */
  answer: 4 * 1024 * 1024,
} as const;

function formatLimit(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${bytes / (1024 * 1024)} MB` : `${bytes / 1024} KB`;
}

/** Reads at most `limit` bytes from a descriptor; throws when there is more. */
function readCapped(fd: number, limit: number, flag: string, name: string): Buffer {
  const chunks: Buffer[] = [];
  let total = 0;
  const buf = Buffer.alloc(64 * 1024);
  for (;;) {
    let n: number;
    try {
      n = fs.readSync(fd, buf, 0, buf.length, null);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN') continue; // a non-blocking stdin with nothing yet
      if (code === 'EOF') break;
      throw new UsageError(`${flag}: cannot read ${name} (${code ?? String(err)}).`);
    }
    if (n === 0) break;
    total += n;
    if (total > limit)
      throw new UsageError(`${flag}: ${name} is larger than the ${formatLimit(limit)} limit for this input.`);
    chunks.push(Buffer.from(buf.subarray(0, n)));
  }
  return Buffer.concat(chunks, total);
}

/**
 * The text of `file` ("-" = stdin), at most `limit` bytes, as UTF-8. Folders, missing files
 * and binary content (NUL bytes) are usage errors with one-line messages.
 */
export function readTextArg(file: string, flag: string, limit: number = TEXT_INPUT_LIMITS.answer): string {
  let bytes: Buffer;
  if (file === '-') {
    bytes = readCapped(0, limit, flag, 'standard input');
  } else {
    if (!fs.existsSync(file)) throw new UsageError(`${flag}: no such file: ${file}`);
    if (fs.statSync(file).isDirectory()) throw new UsageError(`${flag}: ${file} is a folder, not a file`);
    let fd: number;
    try {
      fd = fs.openSync(file, 'r');
    } catch (err) {
      throw new UsageError(`${flag}: cannot open ${file} (${(err as NodeJS.ErrnoException).code ?? String(err)}).`);
    }
    try {
      bytes = readCapped(fd, limit, flag, file);
    } finally {
      fs.closeSync(fd);
    }
  }
  if (bytes.includes(0))
    throw new UsageError(`${flag}: ${file === '-' ? 'standard input' : file} is binary (NUL bytes), not text.`);
  return bytes.toString('utf8');
}
