import * as assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import * as vscode from 'vscode';
import type { ContextZipApi } from '../../../src/extension/extension';
import type { ModelStatus } from '../../../src/worker/jobs';
import { activateContextZip } from './extensionApi';

async function until(cond: () => boolean, what: string, ms = 15_000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function rows(api: ContextZipApi): Record<string, string> {
  const out: Record<string, string> = {};
  for (const row of api.model.modelTree.getChildren()) {
    out[row.label] = String(api.model.modelTree.getTreeItem(row).description);
  }
  return out;
}

const config = () => vscode.workspace.getConfiguration('contextzip');

/** A hub lookalike on 127.0.0.1 serving one model's files (/<owner>/<name>/resolve/main/<file>). */
async function startLoopbackHub(modelDir: string): Promise<{ url: string; requests: string[]; close: () => void }> {
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    requests.push(req.url ?? '');
    const m = /^\/[^/]+\/[^/]+\/resolve\/main\/(.+)$/.exec(req.url ?? '');
    const file = m ? path.join(modelDir, decodeURIComponent(m[1])) : '';
    if (!file || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-length': String(fs.statSync(file).size) });
    fs.createReadStream(file).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, requests, close: () => server.close() };
}

suite('Model', () => {
  let api: ContextZipApi;

  suiteSetup(async () => {
    api = await activateContextZip();
  });

  suiteTeardown(async () => {
    await config().update('hubEndpoint', undefined, vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand('contextzip.selectModel', { kind: 'embedded', dtype: 'q8' });
  });

  test('Select Model (embedded): loads in the worker; status bar and Model view show it', async () => {
    const status = await vscode.commands.executeCommand<ModelStatus | undefined>('contextzip.selectModel', {
      kind: 'embedded',
    });
    assert.ok(status, `no status; log:\n${api.log.lines().slice(-10).join('\n')}`);
    assert.equal(status.loaded, true);
    assert.equal(status.id, 'embedded');
    assert.equal(config().inspect('model')?.globalValue, 'embedded');
    assert.equal(api.model.modelService.state, 'ready');
    assert.match(api.model.modelStatusBar.item.text, /^\$\(zap\) embedded q8( · \d+%)?$/);
    assert.equal(api.model.modelStatusBar.item.command, 'contextzip.selectModel');
    const r = rows(api);
    assert.equal(r['Model'], 'embedded · bundled, offline');
    assert.equal(r['Weights'], 'q8');
    assert.match(r['State'], /^ready · \d+ token window$/);
    assert.match(r['Size on disk'], /^\d+(\.\d)? (KB|MB|GB)$/);
    const dir = api.model.modelService.describe().dir!;
    assert.ok(fs.existsSync(path.join(dir, 'config.json')));
    assert.equal(r['Location'], dir);
    assert.match(r['Score cache'], /^\d+ entries · \d+ hits · \d+ misses$/);
  });

  test('changing the model dtype setting unloads the loaded model', async () => {
    assert.equal(api.model.modelService.state, 'ready');
    await config().update('modelDtype', 'q4', vscode.ConfigurationTarget.Global);
    await until(() => api.model.modelService.state === 'not loaded', 'the model to unload');
    await until(() => api.model.modelService.lastStatus?.loaded === false, 'the worker to report no model');
    assert.match(api.model.modelStatusBar.item.text, /^\$\(zap\) embedded q4 · not loaded$/);
    assert.ok(api.log.lines().some((l) => l.startsWith('Model setting changed to embedded (q4); unloading')));
    const status = await vscode.commands.executeCommand<ModelStatus>('contextzip.selectModel', {
      kind: 'embedded',
      dtype: 'q8',
    });
    assert.equal(status?.loaded, true);
    assert.match(api.model.modelStatusBar.item.text, /^\$\(zap\) embedded q8( · \d+%)?$/);
  });

  test('a hub model is not downloaded without confirmation', async () => {
    const result = await vscode.commands.executeCommand('contextzip.selectModel', {
      kind: 'hub',
      id: 'someone/not-downloaded-model',
    });
    assert.equal(result, undefined);
    assert.equal(config().get('model'), 'embedded');
    const last =
      api.log
        .lines()
        .filter((l) => l.startsWith('ERROR contextzip.selectModel'))
        .pop() ?? '';
    assert.match(last, /not downloaded; pass confirmDownload/);
  });

  test('an unreachable hub endpoint gives one clear error and keeps the previous model', async () => {
    await config().update('hubEndpoint', 'http://127.0.0.1:9', vscode.ConfigurationTarget.Global);
    const result = await vscode.commands.executeCommand('contextzip.selectModel', {
      kind: 'hub',
      id: 'someone/unreachable-model',
      confirmDownload: true,
    });
    assert.equal(result, undefined);
    const last =
      api.log
        .lines()
        .filter((l) => l.startsWith('ERROR contextzip.selectModel'))
        .pop() ?? '';
    assert.match(last, /Could not reach http:\/\/127\.0\.0\.1:9 to download someone\/unreachable-model/);
    assert.equal(config().get('model'), 'embedded');
    await until(() => / embedded q8/.test(api.model.modelStatusBar.item.text), 'the status bar');
  });

  test('Select Model (hub, confirmed): downloads from the endpoint with progress into global storage, then loads', async () => {
    const embeddedDir = api.model.modelService.describe().dir!;
    const hub = await startLoopbackHub(embeddedDir);
    try {
      await config().update('hubEndpoint', hub.url, vscode.ConfigurationTarget.Global);
      const status = await vscode.commands.executeCommand<ModelStatus | undefined>('contextzip.selectModel', {
        kind: 'hub',
        id: 'loopback/tiny-code',
        dtype: 'q8',
        confirmDownload: true,
      });
      assert.ok(status, `no status; log:\n${api.log.lines().slice(-10).join('\n')}`);
      assert.equal(status.loaded, true);
      assert.equal(status.id, 'loopback/tiny-code');
      assert.ok(
        hub.requests.includes('/loopback/tiny-code/resolve/main/onnx/model_quantized.onnx'),
        hub.requests.join('\n'),
      );
      const d = api.model.modelService.describe();
      assert.equal(d.kind, 'hub');
      assert.equal(d.dir, path.join(api.model.modelService.cacheDir, 'loopback', 'tiny-code'));
      assert.ok(d.dir.startsWith(path.dirname(path.dirname(api.model.modelService.cacheDir))), 'inside global storage');
      for (const f of ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'onnx/model_quantized.onnx']) {
        assert.equal(fs.statSync(path.join(d.dir!, f)).size, fs.statSync(path.join(embeddedDir, f)).size, f);
      }
      assert.ok(api.log.lines().includes('  downloading onnx/model_quantized.onnx'));
      assert.match(api.model.modelStatusBar.item.text, /^\$\(zap\) tiny-code q8( · \d+%)?$/);
      const r = rows(api);
      assert.equal(r['Model'], 'loopback/tiny-code · hub model');
      assert.equal(r['Location'], d.dir);
      assert.notEqual(r['Size on disk'], 'not downloaded');
    } finally {
      hub.close();
    }
    // back to the embedded model: the hub model is freed
    const back = await vscode.commands.executeCommand<ModelStatus>('contextzip.selectModel', { kind: 'embedded' });
    assert.equal(back?.id, 'embedded');
  });

  test('Clear Caches empties the worker score cache and deletes persisted score files', async () => {
    // fill the score cache with a real run
    const run = await vscode.commands.executeCommand('contextzip.compressForQuery', {
      query: 'mean and standard deviation',
      scope: 'workspace',
      budget: 120,
      notify: false,
      openPreview: false,
    });
    assert.ok(run);
    await api.model.modelService.refreshStatus();
    assert.ok((api.model.modelService.lastStatus?.cacheEntries ?? 0) > 0);
    const scores = api.model.modelService.scoresDir;
    fs.mkdirSync(scores, { recursive: true });
    fs.writeFileSync(path.join(scores, 'scores-0123456789abcdef.json'), '{}');
    fs.writeFileSync(path.join(scores, 'keep-me.txt'), 'not a score file');
    // The worker persists its own caches here too (scores, token counts, association
    // normalizers; saved when idle): every such file goes, and nothing else.
    const cacheFile = /^((scores|chunks)-.*\.json|(tokens|assoc)-.*\.bin)$/;
    const before = fs.readdirSync(scores).filter((f) => cacheFile.test(f));
    assert.ok(before.includes('scores-0123456789abcdef.json'));
    const result = await vscode.commands.executeCommand<{ cleared: number; files: number }>('contextzip.clearCaches');
    assert.ok(result && result.cleared > 0);
    assert.ok(result.files >= before.length, `${result.files} files deleted, ${before.length} were there`);
    assert.deepEqual(
      fs.readdirSync(scores).filter((f) => cacheFile.test(f)),
      [],
    );
    assert.equal(fs.existsSync(path.join(scores, 'keep-me.txt')), true);
    assert.equal(api.model.modelService.lastStatus?.cacheEntries, 0);
    assert.match(rows(api)['Score cache'], /^0 entries · \d+ hits/);
  });
});
