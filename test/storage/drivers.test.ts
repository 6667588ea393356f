// Runs the storage contract against every driver that is reachable here, and says why it skips the others.
import { randomUUID } from 'node:crypto'
import pg from 'pg'
import { describe, it } from 'vitest'
import { PostgresStorage } from '../../server/src/storage/postgres/index.js'
import { storageContract } from './contract.js'
import { mongoHarness } from '../support/mongo.js'

storageContract('pglite (embedded)', async () => {
  const storage = new PostgresStorage({ driver: 'pglite', dataDir: 'memory://' })
  await storage.connect()
  return { storage, cleanup: () => storage.close() }
})

const serverUrl = process.env.TEST_DATABASE_URL
if (serverUrl) {
  storageContract('postgres (server)', async () => {
    // A schema of its own keeps this run apart from anything else on the server.
    const schema = `contract_${randomUUID().replaceAll('-', '').slice(0, 12)}`
    const admin = new pg.Client({ connectionString: serverUrl })
    await admin.connect()
    await admin.query(`CREATE SCHEMA ${schema}`)
    const storage = new PostgresStorage({ driver: 'postgres', connectionString: serverUrl, schema })
    await storage.connect()
    return {
      storage,
      async cleanup() {
        await storage.close()
        await admin.query(`DROP SCHEMA ${schema} CASCADE`)
        await admin.end()
      },
    }
  })
} else {
  describe('storage contract: postgres (server)', () => {
    it.skipIf(true)('skipped: TEST_DATABASE_URL is not set (e.g. postgres://postgres@127.0.0.1:5432/test)', () => {})
  })
  console.warn('[storage] postgres (server) contract skipped: TEST_DATABASE_URL is not set')
}

const mongo = await mongoHarness()
if (mongo.available) {
  storageContract('mongo', mongo.create)
} else {
  describe('storage contract: mongo', () => {
    it.skipIf(true)(`skipped: ${mongo.reason}`, () => {})
  })
  console.warn(`[storage] mongo contract skipped: ${mongo.reason}`)
}
