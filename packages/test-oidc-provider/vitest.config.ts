import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'test-oidc-provider',
    include: ['test/**/*.test.ts'],
  },
});
