import { defineConfig } from 'vitest/config'

// Native addons and real child processes: run test files in forked processes, not worker threads.
export default defineConfig({
  test: {
    pool: 'forks',
    include: ['test/unit/**/*.test.ts', 'test/integration/**/*.test.ts', 'test/e2e/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    fileParallelism: true,
    maxWorkers: 2,
    // One more try for a failing test: on a shared 2-core machine a test that waits on real processes,
    // sockets and a browser can miss a bound because the scheduler starved it, once. A defect fails
    // both tries; the reporter names every test that needed its second.
    retry: 1,
    reporters: ['default', './test/support/retried-reporter.ts'],
  },
})
