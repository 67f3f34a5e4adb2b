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
