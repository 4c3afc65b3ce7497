import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/harness/**', 'node_modules/**'],
    setupFiles: ['test/harness/vitest.setup.ts'],
    // Two cores and a software GPU: run files one after another, each in its own process.
    pool: 'forks',
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
