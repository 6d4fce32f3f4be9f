// Lint: typescript-eslint's strict type-aware rules and an import-cycle check.
import js from '@eslint/js';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import { importX } from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    plugins: { 'import-x': importX },
    settings: { 'import-x/resolver-next': [createTypeScriptImportResolver({ project: './tsconfig.json' })] },
    rules: {
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'import-x/no-cycle': 'error',
      // Services import shared/, never each other; shared/ imports no service.
      'import-x/no-restricted-paths': [
        'error',
        {
          zones: [
            { target: './services/report', from: ['./services/worker', './services/receiver'] },
            { target: './services/receiver', from: ['./services/worker', './services/report'] },
            { target: './services/worker', from: ['./services/report', './services/receiver'] },
            { target: './shared', from: './services' },
          ],
        },
      ],
      // `_name` marks a parameter or binding left out on purpose (a rest sibling, Express's `next`).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true }],
      // Counts and flags read naturally in messages; objects and nullish values still may not.
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true }],
      // `(x) => void-call()` arrow shorthands are the codebase's callback style.
      '@typescript-eslint/no-confusing-void-expression': ['error', { ignoreArrowShorthand: true }],
    },
  },
  {
    files: ['shared/store/sqlite/**/*.ts'],
    // better-sqlite3 is synchronous: `async` turns its throws into the rejections the Store port promises.
    rules: { '@typescript-eslint/require-await': 'off' },
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      // supertest's `res.body` is `any` by design; tests assert on it with chai.
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      // JSON answers under test are `any`, as supertest's are.
      '@typescript-eslint/no-explicit-any': 'off',
      // chai's `expect(x).to.be.true` style reads as an unused expression.
      '@typescript-eslint/no-unused-expressions': 'off',
    },
  },
  { files: ['**/*.js'], ...tseslint.configs.disableTypeChecked },
  {
    // The console's scripts run in the browser, as plain ES modules with no build step.
    files: ['services/console/public/**/*.js'],
    languageOptions: {
      globals: Object.fromEntries(
        [
          'window',
          'document',
          'location',
          'navigator',
          'fetch',
          'URL',
          'URLSearchParams',
          'Blob',
          'Node',
          'Intl',
          'localStorage',
          'crypto',
          'HashChangeEvent',
          'btoa',
          'confirm',
          'setTimeout',
          'requestAnimationFrame',
          'console',
        ].map((name) => [name, 'readonly']),
      ),
    },
  },
);
