import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'vergeos-client',
    include: ['test/**/*.test.ts'],
  },
});
