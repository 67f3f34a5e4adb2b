/**
 * `contextzip chunks`: how files split into chunks (tree-sitter definitions, code between
 * them, fallbacks), as a table grouped by file or as JSON (docs/ARCHITECTURE.md, command-line contracts: an array of
 * `{file, name, kind, startLine, endLine, tokens, parent}`, plus headerLines and language).
 */
import type { Command } from 'commander';
import fs from 'node:fs';
import path from 'node:path';
import { createChunker } from '../../core/chunk/index.js';
import { lineSafeFileName } from '../../core/code/markers.js';
import { UsageError } from '../../core/errors.js';
import { loadSourceFiles } from '../../core/files/index.js';
import type { ChunkedFile, SkippedFile } from '../../core/types.js';
import { parseOptionalNumber, RANGES, repeatable } from '../options.js';
import { createProgress, fileProgress } from '../progress.js';
import { noSourcesMessage } from '../scope.js';

interface ChunksOptions {
  json?: boolean;
  maxClassTokens?: string;
  exclude: string[];
  maxFileBytes?: string;
  allFiles?: boolean;
  followSymlinks?: boolean;
  quiet?: boolean;
}

function printTable(results: ChunkedFile[]): void {
  const out: string[] = [];
  for (const r of results) {
    const tokens = r.chunks.reduce((s, c) => s + c.tokens, 0);
    const how =
      r.method === 'fallback'
        ? `fallback: ${r.note ?? 'line chunks'}`
        : r.hadParseErrors
          ? 'tree-sitter, with syntax errors'
          : 'tree-sitter';
    out.push(`${lineSafeFileName(r.file)}  (${r.language}, ${how}, ${r.chunks.length} chunks, ${tokens} tokens)`);
    for (const c of r.chunks) {
      const lines = `L${c.startLine}-${c.endLine}`;
      const name = c.parent && c.kind !== 'header' ? `${c.parent} › ${c.name}` : c.name;
      out.push(`  ${lines.padEnd(12)} ${c.kind.padEnd(10)} ${name.padEnd(40)} ${String(c.tokens).padStart(6)}`);
    }
  }
  if (out.length > 0) process.stdout.write(`${out.join('\n')}\n`);
}

export function register(program: Command): void {
  program
    .command('chunks')
    .description('list the chunks files split into (tree-sitter definitions, code between them, fallbacks)')
    .argument('[paths...]', 'files and folders (relative to the current directory)')
    .option(
      '--json',
      'print a JSON array of {file, name, kind, startLine, endLine, tokens, parent, headerLines, language}',
    )
    .option('--max-class-tokens <n>', 'split classes/impls larger than this into header + members (default 400)')
    .option('--exclude <glob>', 'skip files matching a glob (repeatable)', repeatable, [] as string[])
    .option('--max-file-bytes <n>', 'skip files larger than this (default 1048576)')
    .option('--all-files', 'in folders, chunk every text file, not only known source languages')
    .option('--follow-symlinks', 'in folders, also read symbolic links whose target is outside the given folders')
    .option('-q, --quiet', 'no progress line (shown on stderr only when it is a terminal)')
    .action(async (paths: string[], opts: ChunksOptions) => {
      if (paths.length === 0) throw new UsageError('chunks needs at least one file or folder.');
      const maxClassTokens = parseOptionalNumber(opts.maxClassTokens, '--max-class-tokens', RANGES.maxClassTokens);
      const maxFileBytes = parseOptionalNumber(opts.maxFileBytes, '--max-file-bytes', RANGES.maxFileBytes);
      const root = process.cwd();
      for (const p of paths) {
        if (!fs.existsSync(path.resolve(root, p))) throw new UsageError(`No such file or folder: ${p}`);
      }
      const progress = createProgress({ quiet: opts.quiet });
      let results: ChunkedFile[];
      let skipped: SkippedFile[];
      try {
        progress.update('reading files', 0, 0, 'found');
        const loaded = loadSourceFiles({
          root,
          paths,
          exclude: opts.exclude,
          maxFileBytes,
          include: opts.allFiles ? 'all' : 'source',
          followSymlinks: opts.followSymlinks === true,
          onProgress: fileProgress(progress),
        });
        skipped = loaded.skipped;
        // Like compress: nothing to chunk is a usage error (exit 2) that says why.
        if (loaded.files.length === 0) throw new UsageError(noSourcesMessage(paths, skipped));
        progress.update('loading parsers', 0, 0);
        const chunker = await createChunker({ maxClassTokens, lazy: true });
        await chunker.loadFor(loaded.files); // only the grammars of the languages present
        try {
          results = loaded.files.map((f, k) => {
            progress.update('chunking', k, loaded.files.length, 'files');
            return chunker.chunkFile(f.file, f.text);
          });
        } finally {
          chunker.dispose();
        }
      } finally {
        progress.stop();
      }
      if (opts.json) {
        const rows = results.flatMap((r) =>
          r.chunks.map((c) => ({
            file: c.file,
            name: c.name,
            kind: c.kind,
            startLine: c.startLine,
            endLine: c.endLine,
            tokens: c.tokens,
            parent: c.parent,
            headerLines: c.headerLines,
            language: c.language,
          })),
        );
        process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
      } else {
        printTable(results);
        for (const s of skipped)
          process.stderr.write(`skipped ${lineSafeFileName(s.file)}: ${s.reason} (${s.detail})\n`);
      }
    });
}
