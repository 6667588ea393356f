import { availableParallelism } from 'node:os'
import { defineConfig } from 'vitest/config'

// One runner for the whole repository: tracker unit tests (jsdom), server and storage tests (node),
// and real-Chromium tests. Files pick their environment with a `@vitest-environment` comment.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Files at a time: VITEST_MAX_WORKERS, else one per core. The suite is CPU-bound on a small machine (the
    // browser tests alone keep two cores busy): measured on 2 cores with TEST_DATABASE_URL set, 1 worker 481 s,
    // 2 workers 376 s, 3 workers 397 s. Tests that hold a deadline keep it well above what a loaded machine
    // takes (or prove the absence of waiting without a clock), so that more workers do not turn them red.
    maxWorkers: Number(process.env.VITEST_MAX_WORKERS) || availableParallelism(),
    reporters: ['default'],
  },
})
