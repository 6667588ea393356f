import { defineConfig } from 'vitest/config'
import base from './vitest.config.ts'

// The test files StrykerJS runs (npm run mutation, stryker.config.mjs): the suites that exercise the modules
// holding money and trust, on the embedded store. Not the Chromium-heavy suites (test/tracker, test/journey,
// test/portal), and not the files that run the built server in child processes (mutants live only in the
// sandbox's sources, so a child process running server/dist can never see one).
export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: ['test/{tracking,storage,monetize,revenue,api}/**/*.test.ts'],
    exclude: ['**/node_modules/**', 'test/monetize/twoProcesses.test.ts'],
  },
})
