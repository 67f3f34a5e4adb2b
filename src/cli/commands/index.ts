/** Every subcommand registers itself here; one line per command keeps merges trivial. */
import type { Command } from 'commander';
import { register as registerLogprobs } from './logprobs.js';

export function registerCommands(program: Command): void {
  registerLogprobs(program);
}
