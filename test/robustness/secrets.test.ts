/** Secrets: secret files are not read from folders, secrets inside read files are masked and reported. */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { describe, test } from 'node:test';
import { collectSourceFiles, maskSecrets, secretMarker } from '../../src/core/files/index.js';
import { isolatedWorkspace, runCli, writeTree } from './cli-harness.js';

// Token-shaped values are assembled here so this repository holds no literal credentials.
const GITHUB = ['ghp', '_', 'wWPw5k4aXcaT4fNP0UcnZwJUVFk6LO0pINUx'].join('');
const SLACK = ['xoxb', '-123456789012-1234567890123-', 'AbCdEfGhIjKlMnOpQrStUvWx'].join('');
const AWS_ID = ['AKIA', 'QWERTYUIOPASDFGH'].join('');
const OPENAI = ['sk-', 'abcdefghijklmnopqrst', 'T3BlbkFJ', 'abcdefghijklmnopqrst'].join('');
const PRIVATE_KEY = generateKeyPairSync('rsa', { modulusLength: 1024 })
  .privateKey.export({ type: 'pkcs8', format: 'pem' })
  .toString();

describe('robustness: secrets', () => {
  const ws = isolatedWorkspace('secrets');

  test('secret files are excluded from folder scans whatever their extension', () => {
    writeTree(ws.dir, {
      'p/app.py': 'def main():\n    return 0\n',
      'p/.env': 'TOKEN=x\n',
      'p/.env.production': 'TOKEN=x\n',
      'p/server.pem': 'x\n',
      'p/tls.key': 'x\n',
      'p/id_rsa': 'x\n',
      'p/id_rsa.pub': 'x\n',
      'p/cert.p12': 'x\n',
      'p/.npmrc': 'x\n',
      'p/.netrc': 'x\n',
      'p/.aws/credentials': 'x\n',
    });
    const { files } = collectSourceFiles({ root: ws.dir, paths: ['p'], include: 'all' });
    assert.deepEqual(files, ['p/app.py']);
  });

  test('maskSecrets replaces private keys and AWS/GitHub/Slack/OpenAI tokens, keeping line numbers', async () => {
    const text = [
      `GITHUB_TOKEN = "${GITHUB}"`,
      `SLACK = "${SLACK}"`,
      `AWS_ACCESS_KEY_ID = "${AWS_ID}"`,
      `OPENAI = "${OPENAI}"`,
      `KEY = """${PRIVATE_KEY}"""`,
      'def after_the_key():',
      '    return 1',
      '',
    ].join('\n');
    const masked = await maskSecrets(text, 'settings.py');
    assert.deepEqual(
      masked.findings.map((f) => [f.line, f.kind]),
      [
        [1, 'GITHUB_TOKEN'],
        [2, 'SLACK_TOKEN'],
        [3, 'AWSAccessKeyID'],
        [4, 'OPENAI_TOKEN'],
        [5, 'PrivateKey'],
      ],
    );
    for (const secret of [GITHUB, SLACK, AWS_ID, OPENAI, PRIVATE_KEY.split('\n')[1]])
      assert.ok(!masked.text.includes(secret), secret);
    assert.ok(masked.text.includes(`GITHUB_TOKEN = "${secretMarker('GITHUB_TOKEN')}"`));
    assert.equal(masked.text.split('\n').length, text.split('\n').length);
    assert.equal(
      masked.text.split('\n').indexOf('def after_the_key():'),
      text.split('\n').indexOf('def after_the_key():'),
    );
    const clean = 'def f():\n    return "ghp_ is a prefix"\n';
    assert.deepEqual(await maskSecrets(clean, 'f.py'), { text: clean, findings: [] });
  });

  test('compress masks secrets, notes them in the JSON and on stderr; --no-mask-secrets keeps them', async () => {
    writeTree(ws.dir, {
      'c/config.py': `def github_client():\n    token = "${GITHUB}"\n    return connect(token)\n`,
    });
    const args = ['compress', '--query', 'github client', '--ratio', '1', '--json', 'c'];
    const r = await runCli(args, { cwd: ws.dir, env: ws.env });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(!r.stdout.includes(GITHUB));
    const out = JSON.parse(r.stdout) as { text: string; secretsMasked: unknown };
    assert.ok(out.text.includes(secretMarker('GITHUB_TOKEN')));
    assert.deepEqual(out.secretsMasked, [
      { file: 'config.py', line: 2, kind: 'GITHUB_TOKEN', rule: '@secretlint/secretlint-rule-github' },
    ]);
    assert.match(
      r.stderr,
      /^contextzip: masked 1 secret \(config\.py:2 GITHUB_TOKEN\); --no-mask-secrets keeps them$/m,
    );
    const keep = await runCli([...args, '--no-mask-secrets'], { cwd: ws.dir, env: ws.env });
    assert.equal(keep.code, 0, keep.stderr);
    assert.ok((JSON.parse(keep.stdout) as { text: string }).text.includes(GITHUB));
  });
});
