/**
 * Secrets in the editor's compressions: the sources collected for a compress command, the
 * @contextzip participant or a language-model tool are masked before they reach the worker,
 * as `contextzip compress` and the MCP server do (core/files/secrets.ts), unless the setting
 * `contextzip.maskSecrets` is off. No vscode import, so it is unit-tested directly.
 */
import type { SourceText } from '../../core/code/compress-sources.js';
import { maskSourceSecrets, maskedSecretsNote, type SecretFinding } from '../../core/files/index.js';

export interface MaskedSources {
  /** What was masked: label of the file (a selection's label loses its line range), line in that file, kind. */
  findings: SecretFinding[];
  /** The line for the log and the result's warnings; undefined when nothing was masked. */
  note?: string;
}

/**
 * Masks the secrets of `sources` in place when `enabled`. `lineOffsets` (label -> 0-based line
 * of the source's first line, for selections such as `a.ts:12-20`) makes reported lines those
 * of the file. The note names file:line and kind, never the value, and is logged.
 */
export async function maskCollectedSources(
  sources: SourceText[],
  options: {
    enabled: boolean;
    log?: { info(message: string): void };
    lineOffsets?: Readonly<Record<string, number>>;
    onFile?: (done: number, total: number) => void;
  },
): Promise<MaskedSources> {
  if (!options.enabled || sources.length === 0) return { findings: [] };
  const raw = await maskSourceSecrets(sources, options.onFile);
  const findings = raw.map((f) => {
    const offset = options.lineOffsets?.[f.file];
    return offset ? { ...f, file: f.file.replace(/:\d+-\d+$/, ''), line: f.line + offset } : f;
  });
  if (findings.length === 0) return { findings };
  const note = `${maskedSecretsNote(findings)} Set contextzip.maskSecrets to false to keep them.`;
  options.log?.info(note);
  return { findings, note };
}

/** The result with the note added to its warnings (a copy; the result itself is not changed). */
export function withMaskNote<R extends { warnings?: string[] }>(result: R, masked: MaskedSources): R {
  return masked.note ? { ...result, warnings: [...(result.warnings ?? []), masked.note] } : result;
}
