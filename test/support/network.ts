// Starts the real network server in-process on a free port: on an embedded store, or on a fresh database of
// the PostgreSQL server named by TEST_DATABASE_URL.
import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadConfig } from '../../server/src/config.js'
import { createLogger } from '../../server/src/logger.js'
import { startNetwork, type Network } from '../../server/src/main.js'
import pg from 'pg'

export type TestDriver = 'pglite' | 'postgres'
/** The drivers an integration test can run on here: PGlite always, PostgreSQL when TEST_DATABASE_URL is set. */
export const testDrivers: TestDriver[] = process.env.TEST_DATABASE_URL ? ['pglite', 'postgres'] : ['pglite']
if (!process.env.TEST_DATABASE_URL) console.warn('[network] integration tests run on pglite only: TEST_DATABASE_URL is not set')

/** A database of its own on the test server, dropped afterwards. */
async function freshDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const server = process.env.TEST_DATABASE_URL as string
  const name = `net_${randomUUID().replaceAll('-', '').slice(0, 12)}`
  const admin = new pg.Client({ connectionString: server })
  await admin.connect()
  await admin.query(`CREATE DATABASE ${name}`)
  const url = new URL(server)
  url.pathname = `/${name}`
  return {
    url: url.href,
    async drop() {
      // Let work still finishing after the server stopped (an approval run's last query) close its session.
      for (let i = 0; i < 50; i++) {
        const { rows } = await admin.query('SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1', [name])
        if (rows[0].n === 0) break
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
      await admin.end()
    },
  }
}

export interface TestNetwork extends Network {
  dataDir: string
  /** Stops the server and removes its data folder. */
  destroy(): Promise<void>
}

export async function startTestNetwork(env: Record<string, string> = {}, dataDir?: string, options: { processEvery?: number; driver?: TestDriver } = {}): Promise<TestNetwork> {
  const dir = dataDir ?? mkdtempSync(join(tmpdir(), 'network-test-'))
  const database = options.driver === 'postgres' ? await freshDatabase() : null
  const config = loadConfig({
    PORT: '0', DATA_DIR: dir, LOG_LEVEL: 'silent', NODE_ENV: 'test', SEED_DEMO: 'false', ...(database && { DATABASE_URL: database.url }), ...env,
  })
  const network = await startNetwork(config, createLogger(config.LOG_LEVEL), { jobs: { processEvery: options.processEvery ?? 200 } })
  return {
    ...network,
    dataDir: dir,
    async destroy() {
      await network.stop()
      await database?.drop()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
