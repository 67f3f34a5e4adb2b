// Secrets in the editor's compressions: the helper the compress commands, @contextzip and the
// language-model tools run on collected sources before the worker (extension/compress/maskSources.ts).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { secretMarker } from '../../src/core/files/index.js';
import { maskCollectedSources, withMaskNote } from '../../src/extension/compress/maskSources.js';

// Assembled here so this repository holds no literal credential (as test/robustness/secrets.test.ts).
const AWS_ID = ['AKIA', 'QWERTYUIOPASDFGH'].join('');

describe('extension: masking collected sources', () => {
  test('an AWS key id is masked, reported by file:line and kind, and logged without its value', async () => {
    const sources = [
      { file: 'src/config.ts', text: `export const region = 'eu-west-1';\nexport const key = '${AWS_ID}';\n` },
      { file: 'src/app.ts', text: 'export const x = 1;\n' },
    ];
    const logged: string[] = [];
    const masked = await maskCollectedSources(sources, { enabled: true, log: { info: (m) => logged.push(m) } });
    assert.equal(sources[0].text.includes(AWS_ID), false);
    assert.match(sources[0].text, /\[secret masked by contextzip: /);
    assert.equal(sources[1].text, 'export const x = 1;\n');
    assert.equal(masked.findings.length, 1);
    assert.deepEqual([masked.findings[0].file, masked.findings[0].line], ['src/config.ts', 2]);
    assert.equal(sources[0].text.includes(secretMarker(masked.findings[0].kind)), true);
    assert.ok(masked.note);
    assert.match(masked.note, new RegExp(`src/config\\.ts:2 ${masked.findings[0].kind}`));
    assert.deepEqual(logged, [masked.note]);
    for (const line of [...logged, masked.note]) assert.equal(line.includes(AWS_ID), false);

    const result = withMaskNote({ text: 'x', warnings: ['earlier'] }, masked);
    assert.deepEqual(result.warnings, ['earlier', masked.note]);
  });

  test('a selection reports the line of the file, not of the selection', async () => {
    const sources = [{ file: 'src/config.ts:10-12', text: `a\nconst key = '${AWS_ID}';\nb\n` }];
    const masked = await maskCollectedSources(sources, { enabled: true, lineOffsets: { 'src/config.ts:10-12': 9 } });
    assert.equal(sources[0].text.includes(AWS_ID), false);
    assert.deepEqual([masked.findings[0].file, masked.findings[0].line], ['src/config.ts', 11]);
  });

  test('contextzip.maskSecrets off: sources unchanged, nothing reported', async () => {
    const text = `const key = '${AWS_ID}';\n`;
    const sources = [{ file: 'a.ts', text }];
    const masked = await maskCollectedSources(sources, { enabled: false });
    assert.equal(sources[0].text, text);
    assert.deepEqual(masked, { findings: [] });
    const result: { text: string; warnings?: string[] } = { text: 'x' };
    assert.equal(withMaskNote(result, masked), result);
  });

  test('no secrets: no note', async () => {
    const masked = await maskCollectedSources([{ file: 'a.ts', text: 'const a = 1;\n' }], { enabled: true });
    assert.deepEqual(masked, { findings: [] });
  });
});
