// The model worker thread: jobs run off the calling thread with progress, results equal the
// in-process engine, cancellation stops a running job, and errors keep their codes.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { CancelledError, ContextZipError, UsageError } from '../../src/core/errors.js';
import { createScorer } from '../../src/core/model/index.js';
import { ModelWorkerClient } from '../../src/worker/client.js';
import type { JobProgress } from '../../src/worker/protocol.js';

const client = new ModelWorkerClient(path.join(__dirname, '..', '..', 'src', 'worker', 'worker.ts'));
const fixture = (f: string) => ({
  file: f,
  text: fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'chunk', f), 'utf8'),
});

describe('model worker', () => {
  after(async () => {
    await client.dispose();
  });

  it('scores in the worker exactly as in-process', async () => {
    const text = 'def area(r):\n    return 3.14159 * r * r\n';
    const viaWorker = await client.run('logprobs', {
      model: { model: 'embedded', dtype: 'q8' },
      context: '',
      text,
    });
    const scorer = await createScorer({ model: 'embedded', dtype: 'q8', cache: null });
    const [local] = await scorer.score([{ context: '', text }]);
    await scorer.dispose();
    assert.deepEqual(
      viaWorker.tokens.map((t) => t.logprob),
      local.tokens.map((t) => t.logprob),
    );
  });

  it('reports progress by stage and returns the compression result', async () => {
    const stages = new Set<string>();
    const result = await client.run(
      'compress',
      {
        model: { model: 'embedded', dtype: 'q8' },
        sources: [fixture('router.ts'), fixture('inventory.py')],
        query: 'match a route',
        budget: { ratio: 0.3 },
        tokenizer: 'o200k_base',
      },
      { onProgress: (p: JobProgress) => stages.add(p.stage) },
    );
    assert.ok(result.compressedTokens <= result.budget);
    assert.ok(result.chunks.length > 5);
    for (const s of ['load', 'parse', 'coarse']) assert.ok(stages.has(s), `stage ${s} in ${[...stages]}`);
    const status = await client.run('status', {});
    assert.equal(status.loaded, true);
    assert.equal(status.id, 'embedded');
    assert.ok(status.cacheEntries > 0);
  });

  it('cancels a running job', async () => {
    const ac = new AbortController();
    const big = Array.from({ length: 6 }, (_, i) => ({ ...fixture('server.go'), file: `copy${i}/server.go` }));
    const job = client.run(
      'compress',
      {
        model: { model: 'embedded', dtype: 'q8' },
        sources: big,
        query: 'shut down gracefully ' + Date.now(),
        budget: { ratio: 0.1 },
        tokenizer: 'o200k_base',
      },
      {
        cancellation: ac.signal,
        onProgress: (p) => {
          if (p.stage === 'coarse') ac.abort();
        },
      },
    );
    await assert.rejects(job, CancelledError);
  });

  it('the job table types both sides: a wrong payload or job name does not compile', () => {
    // Compile-time checks only (npm run typecheck); nothing runs.
    const never = (): void => {
      // @ts-expect-error compress needs sources, query, budget and tokenizer
      void client.run('compress', { model: {} });
      // @ts-expect-error no such job
      void client.run('compres', {});
      // @ts-expect-error status takes no input
      void client.run('status', { model: {} });
      const status: Promise<{ loaded: boolean }> = client.run('status', {});
      void status;
    };
    assert.equal(typeof never, 'function');
  });

  it('keeps error codes across the thread boundary', async () => {
    await assert.rejects(
      client.run('compress', {
        model: { model: 'embedded', dtype: 'q8' },
        sources: [fixture('router.ts')],
        query: ' ',
        budget: { ratio: 0.3 },
        tokenizer: 'o200k_base',
      }),
      (e: Error) => e instanceof UsageError && /query is empty/.test(e.message),
    );
    // A name outside the job table does not compile; a message from elsewhere still gets an answer.
    const untyped = client.run.bind(client) as (job: string, payload: unknown) => Promise<unknown>;
    await assert.rejects(
      untyped('noSuchJob', {}),
      (e: Error) => e instanceof ContextZipError && /Unknown job "noSuchJob"/.test(e.message),
    );
  });
});
