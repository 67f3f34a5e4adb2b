/**
 * Reading one source file and classifying files the chunker should not see:
 * binary (NUL bytes or many invalid UTF-8 sequences), minified/generated (very long
 * lines), too large (over `maxFileBytes`), empty, unreadable.
 */
import fs from 'node:fs';
import type { SkippedFile, SkipReason } from '../types.js';

export const DEFAULT_MAX_FILE_BYTES = 1024 * 1024;

export interface ReadOptions {
  /** Files larger than this are skipped as 'too-large'. Default 1 MB. */
  maxFileBytes?: number;
}

export type ReadResult = { ok: true; file: string; text: string; bytes: number } | { ok: false; skipped: SkippedFile };

function skip(file: string, reason: SkipReason, detail: string): ReadResult {
  return { ok: false, skipped: { file, reason, detail } };
}

function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${(n / (1024 * 1024)).toFixed(1)} MB`;
  if (n >= 1024) return `${(n / 1024).toFixed(0)} KB`;
  return `${n} bytes`;
}

/**
 * Why bytes are not text, or null: a NUL byte anywhere in the file (the whole file is checked:
 * a text head followed by binary data is still binary), or many invalid UTF-8 sequences.
 */
export function binaryReason(bytes: Uint8Array): string | null {
  const nul = bytes.indexOf(0);
  if (nul >= 0) return nul < 64 * 1024 ? 'contains NUL bytes' : `contains NUL bytes (first at byte ${nul})`;
  const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
  let bad = 0;
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 0xfffd) bad++;
  if (bad > 8 && bad / Math.max(1, text.length) > 0.01)
    return `${bad} invalid UTF-8 sequences in ${formatBytes(bytes.length)}`;
  return null;
}

/** Why text looks minified or generated (very long lines), or null. */
export function minifiedReason(text: string): string | null {
  if (text.length < 4096) return null;
  let lines = 0;
  let longest = 0;
  let start = 0;
  for (;;) {
    const nl = text.indexOf('\n', start);
    const end = nl === -1 ? text.length : nl;
    longest = Math.max(longest, end - start);
    if (end > start) lines++;
    if (nl === -1) break;
    start = nl + 1;
  }
  const avg = text.length / Math.max(1, lines);
  if (avg > 300) return `average line is ${Math.round(avg)} characters (minified or generated)`;
  if (longest > 20000 && longest > text.length / 2)
    return `one line holds ${longest} of ${text.length} characters (minified or generated)`;
  return null;
}

/**
 * Reads a file as UTF-8 (byte-exact: a BOM is kept) or says why it is skipped.
 * Never throws. `file` is the relative path used in results.
 */
export function readSourceFile(absPath: string, file: string, options: ReadOptions = {}): ReadResult {
  const max = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  let bytes: Buffer;
  try {
    const st = fs.statSync(absPath);
    if (!st.isFile()) return skip(file, 'unreadable', 'not a regular file');
    if (st.size > max) return skip(file, 'too-large', `${formatBytes(st.size)} is over the ${formatBytes(max)} limit`);
    bytes = fs.readFileSync(absPath);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return skip(file, 'unreadable', code ? `cannot read (${code})` : 'cannot read');
  }
  return classifySourceBytes(bytes, file, options);
}

/** Same classification as readSourceFile for bytes already in memory. */
export function classifySourceBytes(bytes: Uint8Array, file: string, options: ReadOptions = {}): ReadResult {
  const max = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  if (bytes.length > max)
    return skip(file, 'too-large', `${formatBytes(bytes.length)} is over the ${formatBytes(max)} limit`);
  if (bytes.length === 0) return skip(file, 'empty', 'empty file');
  const binary = binaryReason(bytes);
  if (binary) return skip(file, 'binary', `binary file (${binary})`);
  const text = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true }).decode(bytes);
  if (text.trim() === '') return skip(file, 'empty', 'only whitespace');
  const minified = minifiedReason(text);
  if (minified) return skip(file, 'minified', minified);
  return { ok: true, file, text, bytes: bytes.length };
}
