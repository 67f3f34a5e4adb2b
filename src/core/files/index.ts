/** Files of a scope -> texts for the chunker (see collect.ts and read.ts). */
export {
  collectSourceFiles,
  loadSourceFiles,
  DEFAULT_EXCLUDES,
  IGNORE_FILES,
  type CollectOptions,
  type CollectedFiles,
  type LoadedFile,
} from './collect.js';
export {
  readSourceFile,
  classifySourceBytes,
  binaryReason,
  minifiedReason,
  DEFAULT_MAX_FILE_BYTES,
  type ReadOptions,
  type ReadResult,
} from './read.js';
export {
  maskSecrets,
  maskSourceSecrets,
  maskedSecretsNote,
  secretMarker,
  SECRET_FILE_EXCLUDES,
  type SecretFinding,
  type MaskedText,
} from './secrets.js';
