import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'bff',
    include: ['test/**/*.test.ts'],
    // A real PostgreSQL server for the stores' PostgreSQL half (test/global-postgres.ts).
    globalSetup: ['test/global-postgres.ts'],
  },
});
