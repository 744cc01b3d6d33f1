import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'vergeos-sim',
    include: ['test/**/*.test.ts'],
  },
});
