// The postgres driver's two databases for tests that open a store themselves (the storage contract, the
// ledger trigger): an embedded PGlite in memory, and — when TEST_DATABASE_URL is set — a schema of its own on
// that PostgreSQL server, dropped afterwards, which keeps the run apart from anything else there.
import { randomUUID } from 'node:crypto'
import pg from 'pg'
import { PostgresStorage } from '../../server/src/storage/postgres/index.js'
import { pgliteImage } from './network.js'

export interface StoreHarness { storage: PostgresStorage; cleanup(): Promise<void> }

export async function embeddedStore(): Promise<StoreHarness> {
  const storage = new PostgresStorage({ driver: 'pglite', dataDir: 'memory://' })
  await storage.connect()
  return { storage, cleanup: () => storage.close() }
}

/** The test server's URL, or null (then the caller says why it skips). */
export const testServerUrl: string | null = process.env.TEST_DATABASE_URL || null

/** A store on a new schema of the TEST_DATABASE_URL server, named `<prefix>_<random>`. */
export async function serverStore(prefix: string): Promise<StoreHarness> {
  if (!testServerUrl) throw new Error('serverStore: TEST_DATABASE_URL is not set')
  const schema = `${prefix}_${randomUUID().replaceAll('-', '').slice(0, 12)}`
  const admin = new pg.Client({ connectionString: testServerUrl })
  await admin.connect()
  await admin.query(`CREATE SCHEMA ${schema}`)
  const storage = new PostgresStorage({ driver: 'postgres', connectionString: testServerUrl, schema })
  await storage.connect()
  return {
    storage,
    async cleanup() {
      await storage.close()
      await admin.query(`DROP SCHEMA ${schema} CASCADE`)
      await admin.end()
    },
  }
}

/**
 * An embedded store in memory, started from the migrated snapshot (no initdb, no migrations to run): the store of
 * a unit test that exercises one module's rules over real SQL.
 */
export async function memoryStore(): Promise<PostgresStorage> {
  const storage = new PostgresStorage({ driver: 'pglite', dataDir: 'memory://', image: await pgliteImage() })
  await storage.connect()
  return storage
}
