import * as path from 'node:path';
import * as vscode from 'vscode';
import { createChunker, languageForPath, type Chunker, type LanguageId } from '../../core/chunk/index.js';
import { createTokenCounter, type TokenCounter } from '../../core/tokens/index.js';
import type { ChunkedFile } from '../../core/types.js';
import type { ContextZipLog } from '../log.js';
import { readSettings } from '../settings.js';

/**
 * The tree-sitter chunkers of the extension host, from the wasm files shipped in dist/wasm.
 * Grammars load lazily, one language at a time, the first time a file of that language is
 * chunked: loading all fourteen up front costs seconds of extension-host time.
 */
export class ChunkerService implements vscode.Disposable {
  private readonly chunkers = new Map<LanguageId | 'plaintext', Promise<Chunker>>();

  constructor(
    private readonly extensionPath: string,
    private readonly log: ContextZipLog,
  ) {}

  /** A chunker with the grammar of `language` loaded (none for plaintext: line chunks only). */
  get(language: LanguageId | null = null): Promise<Chunker> {
    const key = language ?? 'plaintext';
    let chunker = this.chunkers.get(key);
    if (!chunker) {
      const started = Date.now();
      const wasmDir = path.join(this.extensionPath, 'dist', 'wasm');
      chunker = createChunker({ wasmDir, languages: language ? [language] : [] }).then(
        (c) => {
          if (language) this.log.info(`Loaded the ${language} grammar in ${Date.now() - started} ms`);
          return c;
        },
        (err: unknown) => {
          this.chunkers.delete(key);
          throw err;
        },
      );
      this.chunkers.set(key, chunker);
    }
    return chunker;
  }

  /**
   * Chunks one file with the current settings (token counts in `contextzip.tokenizer`).
   * `language` forces a grammar (e.g. from the editor's language mode for untitled files).
   */
  async chunkFile(
    relPath: string,
    text: string,
    scope?: vscode.ConfigurationScope,
    language?: LanguageId,
  ): Promise<ChunkedFile> {
    const lang = language ?? languageForPath(relPath, text);
    const chunker = await this.get(lang);
    const settings = readSettings(scope);
    return chunker.chunkFile(relPath, text, {
      maxClassTokens: settings.maxClassTokens,
      countTokens: this.tokenCounter(settings.tokenizer),
      language: lang ?? 'plaintext',
    });
  }

  /**
   * Loads the grammar of a document and the configured tokenizer ahead of the first command,
   * so "Show Chunks" answers at once. Errors are left for the real call to report.
   */
  async warmUp(document: vscode.TextDocument | undefined): Promise<void> {
    try {
      this.tokenCounter(readSettings(document?.uri).tokenizer);
      const lang = document ? languageForPath(vscode.workspace.asRelativePath(document.uri), document.getText()) : null;
      if (lang) await this.get(lang);
    } catch {
      // reported by the command that needs it
    }
  }

  private readonly counters = new Map<string, TokenCounter>();

  private tokenCounter(name: string): TokenCounter {
    let counter = this.counters.get(name);
    if (!counter) {
      const started = Date.now();
      try {
        counter = createTokenCounter(name);
        counter('warm up'); // loads the encoding tables now, so the log can say what it cost
        if (name !== 'estimate') this.log.info(`Loaded the ${name} tokenizer in ${Date.now() - started} ms`);
      } catch (err) {
        this.log.error(`tokenizer ${name} unavailable, counting with the estimate`, err);
        counter = createTokenCounter('estimate');
      }
      this.counters.set(name, counter);
    }
    return counter;
  }

  dispose(): void {
    for (const c of this.chunkers.values())
      void c.then(
        (x) => x.dispose(),
        () => undefined,
      );
    this.chunkers.clear();
  }
}
