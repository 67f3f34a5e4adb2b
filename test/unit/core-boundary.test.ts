/**
 * docs/ARCHITECTURE.md: core/ depends on nothing above it. Scans every import in src/core and
 * fails on 'vscode' or on a path into extension/, cli/ or worker/.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

const CORE = path.join(__dirname, '..', '..', 'src', 'core');

function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const ent of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, ent.name);
    if (ent.isDirectory()) out.push(...tsFiles(p));
    else if (ent.name.endsWith('.ts')) out.push(p);
  }
  return out.sort();
}

const IMPORT =
  /(?:\bimport\s+(?:type\s+)?(?:[^'"`;]*?\s+from\s+)?|\bexport\s+(?:type\s+)?[^'"`;]*?\s+from\s+|\bimport\s*\(\s*|\brequire\s*\(\s*)['"]([^'"]+)['"]/g;

export function forbiddenImports(file: string, source: string): string[] {
  const bad: string[] = [];
  for (const m of source.matchAll(IMPORT)) {
    const spec = m[1];
    if (spec === 'vscode' || spec.startsWith('vscode/')) bad.push(spec);
    else if (spec.startsWith('.')) {
      const target = path.resolve(path.dirname(file), spec);
      const rel = path.relative(CORE, target);
      if (rel.startsWith('..')) bad.push(spec);
    }
  }
  return bad;
}

test('src/core imports neither vscode nor extension/cli/worker code', () => {
  const files = tsFiles(CORE);
  assert.ok(files.length > 5, 'expected core sources');
  const problems: string[] = [];
  for (const f of files) {
    for (const spec of forbiddenImports(f, fs.readFileSync(f, 'utf8')))
      problems.push(`${path.relative(CORE, f)} imports '${spec}'`);
  }
  assert.deepEqual(problems, []);
});

test('the import scanner catches the forbidden forms', () => {
  const f = path.join(CORE, 'chunk', 'x.ts');
  const src = [
    "import * as vscode from 'vscode';",
    "import { a } from '../../extension/a.js';",
    "export { b } from '../../cli/commands/b.js';",
    "const w = require('../../worker/worker');",
    "const d = await import('../../extension/lazy.js');",
    "import type { Chunk } from '../types.js';",
    "import { x } from './x.js';",
  ].join('\n');
  assert.deepEqual(forbiddenImports(f, src), [
    'vscode',
    '../../extension/a.js',
    '../../cli/commands/b.js',
    '../../worker/worker',
    '../../extension/lazy.js',
  ]);
});
