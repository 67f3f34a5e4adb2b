/**
 * Secrets never reach a compressed context. Two layers:
 * - files that hold secrets by their name (.env, keys, certificates, credentials) are in the
 *   default excludes of folder scans (SECRET_FILE_EXCLUDES);
 * - inside files that are read, high-confidence secrets (private key blocks, cloud and API
 *   tokens) are replaced by a marker before chunking, and each replacement is reported.
 *
 * Detection is secretlint's maintained rule set (`@secretlint/secretlint-rule-preset-recommend`:
 * private keys, AWS, GCP, GitHub, GitLab, Slack, OpenAI, Anthropic, npm, SendGrid, Shopify,
 * Hugging Face, database connection strings with passwords, basic-auth URLs and more), run
 * locally through `@secretlint/core`; AWS access key ids are scanned too. Its rules are tuned
 * for few false positives, so a masked span is almost always a real credential.
 */

/** gitignore-syntax patterns of files that hold secrets whatever their content looks like. */
export const SECRET_FILE_EXCLUDES: readonly string[] = [
  '.env*',
  '*.pem',
  '*.key',
  '*.p12',
  '*.pfx',
  '*.jks',
  '*.keystore',
  'id_rsa*',
  'id_dsa*',
  'id_ecdsa*',
  'id_ed25519*',
  '.npmrc',
  '.pypirc',
  '.netrc',
  '_netrc',
  '.git-credentials',
  'credentials',
  'credentials.json',
  '.htpasswd',
];

export interface SecretFinding {
  /** File the secret was found in (as given to maskSecrets). */
  file: string;
  /** 1-based line of the secret's first character in the original text. */
  line: number;
  /** What was found, e.g. "GITHUB_TOKEN" or "PrivateKey" (the rule's message id). */
  kind: string;
  /** The secretlint rule that found it. */
  rule: string;
}

export interface MaskedText {
  text: string;
  findings: SecretFinding[];
}

/** The text put in place of a secret. */
export function secretMarker(kind: string): string {
  return `[secret masked by contextzip: ${kind}]`;
}

type LintSource = typeof import('@secretlint/core').lintSource;
type SecretLintCoreConfig = Parameters<LintSource>[0]['options']['config'];
let engine: Promise<{ lintSource: LintSource; config: SecretLintCoreConfig }> | undefined;

/** secretlint is ESM-only: loaded once, on first use. */
function loadEngine(): Promise<{ lintSource: LintSource; config: SecretLintCoreConfig }> {
  engine ??= Promise.all([import('@secretlint/core'), import('@secretlint/secretlint-rule-preset-recommend')]).then(
    ([core, preset]) => ({
      lintSource: core.lintSource,
      config: {
        rules: [
          {
            id: '@secretlint/secretlint-rule-preset-recommend',
            rule: preset.creator,
            rules: [{ id: '@secretlint/secretlint-rule-aws', options: { enableIDScanRule: true } }],
          },
        ],
      },
    }),
  );
  return engine;
}

function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

/**
 * Replaces every high-confidence secret in `text` by secretMarker(kind) (plus the line breaks
 * the secret spanned) and lists what was replaced. A text without secrets comes back unchanged.
 */
export async function maskSecrets(text: string, file: string): Promise<MaskedText> {
  const { lintSource, config } = await loadEngine();
  const ext = file.includes('.') ? file.slice(file.lastIndexOf('.')) : '';
  const result = await lintSource({
    // secretlint's profiler breaks on a path with a line break (legal in file names); the
    // content is what is checked, so control characters are replaced in the path it sees.
    // eslint-disable-next-line no-control-regex
    source: { content: text, filePath: file.replace(/[\u0000-\u001f\u007f]/g, '_'), ext, contentType: 'text' },
    options: { config, noPhysicFilePath: true },
  });
  // Overlapping findings (two rules on one key) merge into the first; replace from the end.
  const spans = result.messages
    .filter((m) => m.type === 'message' && m.range[1] > m.range[0])
    .map((m) => ({ start: m.range[0], end: m.range[1], kind: m.messageId, rule: m.ruleId }))
    .sort((a, b) => a.start - b.start || b.end - a.end);
  const merged: typeof spans = [];
  for (const s of spans) {
    const last = merged.at(-1);
    if (last && s.start < last.end) last.end = Math.max(last.end, s.end);
    else merged.push({ ...s });
  }
  if (merged.length === 0) return { text, findings: [] };
  let out = text;
  for (let i = merged.length - 1; i >= 0; i--) {
    const s = merged[i];
    // The span's line breaks stay, so every line after a masked key block keeps its number.
    const newlines = text.slice(s.start, s.end).split('\n').length - 1;
    out = out.slice(0, s.start) + secretMarker(s.kind) + '\n'.repeat(newlines) + out.slice(s.end);
  }
  return {
    text: out,
    findings: merged.map((s) => ({ file, line: lineAt(text, s.start), kind: s.kind, rule: s.rule })),
  };
}

/**
 * Masks the secrets of every source in place (see maskSecrets) and lists what was masked, in
 * source order. The one loop the CLI, the MCP server and the editor's compressions share.
 */
export async function maskSourceSecrets(
  sources: { file: string; text: string }[],
  onFile?: (done: number, total: number) => void,
): Promise<SecretFinding[]> {
  const findings: SecretFinding[] = [];
  for (const [k, src] of sources.entries()) {
    onFile?.(k, sources.length);
    const masked = await maskSecrets(src.text, src.file);
    src.text = masked.text;
    findings.push(...masked.findings);
  }
  return findings;
}

/** "Masked 2 secrets (a.ts:3 AWSAccessKeyID, …)." — file, line and kind, never the value. */
export function maskedSecretsNote(findings: readonly SecretFinding[], max = 5): string {
  const where = findings.slice(0, max).map((s) => `${s.file}:${s.line} ${s.kind}`);
  const more = findings.length > max ? `, and ${findings.length - max} more` : '';
  return `Masked ${findings.length} secret${findings.length === 1 ? '' : 's'} (${where.join(', ')}${more}).`;
}
