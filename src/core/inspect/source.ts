/**
 * Positioned reads of a model file. Readers never load a whole file: they ask for the byte
 * ranges they need (headers, one tensor's rows), so a multi-GB checkpoint costs only what is
 * inspected.
 */
import fs from 'node:fs';
import { InspectError } from './errors.js';

export class FileSource {
  private constructor(
    readonly path: string,
    private readonly fd: number,
    readonly size: number,
  ) {}

  static open(file: string): FileSource {
    let fd: number;
    try {
      fd = fs.openSync(file, 'r');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new InspectError(
        code === 'ENOENT' ? `File not found: ${file}` : `Cannot open ${file}: ${(err as Error).message}`,
        'open',
      );
    }
    const st = fs.fstatSync(fd);
    if (!st.isFile()) {
      fs.closeSync(fd);
      throw new InspectError(`Not a file: ${file}`, 'open');
    }
    return new FileSource(file, fd, st.size);
  }

  /** Exactly `length` bytes at `offset`, or an error naming what was being read. */
  read(offset: number, length: number, what = 'data'): Buffer {
    if (offset < 0 || length < 0 || offset + length > this.size) {
      throw new InspectError(
        `${this.path} is truncated: ${what} needs bytes ${offset}..${offset + length} but the file has ${this.size}.`,
        'truncated',
      );
    }
    const buf = Buffer.allocUnsafe(length);
    let done = 0;
    while (done < length) {
      const n = fs.readSync(this.fd, buf, done, length - done, offset + done);
      if (n === 0) throw new InspectError(`${this.path}: unexpected end of file reading ${what}.`, 'truncated');
      done += n;
    }
    return buf;
  }

  close(): void {
    try {
      fs.closeSync(this.fd);
    } catch {
      // already closed
    }
  }
}
