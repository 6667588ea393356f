// Runs the storage contract against every driver that is reachable here, and says why it skips the others.
import { describe, it } from 'vitest'
import { storageContract } from './contract.js'
import { mongoHarness } from '../support/mongo.js'
import { embeddedStore, serverStore, testServerUrl } from '../support/stores.js'

storageContract('pglite (embedded)', embeddedStore)

if (testServerUrl) {
  storageContract('postgres (server)', () => serverStore('contract'))
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
