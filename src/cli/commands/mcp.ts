/** `contextzip mcp`: the stdio MCP server (src/mcp/server.ts) with the model options of the other commands. */
import type { Command } from 'commander';
import { UsageError } from '../../core/errors.js';
import { parseDtype } from '../../core/model/index.js';
import { runStdioMcpServer } from '../../mcp/server.js';
import { addModelSourceOptions, remoteSpecFromOptions, type ModelCliOptions } from '../model-options.js';
import { version } from '../../../package.json';

interface McpCliOptions extends ModelCliOptions {
  model: string;
  dtype: string;
  tokenizer: string;
  maxFileBytes: string;
}

export function register(program: Command): void {
  addModelSourceOptions(
    program
      .command('mcp')
      .description('run a Model Context Protocol server on stdio with the tools compress_code and compress_reasoning'),
  )
    .option('--tokenizer <name>', 'count budgets with o200k_base, cl100k_base, model or estimate', 'o200k_base')
    .option('--max-file-bytes <n>', 'skip files larger than this', String(1024 * 1024))
    .action(async (opts: McpCliOptions) => {
      const maxFileBytes = Number(opts.maxFileBytes);
      if (!Number.isFinite(maxFileBytes) || maxFileBytes <= 0)
        throw new UsageError(`--max-file-bytes must be a positive number (got "${opts.maxFileBytes}").`);
      const remote = remoteSpecFromOptions(opts);
      await runStdioMcpServer({
        model: {
          model: opts.model,
          dtype: parseDtype(opts.dtype),
          cacheDir: opts.cacheDir,
          allowDownload: opts.download === true,
          remote,
        },
        tokenizer: opts.tokenizer,
        cwd: process.cwd(),
        maxFileBytes,
        version,
        log: (line) => process.stderr.write(`contextzip mcp: ${line}\n`),
      });
    });
}
