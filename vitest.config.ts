import { defineConfig } from 'vitest/config';

// One root config; each package and app is a Vitest project with its own vitest.config.ts.
export default defineConfig({
  test: {
    projects: ['packages/*/vitest.config.ts', 'apps/*/vitest.config.ts'],
  },
});
