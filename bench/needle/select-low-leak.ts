// Applies the needle benchmark's documented selection rule ("preferring candidates whose name shares
// fewer words with the query", shared/bench/needle-dev/README.md rule 7) to our own held-out tasks:
// per repository, the half with the lowest name leak (share of the needle name's words found in the
// query). Without it our tasks leak more of the name than the benchmark's (mean 0.46 vs 0.31), and a
// fitted fusion would lean on the name.
//   npx tsx bench/needle/select-low-leak.ts TASKS.jsonl OUT.jsonl
import fs from 'node:fs';
import { lexicalTokens } from '../../src/core/tokens/words.js';
const [inp, out] = process.argv.slice(2);
const byRepo = new Map<string, Array<{ line: string; leak: number; id: string }>>();
for (const line of fs.readFileSync(inp, 'utf8').trim().split('\n')) {
  const t = JSON.parse(line);
  const q = new Set(lexicalTokens(t.query));
  const w = [...new Set(lexicalTokens(t.needle?.name ?? t.chunks?.[t.needle]?.name ?? ''))];
  const leak = w.length ? w.filter((x) => q.has(x)).length / w.length : 0;
  const repo = t.id.split('.').slice(1, -1).join('.');
  if (!byRepo.has(repo)) byRepo.set(repo, []);
  byRepo.get(repo)!.push({ line, leak, id: t.id });
}
const kept: string[] = [];
for (const xs of byRepo.values()) {
  xs.sort((a, b) => a.leak - b.leak || (a.id < b.id ? -1 : 1));
  kept.push(...xs.slice(0, Math.ceil(xs.length / 2)).map((x) => x.line));
}
fs.writeFileSync(out, kept.join('\n') + '\n');
console.log(kept.length);
