import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['__tests__/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Tests start real servers and subprocesses; two cores on CI.
    maxWorkers: 2,
    // One scratch folder for the run, removed at its end; and which Node runs dist/, said once.
    globalSetup: ['test-support/global-setup.ts'],
    // What libraries print, and console output, shown only for a test that fails.
    setupFiles: ['test-support/quiet-output.ts'],
    silent: 'passed-only',
    // Tests here start servers and processes: only a test slower than this is worth a line of its own.
    slowTestThreshold: 5_000,
  },
});
