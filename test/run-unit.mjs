// Runs every test/unit/**/*.test.ts and test/robustness/**/*.test.ts (the hostile-input
// battery) with node's built-in test runner (TypeScript via tsx).
// Node 20's --test does not expand globs itself, so we collect the files here.
// Usage: node test/run-unit.mjs [substring-filter...]
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const filters = process.argv.slice(2);
const files = [];
function walk(dir) {
  for (const ent of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, ent.name);
    if (ent.isDirectory()) walk(p);
    else if (ent.name.endsWith('.test.ts') && (filters.length === 0 || filters.some((f) => p.includes(f))))
      files.push(p);
  }
}
walk('test/unit');
walk('test/robustness');
files.sort();
const r = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-concurrency=1', ...files],
  { stdio: 'inherit' },
);
process.exit(r.status ?? 1);
