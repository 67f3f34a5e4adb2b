// Runs the same integration suite in desktop VS Code through @vscode/test-electron, for
// contributors whose machine can download VS Code (from update.code.visualstudio.com; the
// download is cached in .vscode-test/). CI here uses run-tests.mjs (code-server) instead.
//
// usage: node tools/vscode-test/run-electron.mjs [--workspace DIR]
// env: VSCODE_VERSION (default "stable"; e.g. "1.100.3"), VSCODE_EXECUTABLE (use an installed VS Code)
// On a Linux machine without a display, run it under xvfb-run.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runTests } from '@vscode/test-electron';
import { repoRoot } from './code-server.mjs';

const i = process.argv.indexOf('--workspace');
const wsSource =
  i >= 0 ? path.resolve(process.argv[i + 1]) : path.join(repoRoot, 'test/integration/fixtures/workspace');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cz-electron-'));
const ws = path.join(tmp, path.basename(wsSource));
fs.cpSync(wsSource, ws, { recursive: true });

let code = 1;
try {
  await runTests({
    version: process.env.VSCODE_VERSION || 'stable',
    vscodeExecutablePath: process.env.VSCODE_EXECUTABLE || undefined,
    extensionDevelopmentPath: repoRoot,
    extensionTestsPath: path.join(repoRoot, 'out/test/suite/index.js'),
    launchArgs: [
      ws,
      '--disable-extensions', // only the extension under development
      '--disable-workspace-trust',
      '--skip-welcome',
      '--skip-release-notes',
      `--user-data-dir=${path.join(tmp, 'ud')}`,
      `--extensions-dir=${path.join(tmp, 'ext')}`,
    ],
  });
  code = 0;
} catch (err) {
  console.error('run-electron:', err instanceof Error ? err.message : err);
} finally {
  fs.rmSync(tmp, { recursive: true, force: true });
}
process.exit(code);
