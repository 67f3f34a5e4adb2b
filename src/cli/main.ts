/**
 * The `contextzip` command: thin argument parsing over the core engine.
 * Each subcommand lives in ./commands/<name>.ts and exports `register(program)`.
 * Exit codes: 0 success, 1 failure, 2 bad arguments.
 */
import { Command, CommanderError } from 'commander';
import { ContextZipError, UsageError } from '../core/errors.js';
import { registerCommands } from './commands/index.js';

/** The package version, inlined by esbuild from package.json (and read by tsx from source). */
import { version as CLI_VERSION } from '../../package.json';

export async function main(argv: string[]): Promise<number> {
  const program = new Command();
  program
    .name('contextzip')
    .description('Compress code context and reasoning traces for AI assistants with a local language model.')
    .version(CLI_VERSION, '-V, --version', 'print the contextzip version')
    .option('--verbose', 'print stack traces on errors')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  registerCommands(program);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    return reportError(err, argv.includes('--verbose'));
  }
}

/** One line on stderr naming the problem; exit 2 for usage errors, 1 otherwise. */
export function reportError(err: unknown, verbose: boolean): number {
  if (err instanceof CommanderError) {
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.exitCode === 0) return 0;
    return 2; // commander already printed its one-line message
  }
  if (verbose && err instanceof Error) process.stderr.write(`${err.stack}\n`);
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`contextzip: ${message.split('\n')[0]}\n`);
  if (err instanceof UsageError) return 2;
  if (err instanceof ContextZipError && err.code === 'usage') return 2;
  return 1;
}

/**
 * Ends the process once stdout and stderr have drained. `process.exit()` right after a large
 * write drops whatever is still queued: on a pipe only the first 64 KB (the kernel buffer)
 * arrive. An empty write's callback runs after every earlier write has been flushed.
 */
export function exitAfterDrain(code: number): void {
  process.exitCode = code;
  let pending = 2;
  const done = (): void => {
    if (--pending === 0) process.exit(code);
  };
  for (const stream of [process.stdout, process.stderr]) {
    if (stream.destroyed || !stream.writable) done();
    else stream.write('', done);
  }
}

/** A closed reader (`contextzip … | head`) is not an error of ours: stop quietly. */
function exitQuietlyOnEpipe(stream: NodeJS.WriteStream): void {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
}

if (require.main === module) {
  exitQuietlyOnEpipe(process.stdout);
  main(process.argv.slice(2)).then(exitAfterDrain, (err) =>
    exitAfterDrain(reportError(err, process.argv.includes('--verbose'))),
  );
}
