import { defineProject } from 'vitest/config';

// Node by default. Component tests (Testing Library) ask for a DOM themselves with a first line
// `// @vitest-environment happy-dom` and use test/dom.tsx, so the other tests do not pay for one.
export default defineProject({
  test: {
    name: 'web',
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
  },
});
