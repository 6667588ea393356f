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
    reporters: ['default'],
  },
})
