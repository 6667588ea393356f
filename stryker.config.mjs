// @ts-check
// StrykerJS over the modules that hold money and trust: `npm run mutation` (builds first; not part of npm test).
// One module: `npm run mutation -- --mutate server/src/conversions/commission.ts`. See ARCHITECTURE.md, "Mutation testing".
import { readFileSync } from 'node:fs'

/**
 * `file:start-end` for one function of a file, found by its opening line and the first later line that is the
 * closing brace at the same indentation — so the range follows the function when the file around it changes.
 */
function functionRange(file, opening) {
  const lines = readFileSync(new URL(file, import.meta.url), 'utf8').split('\n')
  const start = lines.findIndex((line) => line.includes(opening))
  if (start < 0) throw new Error(`stryker.config.mjs: ${opening} not found in ${file}`)
  const indent = /^\s*/.exec(lines[start])[0]
  const end = lines.findIndex((line, i) => i > start && line === `${indent}}`)
  if (end < 0) throw new Error(`stryker.config.mjs: the end of ${opening} not found in ${file}`)
  return `${file}:${start + 1}-${end + 1}`
}

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutation.config.ts', related: true },
  mutate: [
    // F1–F5: the one ingestion use-case, attribution, commission, approve / decline / refund.
    'server/src/tracking/conversions.ts',
    'server/src/tracking/attribution.ts',
    'server/src/conversions/commission.ts',
    'server/src/conversions/lifecycle.ts',
    'server/src/conversions/index.ts',
    'server/src/accounts/ownership.ts',
    'server/src/campaigns/*.ts',
    'server/src/links/index.ts',
    'server/src/trackingCodes/index.ts',
    // The postback check: the token or the HMAC signature and its age.
    'server/src/tracking/postback.ts',
    // The repositories that move money and messages (the SQL inside is one string literal per statement).
    'server/src/storage/postgres/ledger.ts',
    'server/src/storage/ledgerRules.ts',
    'server/src/storage/postgres/where.ts',
    'server/src/storage/postgres/outbox.ts',
    'server/src/storage/postgres/suppressions.ts',
    'server/src/storage/postgres/conversions.ts',
    'server/src/storage/postgres/messages.ts',
    // Migrations: only the runner (skip what is applied, record what was). The SQL — the ledger's append-only
    // trigger included — is one template literal per migration, and Stryker has no SQL mutator: its only mutant
    // would be the empty string, which any test kills and which says nothing about the trigger. The trigger is
    // guarded by behaviour instead: test/storage/ledgerTrigger.test.ts.
    functionRange('server/src/storage/postgres/migrations.ts', 'export async function migrate('),
    // F6: orders, the offer-email use-cases, ranking, the email, the mailer, unsubscribe pages.
    'server/src/monetize/*.ts',
    // F7: attribution on every change and the re-attribution job, settings (the sale formula), the Mailgun
    // signature and the webhook. Not report.ts / view.ts / events.ts: presentation and demo events.
    'server/src/revenue/index.ts',
    'server/src/revenue/settings.ts',
    'server/src/revenue/mailgun.ts',
    'server/src/revenue/webhooks.ts',
  ],
  coverageAnalysis: 'perTest',
  // Two cores: one vitest per core (each runs one test file at a time, on PGlite).
  concurrency: 2,
  // The dry run of every suite above with per-test coverage takes minutes on two cores.
  dryRunTimeoutMinutes: 20,
  // A mutant is a Timeout when its tests take longer than timeoutFactor × their time in the dry run + timeoutMS
  // + the dry run's overhead. Half the mutants here are "static" for Stryker (first reached in a beforeAll that
  // starts a network and seeds it), so each runs every related test file after a reload, with the other runner
  // busy on the second core (and whatever else the machine runs): with the defaults (1.5, 5 s), and still with
  // (3, 60 s), such a run exceeded its budget and a mutant no test can see — an equivalent one included — was
  // counted as a Timeout, i.e. detected. A mutant that really hangs a test still ends within vitest's own
  // testTimeout (30 s) and hookTimeout (60 s) and is then Killed (bail), so a generous margin costs little.
  timeoutFactor: 3,
  timeoutMS: 180_000,
  // Kept between runs, and committed: a rerun tests only the mutants whose code or covering tests changed since
  // the results in it, so a run cut into parts over several days (a full run is hours on two cores) adds up.
  incremental: true,
  incrementalFile: 'reports/mutation/stryker-incremental.json',
  reporters: ['progress', 'clear-text', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  clearTextReporter: { allowColor: false, logTests: false, reportScoreTable: true },
  thresholds: { high: 90, low: 85, break: null },
  // Not needed in the sandbox (tracker/dist is: the tests read it, so it is built before Stryker starts).
  ignorePatterns: ['/data', '/test/artifacts', '/server/dist', '/bench', '/reports'],
  tempDirName: '.stryker-tmp',
  cleanTempDir: true,
}
