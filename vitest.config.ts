import { defineConfig } from 'vitest/config';

// One test run for the whole repo: every part with a vitest.config.ts is a project.
export default defineConfig({
  test: {
    projects: ['*/vitest.config.ts'],
  },
});
