/** Every subcommand registers itself here; one line per command keeps merges trivial. */
import type { Command } from 'commander';
import { register as registerCompress } from './compress.js';
import { register as registerLogprobs } from './logprobs.js';
import { register as registerCot } from './cot.js';
import { register as registerCotBatch } from './cot-batch.js';
import { register as registerChunks } from './chunks.js';
import { register as registerInspect } from './inspect.js';
import { register as registerMcp } from './mcp.js';

export function registerCommands(program: Command): void {
  registerCompress(program);
  registerLogprobs(program);
  registerCot(program);
  registerCotBatch(program);
  registerChunks(program);
  registerInspect(program);
  registerMcp(program);
}
