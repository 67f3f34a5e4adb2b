/** Every subcommand registers itself here; one line per command keeps merges trivial. */
import type { Command } from 'commander';
import { register as registerLogprobs } from './logprobs.js';
import { register as registerCot } from './cot.js';
import { register as registerCotBatch } from './cot-batch.js';

export function registerCommands(program: Command): void {
  registerLogprobs(program);
  registerCot(program);
  registerCotBatch(program);
}
