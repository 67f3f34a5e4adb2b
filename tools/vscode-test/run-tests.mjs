// Runs the extension's mocha suite inside a REAL VS Code: code-server's Node extension host,
// with the workbench hosted by headless Debian Chromium (playwright-core). VS Code's own
// extensionDevelopmentPath/extensionTestsPath mechanism loads the extension and the suite;
// mocha's output is relayed here and the process exits with the suite's exit code.
//
// usage: node tools/vscode-test/run-tests.mjs [--ext DIR] [--tests FILE.js] [--workspace DIR]
//   --ext        extension folder (default: the repository root; run `npm run build` first)
//   --tests      bundled suite entry (default: out/test/suite/index.js, see build-tests.mjs)
//   --workspace  folder to open; copied to a temp dir first (default: test/integration/fixtures/workspace)
// env: CODE_SERVER (binary), CHROMIUM (browser), TEST_TIMEOUT_MS (default 600000),
//      CS_VERBOSE=1 (code-server log), BROWSER_CONSOLE=1 (workbench console), MOCHA_GREP.
import fs from 'node:fs';
import path from 'node:path';
import {
  copyWorkspace,
  findCodeServer,
  launchChromium,
  makeState,
  pathArg,
  repoRoot,
  startCodeServer,
  stopCodeServer,
} from './code-server.mjs';

const extDev = pathArg('--ext', repoRoot);
const extTests = pathArg('--tests', path.join(repoRoot, 'out/test/suite/index.js'));
// The suite's expectations are written against this workspace (see its README.md).
const wsSource = pathArg('--workspace', path.join(repoRoot, 'test/integration/fixtures/workspace'));
const timeoutMs = Number(process.env.TEST_TIMEOUT_MS || 600_000);

for (const [what, p] of [
  ['extension bundle (npm run build)', path.join(extDev, 'dist/extension.js')],
  ['test bundle (node tools/vscode-test/build-tests.mjs)', extTests],
  ['workspace', wsSource],
]) {
  if (!fs.existsSync(p)) {
    console.error(`run-tests: missing ${what}: ${p}`);
    process.exit(1);
  }
}

const t0 = Date.now();
const state = makeState('cz-it-');
const ws = copyWorkspace(wsSource, state);
// Run a snapshot of the extension (its shipped folders) and of the suite: a rebuild in the
// working tree during the run (watch mode, another terminal) cannot pull files from under it.
const extRun = path.join(state, 'extension');
for (const d of ['package.json', 'dist', 'media', 'syntaxes', 'README.md', 'LICENSE', 'CHANGELOG.md']) {
  if (fs.existsSync(path.join(extDev, d))) fs.cpSync(path.join(extDev, d), path.join(extRun, d), { recursive: true });
}
const testsRun = path.join(state, 'tests', path.basename(path.dirname(extTests)));
fs.cpSync(path.dirname(extTests), testsRun, { recursive: true });
const testsEntry = path.join(testsRun, path.basename(extTests));
let server;
let browser;
let code = 1;
let hardTimer;
const cleanup = async () => {
  clearTimeout(hardTimer);
  await browser?.close();
  await stopCodeServer(server);
  fs.rmSync(state, { recursive: true, force: true });
};
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => cleanup().finally(() => process.exit(130)));
}

try {
  const bin = findCodeServer();
  server = await startCodeServer(bin, state);
  browser = await launchChromium();
  const page = await browser.context.newPage();
  const exited = new Promise((resolve) => page.exposeFunction('codeAutomationExit', (c) => resolve(c)));
  const died = new Promise((_, reject) =>
    server.proc.once('exit', (c) => reject(new Error(`code-server died (${c})\n${server.log()}`))),
  );
  const timedOut = new Promise((_, reject) => {
    hardTimer = setTimeout(() => reject(new Error(`suite did not finish in ${timeoutMs} ms`)), timeoutMs);
  });
  // Everything the extension host logs (mocha's reporter included) arrives here.
  // Workbench chatter (sockets, gallery) is dropped unless CS_VERBOSE is set.
  const noise =
    /^(Resolving connection token|Resolved connection token|Creating a socket|\[Service Worker\]|Ignoring fetching additional builtin|Updating additional builtin|ChatSessionStore:)/;
  await page.exposeFunction('codeAutomationLog', (_type, args) => {
    if (!process.env.CS_VERBOSE && typeof args?.[0] === 'string' && noise.test(args[0])) return;
    console.log(...args);
  });
  if (process.env.BROWSER_CONSOLE) page.on('console', (m) => console.log('[browser]', m.text()));
  const remote = (p) => `vscode-remote://127.0.0.1:${server.port}${p}`;
  const payload = [
    ['extensionDevelopmentPath', remote(extRun)],
    ['extensionTestsPath', remote(testsEntry)],
  ];
  console.log(`code-server ${server.port}: workspace ${ws}`);
  await page.goto(
    `http://127.0.0.1:${server.port}/?folder=${encodeURIComponent(ws)}&payload=${encodeURIComponent(JSON.stringify(payload))}`,
  );
  try {
    code = await Promise.race([exited, died, timedOut]);
  } catch (err) {
    const shot = path.join(repoRoot, 'test-output/screenshots/integration-failure.png');
    fs.mkdirSync(path.dirname(shot), { recursive: true });
    await page.screenshot({ path: shot }).catch(() => {});
    console.error(`run-tests: ${err.message} (screenshot: ${shot})`);
    code = 1;
  }
} catch (err) {
  console.error('run-tests:', err);
  code = 1;
} finally {
  await cleanup();
}
console.log(`integration suite exit code ${code} after ${((Date.now() - t0) / 1000).toFixed(1)} s`);
process.exit(code);
