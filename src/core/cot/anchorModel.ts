/**
 * Optional stage 1 with a chat model (docs/ALGORITHMS.md §2.2, the paper's method): the model
 * writes a direct "anchor" explanation from the problem and the final answer, then proposes
 * a compressed trace keeping what serves that explanation. The proposal is accepted only if
 * every paragraph of it matches, in order, an original step with
 * difflib.SequenceMatcher ratio >= 0.6 (no paraphrase, no reordering); the matched ORIGINAL
 * steps are what stage 1 keeps (output stays verbatim). Otherwise we fall back to the local
 * stage 1 and say why.
 *
 * Core only defines the interface; the VS Code implementation (vscode.lm, only the model the
 * user picked) lives in src/extension/cot/.
 */
import { sequenceRatio } from './difflib.js';
import { splitSteps } from './steps.js';

export interface AnchorModel {
  /** Short id of the model for reports (e.g. "copilot/gpt-4o"). */
  readonly id?: string;
  explain(problem: string, answer: string): Promise<string>;
  compress(trace: string, anchorExplanation: string): Promise<string>;
}

export const MIN_PARAGRAPH_RATIO = 0.6;

export type AnchorCheck = { valid: true; matched: number[]; ratios: number[] } | { valid: false; reason: string };

/**
 * Greedy in-order matching: each proposed paragraph (split with the same rules as the trace)
 * is matched to the first not-yet-passed original step with ratio >= minRatio. Greedy
 * earliest matching finds an in-order assignment whenever one exists.
 * `sequenceRatio(proposed, original)`: the proposal is difflib's `a`, the original its `b`.
 */
export function checkAnchorCompression(
  originalSteps: readonly string[],
  proposal: string,
  minRatio = MIN_PARAGRAPH_RATIO,
): AnchorCheck {
  const paragraphs = splitSteps(proposal.replace(/<\/?think>/g, '')).map((s) => s.text);
  if (paragraphs.length === 0) return { valid: false, reason: 'the model returned no paragraphs' };
  const matched: number[] = [];
  const ratios: number[] = [];
  let next = 0;
  for (let p = 0; p < paragraphs.length; p++) {
    const para = paragraphs[p];
    let found = -1;
    let best = 0;
    for (let k = next; k < originalSteps.length; k++) {
      const orig = originalSteps[k];
      // difflib's real_quick_ratio: an upper bound that skips hopeless pairs.
      const la = Array.from(para).length;
      const lb = Array.from(orig).length;
      if (la + lb > 0 && (2 * Math.min(la, lb)) / (la + lb) < minRatio) continue;
      const r = sequenceRatio(para, orig);
      if (r > best) best = r;
      if (r >= minRatio) {
        found = k;
        ratios.push(r);
        break;
      }
    }
    if (found < 0) {
      const preview = para.length > 60 ? `${para.slice(0, 57)}...` : para;
      return {
        valid: false,
        reason: `paragraph ${p + 1} of the model's proposal ("${preview.replace(/\s+/g, ' ')}") matches no remaining original step in order (best ratio ${best.toFixed(2)} < ${minRatio})`,
      };
    }
    matched.push(found);
    next = found + 1;
  }
  return { valid: true, matched, ratios };
}

export interface ChatStage1Outcome {
  /** Steps stage 1 removes (unanchored steps the proposal left out); empty when rejected. */
  removed: number[];
  /** Anchored steps the proposal left out (kept anyway). */
  restored: number[];
  /** Set when the proposal was rejected (then the local stage 1 applies). */
  rejectedReason?: string;
}

/**
 * Applies a chat model's stage-1 proposal to the original steps: if it passes the check, the
 * unanchored steps it left out are removed; anchored steps are never removed.
 */
export function applyChatStage1(
  originalSteps: readonly string[],
  anchored: readonly boolean[],
  proposal: string,
): ChatStage1Outcome {
  const check = checkAnchorCompression(originalSteps, proposal);
  if (!check.valid) return { removed: [], restored: [], rejectedReason: check.reason };
  const keep = new Set(check.matched);
  const removed: number[] = [];
  const restored: number[] = [];
  originalSteps.forEach((_, i) => {
    if (keep.has(i)) return;
    if (anchored[i]) restored.push(i);
    else removed.push(i);
  });
  return { removed, restored };
}
