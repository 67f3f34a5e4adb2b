/** Reasoning-trace compression (docs/ALGORITHMS.md §2): the public surface of core/cot. */
export { splitTrace, splitSteps, assembleTrace, type TraceStep, type SplitTrace } from './steps.js';
export { detectFinalAnswer, fencedBlocks, type FinalAnswer, type AnswerSource } from './answer.js';
export {
  answerCodeLines,
  answerIdentifiers,
  lexicalAnchor,
  topAmiSteps,
  isStopword,
  type AnchorReason,
  type LexicalAnchor,
} from './anchors.js';
export {
  firstTokenSurprisal,
  planSurprisalWindows,
  readFirstTokenSurprisal,
  tokenCoveringOffset,
  firstNonWhitespace,
  type SurprisalInput,
  type SurprisalWindow,
} from './surprisal.js';
export {
  pruneToBudget,
  nextRemoval,
  estimateKeptTokens,
  type PruneItem,
  type PruneInput,
  type PruneOutcome,
} from './prune.js';
export { sequenceRatio } from './difflib.js';
export {
  checkAnchorCompression,
  applyChatStage1,
  MIN_PARAGRAPH_RATIO,
  type AnchorModel,
  type AnchorCheck,
  type ChatStage1Outcome,
} from './anchorModel.js';
export {
  compressTrace,
  clipToModelTokens,
  type CotOptions,
  type CotResult,
  type CotStepReport,
  type TraceStage,
} from './compress.js';
export {
  runCotBatch,
  distribution,
  quantile,
  recordStats,
  DEFAULT_BATCH_FIELDS,
  type CotBatchFields,
  type CotBatchOptions,
  type CotBatchProgress,
  type CotBatchSummary,
  type Distribution,
} from './batch.js';
export {
  cotJobHandlers,
  type CotJobPayload,
  type CotBatchJobPayload,
  type CotBatchJobResult,
  type CotJobContext,
  type CotModelSpec,
  type ScorerProvider,
} from './jobs.js';
