// ESLint flat config for the whole repo, run by `pnpm lint` with Prettier.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'coverage/**', 'packages/daebus/test/support/fixtures/syntax-error.mjs'] },
  js.configs.recommended,
  {
    files: ['**/*.{js,mjs,cjs}'],
    languageOptions: { globals: { ...globals.node } },
  },
  {
    files: ['packages/*/src/**/*.ts', 'packages/*/test/**/*.ts'],
    extends: [tseslint.configs.recommended],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
      globals: { ...globals.node },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      // `interface Logger extends WinstonLogger {}`: a dependency's type under a name of daebus's own (TS2742)
      '@typescript-eslint/no-empty-object-type': ['error', { allowInterfaces: 'with-single-extends' }],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_|^running$|^t$', varsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
    },
  },
  {
    // A worker must start fast and must not load the supervisor, winston or transports.
    files: ['packages/daebus/src/thread/**/*.ts', 'packages/daebus/src/shared/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['../main/*', '../main', '**/main/**'], message: 'Thread-side and shared code never imports main-side code.' },
            {
              group: ['winston', 'ioredis', 'piscina', 'fastify', '@fastify/*', 'ws'],
              message: 'Thread-side and shared code loads no main-side dependency.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['packages/daebus/test/support/fixtures/**', 'packages/bench/**'],
    rules: { 'no-empty': 'off', 'no-unused-vars': 'off' },
  },
);
