/** Reading text arguments: a file path, or "-" for standard input. */
import fs from 'node:fs';
import { UsageError } from '../core/errors.js';

export function readTextArg(file: string, flag: string): string {
  if (file === '-') return fs.readFileSync(0, 'utf8');
  if (!fs.existsSync(file)) throw new UsageError(`${flag}: no such file: ${file}`);
  if (fs.statSync(file).isDirectory()) throw new UsageError(`${flag}: ${file} is a folder, not a file`);
  return fs.readFileSync(file, 'utf8');
}
