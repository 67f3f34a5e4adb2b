/** Needle tasks (the data set's tasks.jsonl format) for the in-process benchmark scripts. */
import fs from 'node:fs';

export interface NeedleTask {
  id: string;
  language: string;
  query: string;
  files: Array<{ path: string; content: string }>;
  needle: { path: string; startLine: number; endLine: number; code: string; name: string };
}

export function loadNeedleTasks(file: string, options: { filter?: string; limit?: string } = {}): NeedleTask[] {
  let tasks = fs
    .readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as NeedleTask);
  if (options.filter) tasks = tasks.filter((t) => t.id.includes(options.filter!));
  if (options.limit) tasks = tasks.slice(0, Number(options.limit));
  return tasks;
}

/** Index of the chunk with the largest line overlap with the task's needle (-1: none overlaps). */
export function needleChunkIndex(
  task: NeedleTask,
  chunks: Array<{ file: string; startLine: number; endLine: number }>,
): number {
  const n = task.needle;
  const overlap = (c: { file: string; startLine: number; endLine: number }) =>
    c.file !== n.path ? 0 : Math.max(0, Math.min(c.endLine, n.endLine) - Math.max(c.startLine, n.startLine) + 1);
  let best = -1;
  chunks.forEach((c, i) => {
    if (overlap(c) > 0 && (best < 0 || overlap(c) > overlap(chunks[best]))) best = i;
  });
  return best;
}
