// UI test through the real workbench: code-server + headless Chromium, driven like a user
// (activity bar, F1 command palette, clicks). Checks what is on screen and saves PNG
// screenshots in test-output/screenshots/ (look at them: they are what a user sees).
//
// usage: node tools/vscode-test/ui-test.mjs [--vsix FILE.vsix] [--workspace DIR] [--out DIR]
//   --vsix       install this package (what users get); default: load the repo folder as a
//                development extension (extensionDevelopmentPath), after `npm run build`
//   --workspace  folder to open, copied to a temp dir (default: test/integration/fixtures/workspace)
//   --out        screenshot folder (default: test-output/screenshots)
// Prints "N passed, N failed" and exits non-zero on any failed check.
/* global document -- page.waitForFunction callbacks run in the browser */
import fs from 'node:fs';
import path from 'node:path';
import {
  codeServerCli,
  copyWorkspace,
  findCodeServer,
  launchChromium,
  makeState,
  pathArg,
  repoRoot,
  startCodeServer,
  stopCodeServer,
} from './code-server.mjs';

const vsix = pathArg('--vsix', undefined);
const wsSource = pathArg('--workspace', path.join(repoRoot, 'test/integration/fixtures/workspace'));
const outDir = pathArg('--out', path.join(repoRoot, 'test-output/screenshots'));
const timeoutMs = Number(process.env.TEST_TIMEOUT_MS || 300_000);

const results = [];
async function check(name, fn) {
  const t = Date.now();
  try {
    await fn();
    results.push({ name, ok: true });
    console.log(`  ✔ ${name} (${Date.now() - t} ms)`);
  } catch (err) {
    results.push({ name, ok: false });
    console.log(`  ✘ ${name}: ${String(err?.message ?? err).split('\n')[0]}`);
    if (page) await shot(`failed-${results.length}`).catch(() => {});
  }
}

let page;
async function shot(name) {
  const file = path.join(outDir, `${name}.png`);
  await page.screenshot({ path: file });
  console.log(`    screenshot ${path.relative(repoRoot, file)}`);
}

/** F1, type the command title, Enter. Retries while the extension's contributions load. */
async function runCommand(title) {
  for (let attempt = 0; attempt < 6; attempt++) {
    await page.keyboard.press('F1');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible', timeout: 10_000 });
    await input.fill(`>${title}`);
    const row = page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first();
    if (
      await row.waitFor({ timeout: 5000 }).then(
        () => true,
        () => false,
      )
    ) {
      await page.keyboard.press('Enter');
      return;
    }
    await page.keyboard.press('Escape');
    await page.waitForTimeout(1000);
  }
  throw new Error(`command "${title}" not in the palette`);
}

/** The view pane titled `title` in the sidebar. */
function viewPane(title) {
  return page.locator('.part.sidebar .pane', {
    has: page.locator('.pane-header h3.title', { hasText: new RegExp(`^${title}$`, 'i') }),
  });
}

async function treeRows(title) {
  const rows = viewPane(title).locator('.monaco-list-row');
  // label and description are separate elements: innerText may or may not put a space between them
  return (await rows.allInnerTexts()).map((t) => t.replace(/\s+/g, ''));
}

async function waitForRow(title, text, timeout = 30_000) {
  await viewPane(title).locator('.monaco-list-row', { hasText: text }).first().waitFor({ timeout });
}

function expect(cond, message) {
  if (!cond) throw new Error(message);
}

const t0 = Date.now();
const state = makeState('cz-ui-');
const ws = copyWorkspace(wsSource, state);
fs.mkdirSync(outDir, { recursive: true });
let server;
let browser;
const hardTimer = setTimeout(() => {
  console.error(`ui-test: hard timeout after ${timeoutMs} ms`);
  process.exit(1);
}, timeoutMs).unref();

try {
  const bin = findCodeServer();
  let url;
  if (vsix) {
    codeServerCli(bin, state, ['--install-extension', vsix]);
    console.log(`installed ${path.basename(vsix)}`);
  }
  server = await startCodeServer(bin, state);
  url = `http://127.0.0.1:${server.port}/?folder=${encodeURIComponent(ws)}`;
  if (!vsix) {
    const payload = [['extensionDevelopmentPath', `vscode-remote://127.0.0.1:${server.port}${repoRoot}`]];
    url += `&payload=${encodeURIComponent(JSON.stringify(payload))}`;
  }
  browser = await launchChromium();
  page = await browser.context.newPage();
  await page.goto(url);
  await page.waitForSelector('.monaco-workbench .part.statusbar', { timeout: 60_000 });
  // let extensions finish activating (theme, language features) before the first screenshot
  await page
    .waitForFunction(
      () => !/Activating Extensions/.test(document.querySelector('.part.statusbar')?.textContent ?? ''),
      undefined,
      {
        timeout: 30_000,
      },
    )
    .catch(() => {});
  console.log(`workbench up after ${Date.now() - t0} ms (${vsix ? 'vsix' : 'development extension'})`);

  await check('activity bar shows ContextZip; its sidebar has the four views with welcome text', async () => {
    const icon = page.locator('.activitybar .action-item a[aria-label^="ContextZip"]').first();
    await icon.waitFor({ timeout: 30_000 });
    await icon.click();
    await page.mouse.move(700, 450); // no hover tooltip on the activity bar in screenshots
    await viewPane('Chunks').waitFor({ timeout: 15_000 });
    // wider sidebar, so descriptions (kind · lines · tokens) are not cut off in screenshots
    const box = await page.locator('.part.sidebar').boundingBox();
    if (box) {
      await page.mouse.move(box.x + box.width - 1, box.y + box.height / 2);
      await page.mouse.down();
      await page.mouse.move(box.x + box.width + 140, box.y + box.height / 2, { steps: 5 });
      await page.mouse.up();
      await page.mouse.move(900, 450);
    }
    await viewPane('Chunks').locator('.welcome-view-content', { hasText: 'Show Chunks of Current File' }).waitFor();
    for (const v of ['Last Run', 'History', 'Model']) await viewPane(v).waitFor({ timeout: 5000 });
    await page
      .waitForFunction(
        () => !/Activating Extensions/.test(document.querySelector('.part.statusbar')?.textContent ?? ''),
        undefined,
        {
          timeout: 20_000,
        },
      )
      .catch(() => {});
    await shot('01-sidebar-welcome');
  });

  await check('Show Chunks of Current File: tree of src/shapes.ts with kinds, lines, tokens', async () => {
    await page.keyboard.press('Control+P');
    await page.locator('.quick-input-widget input').fill('shapes.ts');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'shapes.ts' }).first().waitFor();
    await page.keyboard.press('Enter');
    await page.locator('.tab.active', { hasText: 'shapes.ts' }).waitFor({ timeout: 15_000 });
    await runCommand('ContextZip: Show Chunks of Current File');
    // The first command loads the grammar and the o200k tokenizer in the extension host;
    // on a loaded 2-core CI machine that has taken over 30 s.
    await waitForRow('Chunks', 'contains', 120_000);
    const rows = await treeRows('Chunks');
    const want = [
      'src/shapes.ts 14 chunks',
      'distance function · L11–15',
      'Circle header · L16',
      'area method · L24–27',
      'contains method · L28–30',
    ];
    for (const w of want) {
      expect(
        rows.some((r) => r.includes(w.replace(/\s+/g, ''))),
        `no row "${w}" in:\n${rows.join('\n')}`,
      );
    }
    await shot('02-show-chunks');
  });

  await check('clicking a chunk selects its lines in the editor', async () => {
    await viewPane('Chunks').locator('.monaco-list-row', { hasText: 'contains' }).first().click();
    const status = page.locator('.statusbar-item', { hasText: /Ln \d+, Col \d+/ }).first();
    await page.waitForFunction(
      () => /Ln 28, Col 1 \(\d+ selected\)/.test(document.querySelector('.part.statusbar')?.textContent ?? ''),
      undefined,
      { timeout: 10_000 },
    );
    expect(/Ln 28/.test(await status.innerText()), 'cursor not on line 28');
    await shot('03-reveal-chunk');
  });

  await check('hover on a chunk shows its tooltip', async () => {
    await viewPane('Chunks').locator('.monaco-list-row', { hasText: 'distance' }).first().hover();
    await page
      .locator('.monaco-hover, .workbench-hover', { hasText: 'lines 11–15' })
      .first()
      .waitFor({ timeout: 10_000 });
    await shot('04-chunk-tooltip');
    await page.mouse.move(700, 450);
  });

  await check('Chunk Workspace: progress, files in the tree, message with counts', async () => {
    await runCommand('ContextZip: Chunk Workspace');
    await page
      .locator('.part.sidebar .pane', { hasText: 'Workspace: 3 files, 23 chunks, 7 skipped' })
      .first()
      .waitFor({ timeout: 60_000 });
    const rows = await treeRows('Chunks');
    for (const f of ['src/math.ts', 'src/shapes.ts', 'src/stats.py']) {
      expect(
        rows.some((r) => r.startsWith(f)),
        `no file row ${f} in:\n${rows.join('\n')}`,
      );
    }
    expect(!rows.some((r) => r.includes('data.py')), 'skipped file shown in the tree');
    await viewPane('Chunks').locator('.monaco-list-row', { hasText: 'src/stats.py' }).first().click();
    await waitForRow('Chunks', '__init__');
    await shot('05-chunk-workspace');
  });

  await check('Output channel "ContextZip" lists skipped files with reasons', async () => {
    await runCommand('ContextZip: Show Output');
    const out = page.locator('.part.panel .view-lines', { hasText: 'skipped src/data.py [too-large]' });
    await out.first().waitFor({ timeout: 15_000 });
    const text = (await out.first().innerText()).replace(/\u00a0/g, ' ');
    for (const w of ['[binary]', '[ignored]', '[minified]', '[empty]']) expect(text.includes(w), `no "${w}" in output`);
    await shot('06-output-channel');
  });

  await check('settings UI lists the contributed ContextZip settings', async () => {
    await runCommand('Preferences: Open Settings (UI)');
    const search = page
      .locator(
        '.settings-editor .suggest-input-container .monaco-editor textarea, .settings-editor .search-container textarea',
      )
      .first();
    await search.waitFor({ timeout: 15_000 });
    await search.fill('@ext:contextzip.contextzip');
    await page
      .locator('.settings-editor .setting-item', { hasText: 'Max File Bytes' })
      .first()
      .waitFor({ timeout: 15_000 });
    await shot('07-settings');
  });

  await check(
    'Compress Context for Query: query and scope prompts, preview beside, Last Run tree, status bar',
    async () => {
      await runCommand('View: Close All Editors');
      await page.keyboard.press('Control+P');
      await page.locator('.quick-input-widget input').fill('shapes.ts');
      await page.locator('.quick-input-list .monaco-list-row', { hasText: 'shapes.ts' }).first().waitFor();
      await page.keyboard.press('Enter');
      await page.locator('.tab.active', { hasText: 'shapes.ts' }).waitFor({ timeout: 15_000 });
      // the Chunks view folds away so Last Run has room; the panel closes so the preview shows in full
      await viewPane('Chunks').locator('.pane-header').click();
      await runCommand('View: Hide Panel');
      await runCommand('ContextZip: Compress Context for Query…');
      const input = page.locator('.quick-input-widget input');
      await input.waitFor({ state: 'visible', timeout: 10_000 });
      await input.fill('How is the distance between two points computed?');
      await shot('08-compress-query-prompt');
      await page.keyboard.press('Enter');
      await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Open Editors' }).first().waitFor();
      await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Workspace' }).first().click();
      // step 3/3: the budget, default 8,000 tokens for a workspace; type a small one for this fixture
      await page.locator('.quick-input-list .monaco-list-row', { hasText: 'default (settings)' }).first().waitFor();
      await input.fill('160');
      await page.locator('.quick-input-list .monaco-list-row', { hasText: '160 tokens' }).first().waitFor();
      await shot('08b-budget-pick');
      await page.keyboard.press('Enter');
      await page.locator('.tab', { hasText: 'Compressed Context #1.ctxzip' }).first().waitFor({ timeout: 120_000 });
      await waitForRow('Last Run', 'distance');
      await page
        .locator('.notification-toast', { hasText: /compressed [\d,]+ → [\d,]+ tokens/ })
        .first()
        .waitFor({ timeout: 15_000 });
      const status = page.locator('.statusbar-item', { hasText: /embedded q8 · \d+%/ }).first();
      await status.waitFor({ timeout: 15_000 });
      const rows = await treeRows('Last Run');
      expect(
        rows.some((r) => r.startsWith('src/shapes.ts')),
        `no src/shapes.ts row in:\n${rows.join('\n')}`,
      );
      expect(
        rows.some((r) => /^distancerank\d+of\d+·kept\d+\/\d+lines/.test(r)),
        `distance not kept in:\n${rows.join('\n')}`,
      );
      // the preview's header lines are highlighted by the contributed grammar (not plain text)
      const editor = page.locator('.editor-instance .monaco-editor', { hasText: '===== src/' }).first();
      await editor.waitFor({ timeout: 10_000 });
      await page.mouse.move(700, 700);
      await shot('09-compress-result');
    },
  );

  await check('inline results: gutter marks, dimmed/dropped lines and CodeLens in the source editor', async () => {
    await page
      .locator('.notification-toast .codicon-notifications-clear, .notification-toast .codicon-close')
      .first()
      .click()
      .catch(() => {});
    await page.locator('.tab', { hasText: 'shapes.ts' }).first().click();
    const lens = page.locator('.monaco-editor .codelens-decoration', { hasText: /rank \d+ of \d+/ }).first();
    await lens.waitFor({ timeout: 15_000 });
    const lenses = (await page.locator('.monaco-editor .codelens-decoration').allInnerTexts()).join('\n');
    expect(/rank 1 of \d+ · kept \d+\/\d+ lines · relevance 100/.test(lenses), `no rank-1 lens in:\n${lenses}`);
    expect(
      (await page.locator('.monaco-editor .cgmr').count()) > 0 ||
        (await page.locator('.monaco-editor .glyph-margin-widgets .codicon, .monaco-editor [class*="ced-"]').count()) >
          0,
      'no gutter decorations',
    );
    await page.mouse.move(700, 700);
    await shot('15-inline-results');
  });

  await check('inline hover says why a chunk was dropped, in words', async () => {
    const line = page.locator('.monaco-editor .view-line', { hasText: 'export type Shape' }).first();
    await line.locator('span span').last().hover();
    await page.locator('.monaco-hover', { hasText: 'ContextZip ·' }).first().waitFor({ timeout: 10_000 });
    await shot('16-inline-hover');
    await page.mouse.move(700, 900);
  });

  await check('Show Run Report: chart, tokens per file, chunks by rank; a row reveals its chunk', async () => {
    await runCommand('ContextZip: Show Run Report');
    const frame = page.frameLocator('iframe.webview.ready').frameLocator('iframe#active-frame');
    await frame.locator('#chart canvas').first().waitFor({ timeout: 20_000 });
    await frame.locator('h2', { hasText: 'Chunks by rank' }).waitFor();
    const rows = await frame.locator('#chunks tbody tr').count();
    expect(rows > 5, `only ${rows} chunk rows`);
    await page.mouse.move(700, 900);
    await shot('17-run-report');
    await frame.locator('#chunks tbody tr', { hasText: 'distance' }).first().click();
    await page.locator('.tab.active', { hasText: 'shapes.ts' }).first().waitFor({ timeout: 10_000 });
    await page.locator('.tab', { hasText: 'ContextZip Report' }).first().click();
    await frame.locator('#chart canvas').first().waitFor({ timeout: 10_000 });
  });

  await check('walkthrough: the three main jobs', async () => {
    await runCommand('Welcome: Open Walkthrough...');
    await page
      .locator('.quick-input-list .monaco-list-row', { hasText: 'Get Started with ContextZip' })
      .first()
      .click();
    await page.locator('.tab.active', { hasText: 'Walkthrough: ContextZip' }).first().waitFor({ timeout: 15_000 });
    await page.locator('button', { hasText: 'Compress Context for Query…' }).first().waitFor({ timeout: 15_000 });
    const text = await page.locator('.part.editor').first().innerText();
    for (const w of ['Compress code for a question', 'Shorten a reasoning trace', 'Hand the context to an assistant'])
      expect(text.includes(w), `no step "${w}" in the walkthrough`);
    await page.mouse.move(700, 900);
    await shot('18-walkthrough');
  });

  await check('preview: each file section highlighted in its language, most relevant file first', async () => {
    await page.locator('.tab', { hasText: 'Compressed Context #1.ctxzip' }).first().click();
    const editor = page.locator('.editor-instance .monaco-editor', { hasText: '===== src/' }).first();
    await editor.waitFor({ timeout: 10_000 });
    // the embedded TypeScript grammar colours keywords: their spans are not plain text (mtk1)
    await page.waitForFunction(
      () =>
        [...document.querySelectorAll('.editor-instance .monaco-editor .view-line span span')].some(
          (s) => s.textContent === 'export' && !s.className.includes('mtk1 '),
        ),
      undefined,
      { timeout: 15_000 },
    );
    await page.mouse.move(700, 900);
    await shot('19-preview-highlighted');
    await runCommand('View: Close All Editors');
  });

  await check('Copy Compressed Context with Header: the last result with a header on the clipboard', async () => {
    await runCommand('ContextZip: Copy Compressed Context with Header');
    await page
      .locator('.notification-toast', { hasText: /copied the compressed context \([\d,]+ tokens\) with a header/ })
      .first()
      .waitFor({ timeout: 10_000 });
    await page.mouse.move(700, 700);
    await shot('09b-copy-with-header');
  });

  await check('History and Model views: the run, the model, its size and cache', async () => {
    await page
      .locator('.notification-toast .codicon-notifications-clear, .notification-toast .codicon-close')
      .first()
      .click()
      .catch(() => {});
    await viewPane('Last Run').locator('.pane-header').click();
    await viewPane('History').locator('.pane-header').click();
    await waitForRow('History', 'How is the distance');
    await page.mouse.move(700, 700);
    await shot('10-history');
    await viewPane('History').locator('.pane-header').click();
    await viewPane('Model').locator('.pane-header').click();
    await waitForRow('Model', 'Size on disk');
    const rows = await treeRows('Model');
    for (const w of ['Modelembedded·bundled,offline', 'Weightsq8', 'Stateready', 'Scorecache']) {
      expect(
        rows.some((r) => r.includes(w)),
        `no "${w}" row in:\n${rows.join('\n')}`,
      );
    }
    await page.mouse.move(700, 700);
    await shot('11-model-view');
  });

  await check(
    'status bar item opens Select Model; choosing Embedded loads it with a progress notification',
    async () => {
      await page
        .locator('.statusbar-item', { hasText: /embedded q8/ })
        .first()
        .click();
      await page
        .locator('.quick-input-list .monaco-list-row', { hasText: 'Hub model…' })
        .first()
        .waitFor({ timeout: 10_000 });
      const picks = (await page.locator('.quick-input-list .monaco-list-row').allInnerTexts()).join('\n');
      for (const w of ['Embedded (current)', 'bundled, offline', 'Hub model…', 'Local folder…']) {
        expect(picks.includes(w), `no "${w}" in the Select Model picker:\n${picks}`);
      }
      await shot('12-select-model');
      await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Embedded' }).first().click();
      await page
        .locator('.notification-toast', { hasText: /Embedded model \(q8\) is ready/ })
        .first()
        .waitFor({ timeout: 60_000 });
      await page
        .locator('.statusbar-item', { hasText: /embedded q8/ })
        .first()
        .waitFor();
    },
  );

  await check(
    'Select Model → Hub model…: the id is validated, dtype is asked, nothing downloads without confirmation',
    async () => {
      await runCommand('ContextZip: Select Model…');
      await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Hub model…' }).first().click();
      const input = page.locator('.quick-input-widget input');
      await input.waitFor({ state: 'visible', timeout: 10_000 });
      await input.fill('not a model id');
      await page
        .locator('.quick-input-widget', { hasText: 'Enter an id like owner/name' })
        .first()
        .waitFor({ timeout: 10_000 });
      await shot('13-hub-model-invalid-id');
      await input.fill('onnx-community/Qwen2.5-Coder-0.5B-Instruct');
      await page.keyboard.press('Enter');
      await page.locator('.quick-input-list .monaco-list-row', { hasText: '4-bit block-quantized' }).first().waitFor();
      await page.keyboard.press('Enter'); // q8
      const dialog = page.locator('.monaco-dialog-box', {
        hasText: 'Download onnx-community/Qwen2.5-Coder-0.5B-Instruct (q8)?',
      });
      await dialog.waitFor({ timeout: 10_000 });
      expect((await dialog.innerText()).includes('https://huggingface.co'), 'the dialog names the endpoint');
      await shot('14-hub-download-confirm');
      await page.keyboard.press('Escape');
      await dialog.waitFor({ state: 'hidden', timeout: 10_000 });
      await page
        .locator('.statusbar-item', { hasText: /embedded q8/ })
        .first()
        .waitFor();
    },
  );
} catch (err) {
  results.push({ name: 'setup', ok: false });
  console.error('ui-test:', err);
  if (page) await shot('failed-setup').catch(() => {});
} finally {
  clearTimeout(hardTimer);
  await browser?.close();
  await stopCodeServer(server);
  fs.rmSync(state, { recursive: true, force: true });
}
const failed = results.filter((r) => !r.ok).length;
console.log(
  `${results.length - failed} passed, ${failed} failed (UI test, ${((Date.now() - t0) / 1000).toFixed(1)} s)`,
);
process.exit(failed ? 1 : 0);
