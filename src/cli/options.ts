/**
 * Validated option values shared by the subcommands. Every numeric flag is checked here, with
 * its range, and a bad value is a UsageError (one line, exit 2) naming the flag and the value:
 * never a silent empty result, a hang, or a "corrupt model" further down.
 */
import os from 'node:os';
import { UsageError } from '../core/errors.js';

export interface NumberRange {
  /** Smallest allowed value (inclusive unless `minExclusive`). */
  min?: number;
  minExclusive?: boolean;
  /** Largest allowed value (inclusive). */
  max?: number;
  /** Only whole numbers. */
  integer?: boolean;
}

function describeRange(r: NumberRange): string {
  const kind = r.integer ? 'a whole number' : 'a number';
  if (r.min !== undefined && r.max !== undefined) return `${kind} in ${r.minExclusive ? '(' : '['}${r.min}, ${r.max}]`;
  if (r.min !== undefined) return `${kind} ${r.minExclusive ? '>' : '>='} ${r.min}`;
  if (r.max !== undefined) return `${kind} <= ${r.max}`;
  return kind;
}

/** Parses `value` given for `flag`; throws a UsageError unless it is a finite number in range. */
export function parseNumberOption(value: string, flag: string, range: NumberRange = {}): number {
  const n = Number(value);
  const ok =
    value.trim() !== '' &&
    Number.isFinite(n) &&
    (!range.integer || Number.isInteger(n)) &&
    (range.min === undefined || (range.minExclusive ? n > range.min : n >= range.min)) &&
    (range.max === undefined || n <= range.max);
  if (!ok) throw new UsageError(`${flag} must be ${describeRange(range)} (got "${value}").`);
  return n;
}

/** Like parseNumberOption, for an optional flag. */
export function parseOptionalNumber(value: string | undefined, flag: string, range: NumberRange = {}) {
  return value === undefined ? undefined : parseNumberOption(value, flag, range);
}

export const RANGES = {
  ratio: { min: 0, minExclusive: true, max: 1 },
  budgetTokens: { min: 1, integer: true },
  beta: { min: 0, max: 1 },
  maxFileBytes: { min: 1, max: 64 * 1024 * 1024, integer: true },
  maxClassTokens: { min: 1, integer: true },
  fraction: { min: 0, max: 1 },
} as const satisfies Record<string, NumberRange>;

/** onnxruntime threads: at least 1, at most the machine's cores (more only costs memory). */
export function threadsRange(): NumberRange {
  return { min: 1, max: Math.max(1, os.availableParallelism()), integer: true };
}

/** Commander's collector for a repeatable option that takes one value per use. */
export function repeatable(value: string, previous: string[]): string[] {
  return [...previous, value];
}
