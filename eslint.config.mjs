// ESLint flat config (typescript-eslint). `npm run lint` checks the whole tree.
// @eslint/js ships with eslint 9 (it is eslint's own dependency).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const nodeGlobals = Object.fromEntries(
  [
    'process',
    'console',
    'Buffer',
    'URL',
    'URLSearchParams',
    'TextDecoder',
    'TextEncoder',
    'setTimeout',
    'clearTimeout',
    'setInterval',
    'clearInterval',
    'setImmediate',
    'structuredClone',
    'performance',
    'fetch',
    'AbortController',
    '__dirname',
    '__filename',
    'require',
    'module',
  ].map((g) => [g, 'readonly']),
);

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'out/**',
      'node_modules/**',
      'test-output/**',
      '.cache/**',
      'models/**',
      'test/fixtures/**',
      'test/integration/fixtures/**',
      'bench/tmp/**',
      'tools/model/work/**',
      '**/*.d.ts',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: nodeGlobals },
    rules: {
      eqeqeq: ['error', 'smart'],
      'prefer-const': 'error',
      'no-var': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
      '@typescript-eslint/no-explicit-any': 'warn',
    },
  },
  {
    // The engine: strict types, and it never depends on the layers above it (docs/ARCHITECTURE.md).
    files: ['src/core/**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'vscode', message: 'src/core must not depend on VS Code (docs/ARCHITECTURE.md).' },
            { name: 'commander', message: 'Argument parsing belongs to src/cli (docs/ARCHITECTURE.md).' },
            { name: 'cli-progress', message: 'Progress is rendered by src/cli from onProgress callbacks.' },
          ],
          patterns: [
            {
              group: ['**/extension/**', '**/cli/**', '**/worker/**', '**/webview/**'],
              message: 'src/core depends on nothing above it.',
            },
          ],
        },
      ],
    },
  },
  {
    // The extension host: a dropped promise is a silent failure (or an unhandled rejection).
    files: ['src/extension/**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
    },
  },
  {
    // Browser code of the webview panels: no Node, no vscode module.
    files: ['src/webview/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: ['vscode'], patterns: [{ group: ['node:*'], message: 'Webviews run in a browser.' }] },
      ],
    },
  },
);
