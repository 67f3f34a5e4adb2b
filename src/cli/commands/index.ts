/** Every subcommand registers itself here; one line per command keeps merges trivial. */
import type { Command } from 'commander';

export function registerCommands(program: Command): void {
  void program;
}
