// One flat ESLint config for the whole workspace.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import { createNodeResolver, importX } from 'eslint-plugin-import-x';
import globals from 'globals';
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';

// Import boundaries (DESIGN.md, "Imports run one way"), checked on resolved paths by import-x's no-restricted-paths.
// An import the resolver cannot find is not checked, so test/import-boundaries.test.ts proves every zone still fires.
const here = import.meta.dirname;
const contractsSrc = join(here, 'packages/contracts/src');
const webFeatures = readdirSync(join(here, 'apps/web/src/features'));
// Contracts modules that load TypeBox: the browser bundle may import their types, never their values.
const schemaModules = readdirSync(contractsSrc)
  .filter((file) => /from 'typebox/.test(readFileSync(join(contractsSrc, file), 'utf8')))
  .map((file) => `@powerdeck/contracts/${file.replace(/\.ts$/, '')}`);

const boundaries = [
  {
    files: ['apps/*/src/**/*.{ts,tsx}', 'packages/*/src/**/*.ts'],
    plugins: { 'import-x': importX },
    settings: {
      'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.tsx', '.js', '.mjs', '.json'] })],
    },
    rules: {
      'import-x/no-restricted-paths': [
        'error',
        {
          basePath: here,
          zones: [
            ...webFeatures.map((feature) => ({
              target: `apps/web/src/features/${feature}`,
              from: 'apps/web/src/features',
              except: [`./${feature}`],
              message: 'Features do not import each other; compose them in src/app.',
            })),
            {
              target: ['apps/web/src/components', 'apps/web/src/lib'],
              from: ['apps/web/src/features', 'apps/web/src/app'],
              message: 'Shared components and lib sit below the features and the app layer.',
            },
            {
              target: 'apps/web/src',
              from: ['apps/bff', 'packages/vergeos-client', 'packages/vergeos-sim'],
              message: 'The web app imports only @powerdeck/contracts.',
            },
            {
              target: 'apps/bff/src',
              from: 'apps/web',
              message: 'The BFF serves the built web app; it does not import it.',
            },
            {
              target: 'packages',
              from: 'apps',
              message: 'Packages never import apps.',
            },
            ...['contracts', 'vergeos-client', 'vergeos-sim'].map((name) => ({
              target: `packages/${name}/src`,
              from: 'packages',
              except: [`./${name}`],
              message: 'This package imports nothing of ours.',
            })),
            {
              target: [
                'apps/bff/src/plugins',
                'apps/bff/src/fleet',
                'apps/bff/src/operations',
                'apps/bff/src/stores',
                'apps/bff/src/proxy',
                'apps/bff/src/db',
              ],
              from: 'apps/bff/src/routes',
              message: 'Routes use plugins; only app.ts registers routes.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['apps/web/src/**/*.{ts,tsx}'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: schemaModules.map((name) => ({
            name,
            allowTypeImports: true,
            message: 'This contracts module loads TypeBox: the browser imports its types only (import type).',
          })),
        },
      ],
    },
  },
  {
    files: ['apps/bff/src/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: '@powerdeck/vergeos-sim',
              allowTypeImports: true,
              message:
                'Only the embedded demo loads the simulator, with import() (server.ts): production never does.',
            },
          ],
        },
      ],
    },
  },
];

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      '**/dist/**',
      '**/coverage/**',
      '**/.tmp/**',
      '**/test-results/**',
      'data/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      globals: { ...globals.node },
      parserOptions: {
        projectService: {
          allowDefaultProject: ['*.js', '*.mjs', 'scripts/*.mjs', 'scripts/*.d.mts', '.ci/*.mjs'],
        },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-floating-promises': 'error',
      eqeqeq: ['error', 'smart'],
    },
  },
  {
    // Vitest's asymmetric matchers (expect.any, expect.stringMatching) are typed `any` by design.
    files: ['**/test/**/*.ts', 'e2e/**/*.ts'],
    rules: { '@typescript-eslint/no-unsafe-assignment': 'off' },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    // The browser app: browser globals, and the rules of hooks.
    files: ['apps/web/**/*.{ts,tsx,js}'],
    ignores: ['apps/web/vite.config.ts', 'apps/web/vitest.config.ts', 'apps/web/test/**'],
    plugins: { 'react-hooks': reactHooks },
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'react-hooks/rules-of-hooks': 'error',
      'react-hooks/exhaustive-deps': 'error',
    },
  },
  ...boundaries,
  prettier,
);
