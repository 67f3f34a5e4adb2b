/**
 * Runs the real `contextzip` entry (src/cli/main.ts through tsx) in a child process with pipes
 * for stdout and stderr, the way a shell pipeline does, and collects everything it writes.
 * No part of the engine is replaced: the hostile-input battery checks what a user would see.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before } from 'node:test';

export const ROOT = path.join(__dirname, '..', '..');
export const CLI = path.join(ROOT, 'src', 'cli', 'main.ts');
/** tsx resolved from the repository, so the CLI can run with any working directory. */
const TSX = require.resolve('tsx', { paths: [ROOT] });

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  stdoutBytes: number;
}

export interface CliRunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Text piped to stdin (stdin is closed and empty otherwise). */
  input?: string;
  /** Kill the child after this many ms (a hang is a failure, not a stuck suite). Default 120 s. */
  timeoutMs?: number;
  /** Extra node flags placed before the entry (e.g. --require a guard). */
  nodeArgs?: string[];
  /**
   * Send stdout through a real pipe into `cat` (`contextzip … | cat`), as a shell pipeline
   * does. Node's own child stdio is a socket pair with a larger buffer, which hides pipe bugs.
   */
  shellPipe?: boolean;
}

export function runCli(args: string[], options: CliRunOptions = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const argv = [process.execPath, ...(options.nodeArgs ?? []), '--import', TSX, CLI, ...args];
    const [cmd, ...rest] = options.shellPipe
      ? ['bash', '-c', '"$@" | cat; exit "${PIPESTATUS[0]}"', 'bash', ...argv]
      : argv;
    const child = spawn(cmd, rest, {
      cwd: options.cwd ?? ROOT,
      env: mergeEnv(options.env),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const buf = Buffer.concat(out);
      resolve({ code, signal, stdout: buf.toString('utf8'), stderr, stdoutBytes: buf.length });
    });
    child.stdin.on('error', () => undefined); // the CLI may exit without reading stdin
    child.stdin.end(options.input ?? '');
  });
}

/** A fresh temporary folder, removed by the caller with `rmTmp`. */
export function tmpDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `cz-rob-${prefix}-`));
}

export function rmTmp(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

/** Writes files given as {relative path: content} under dir. */
export function writeTree(dir: string, files: Record<string, string | Buffer>): void {
  for (const [rel, content] of Object.entries(files)) {
    const p = path.join(dir, rel);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, content);
  }
}

/** A Python file with `n` small functions (about 60 bytes of JSON per chunk). */
export function pythonFile(i: number, n = 3): string {
  const parts: string[] = [];
  for (let j = 0; j < n; j++) parts.push(`def f_${i}_${j}(x):\n    return x + ${i * 100 + j}\n`);
  return parts.join('\n');
}

/** A hermetic environment: caches under `home` so no test touches the user's ~/.cache. */
export function isolatedEnv(home: string): NodeJS.ProcessEnv {
  // CONTEXTZIP_CACHE (set by .ci/run for code-server) would win over XDG_CACHE_HOME: unset it.
  return { HOME: home, XDG_CACHE_HOME: path.join(home, '.cache'), CONTEXTZIP_CACHE: undefined };
}

/** This process's environment with `extra` applied; keys set to undefined are removed. */
function mergeEnv(extra: NodeJS.ProcessEnv | undefined): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k];
  return env;
}

export interface TtyRun {
  code: number | null;
  /** What the CLI wrote to its terminal (stderr; stdin and stderr are the pseudo-terminal). */
  terminal: string;
  /** What it wrote to stdout, redirected to a file (not the terminal). */
  stdout: string;
  /** Milliseconds from the start to the first terminal output containing `firstMatch`, if seen. */
  firstMatchMs?: number;
}

/** Whether util-linux `script` (a pseudo-terminal for a child) is on this machine. */
export function hasScript(): boolean {
  return spawnSync('script', ['--version'], { stdio: 'ignore' }).status === 0;
}

const shellQuote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * Runs the CLI with stderr (and stdin) on a pseudo-terminal, as in an interactive shell, and
 * stdout redirected to a file: `script -qfec 'contextzip … >out' /dev/null`. `stopAfterMatch`
 * ends the run once `firstMatch` appears (for commands that would run long).
 */
export function runCliInTty(
  args: string[],
  options: CliRunOptions & { firstMatch?: RegExp; stopAfterMatch?: boolean } = {},
): Promise<TtyRun> {
  return new Promise((resolve, reject) => {
    const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cz-rob-tty-'));
    const outFile = path.join(outDir, 'stdout');
    const argv = [process.execPath, '--import', TSX, CLI, ...args];
    const command = `${argv.map(shellQuote).join(' ')} >${shellQuote(outFile)}`;
    const t0 = Date.now();
    const child = spawn('script', ['-qfec', command, '/dev/null'], {
      cwd: options.cwd ?? ROOT,
      env: mergeEnv(options.env),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let terminal = '';
    let firstMatchMs: number | undefined;
    child.stdout.on('data', (d: Buffer) => {
      terminal += d.toString();
      if (firstMatchMs === undefined && options.firstMatch?.test(terminal)) {
        firstMatchMs = Date.now() - t0;
        if (options.stopAfterMatch) child.kill('SIGTERM'); // the CLI gets SIGHUP from its terminal
      }
    });
    child.stderr.on('data', (d: Buffer) => (terminal += d.toString()));
    child.on('error', reject);
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      const stdout = fs.existsSync(outFile) ? fs.readFileSync(outFile, 'utf8') : '';
      fs.rmSync(outDir, { recursive: true, force: true });
      resolve({ code, terminal, stdout, firstMatchMs });
    });
    child.stdin.end(options.input ?? '');
  });
}

/**
 * A temp folder for one describe block (created before its tests, removed after them), with an
 * environment that keeps the CLI's caches and home inside it; `setup` fills the folder.
 */
export function isolatedWorkspace(
  prefix: string,
  setup?: (dir: string) => void,
): { readonly dir: string; readonly env: NodeJS.ProcessEnv } {
  const ws = { dir: '', env: {} as NodeJS.ProcessEnv };
  before(() => {
    ws.dir = tmpDir(prefix);
    ws.env = isolatedEnv(ws.dir);
    setup?.(ws.dir);
  });
  after(() => rmTmp(ws.dir));
  return ws;
}
