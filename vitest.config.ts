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
    // Files at a time: VITEST_MAX_WORKERS, else one less than the cores (vitest's own default). More is faster
    // on a quiet machine, but several tests hold deadlines ("an email within a second", "the spool empty
    // within 10 s") that a loaded 2-core machine misses: measured 3 workers beside other load, 5 of 653 failed.
    maxWorkers: Number(process.env.VITEST_MAX_WORKERS) || Math.max(1, availableParallelism() - 1),
    reporters: ['default'],
  },
})
