import { defineConfig } from 'vitest/config';

// One root config; each package and app is a Vitest project with its own vitest.config.ts, and `repo` holds the
// tests of the workspace's own tooling (the lint config's import boundaries).
export default defineConfig({
  test: {
    projects: [
      'packages/*/vitest.config.ts',
      'apps/*/vitest.config.ts',
      { test: { name: 'repo', include: ['test/**/*.test.ts'] } },
    ],
  },
});
